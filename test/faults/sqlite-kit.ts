/**
 * What the SQLite fault tests share: small filesystems made for one test (mounting needs root; without
 * it a test skips saying so, except in CI, where it fails) and a fresh look at a database file.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';

/**
 * A tmpfs of `sizeMb` for the test's run, unmounted afterwards even when the test fails. Mounting
 * needs root: elsewhere the test skips saying so, except in CI, where it fails.
 */
export async function withTmpfs(
  t: TestContext,
  sizeMb: number,
  run: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'order-inbox-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const why = `cannot mount a tmpfs here (${String((error as Error).message).split('\n')[0]}): needs root`;
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    return;
  }
  try {
    await run(dir);
  } finally {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An ext4 filesystem in a loop-mounted image, mounted `errors=remount-ro` as ext4 usually is: after an
 * error (here the kernel's own `trigger_fs_error`) it turns read-only under the open files, the way a
 * failing disk does. `remount` unmounts, checks and mounts it again (the files must be closed).
 */
export async function withExt4(
  t: TestContext,
  run: (fs: { dir: string; fail: () => void; remount: () => void }) => Promise<void>,
): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'order-inbox-ext4-'));
  const image = join(root, 'disk.img');
  const dir = join(root, 'mnt');
  mkdirSync(dir);
  const mount = () => {
    execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, dir], { stdio: 'pipe' });
    return execFileSync('findmnt', ['-n', '-o', 'SOURCE', dir], { encoding: 'utf8' }).trim();
  };
  let device: string;
  try {
    writeFileSync(image, '');
    execFileSync('truncate', ['-s', '32M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'pipe' });
    device = mount();
    if (!existsSync(`/sys/fs/ext4/${device.replace('/dev/', '')}/trigger_fs_error`)) {
      execFileSync('umount', [dir]);
      throw new Error('this kernel has no /sys/fs/ext4/*/trigger_fs_error');
    }
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    const why = `cannot make a loop-mounted ext4 here (${String((error as Error).message).split('\n')[0]})`;
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    return;
  }
  try {
    await run({
      dir,
      fail: () => writeFileSync(`/sys/fs/ext4/${device.replace('/dev/', '')}/trigger_fs_error`, '1'),
      remount: () => {
        execFileSync('umount', [dir]);
        // 0: clean; 1: errors corrected (the error this test raised is recorded in the superblock).
        const check = spawnSync('e2fsck', ['-f', '-y', image], { encoding: 'utf8' });
        assert.ok(check.status === 0 || check.status === 1, check.stdout + check.stderr);
        device = mount();
      },
    });
  } finally {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } catch {
      // Already unmounted by the test.
    }
    rmSync(root, { recursive: true, force: true });
  }
}

/** Opens the file afresh: integrity, and which of `ids` it holds. */
export function inspect(path: string, ids: string[]): { integrity: string; present: Set<string> } {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const have = db.prepare('SELECT external_order_id FROM shipments').pluck().all() as string[];
    const wanted = new Set(ids);
    return { integrity, present: new Set(have.filter((id) => wanted.has(id))) };
  } finally {
    db.close();
  }
}

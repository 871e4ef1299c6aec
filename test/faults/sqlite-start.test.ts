/**
 * A start on an SQLite database that cannot be written stops with one line naming the file and the
 * reason, and a non-zero exit — rather than serving "ready" and failing every write. Then, once the
 * cause is gone, the same command starts and serves the data that was there. The built command line
 * runs as a child process, as a user runs it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, runCli, serve } from '../helpers/cli.js';
import { withTmpfs } from './sqlite-kit.js';
import { basicHeader } from '../helpers/server.js';

/** Root writes through any permission: the permission cases run the command as `nobody` then. */
const AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

function start(database: string, asOther = false) {
  const result = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--database', database], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'warn' },
    timeout: 30_000,
    ...(asOther && AS_ROOT ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertRefused(result: ReturnType<typeof start>, database: string, reason: RegExp): void {
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.equal(result.stdout, '');
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.ok(
    lines[0]?.startsWith(`order-inbox: cannot write the SQLite database ${database} (--database): `),
    lines[0],
  );
  assert.match(lines[0] ?? '', reason);
}

/** Leaves -wal and -shm beside the database, as a crash does: a server killed with SIGKILL. */
async function crashLeavingWal(database: string): Promise<void> {
  const boot = await runCli(['bootstrap', '--json', '--database', database]);
  assert.equal(boot.status, 0, boot.stderr);
  const running = await serve(['--database', database]);
  running.child.kill('SIGKILL');
  await running.exited;
  assert.ok(existsSync(`${database}-wal`) && existsSync(`${database}-shm`), 'leftover -wal and -shm');
}

/** Starts, checks one tenant can read, stops. */
async function startsAndServes(database: string, env: Record<string, string> = {}): Promise<void> {
  const list = await runCli(['credentials', 'list', '--json', '--database', database], env);
  assert.equal(list.status, 0, list.stderr);
  const running = await serve(['--database', database], env);
  try {
    const ready = await fetch(`${running.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ok' });
    const unauthenticated = await fetch(`${running.url}/api/v2/integrations`, {
      headers: { authorization: basicHeader('0'.repeat(32), 'x') },
    });
    assert.equal(unauthenticated.status, 401);
  } finally {
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);
  }
}

describe('a start on a database that cannot be written: one line, non-zero exit', () => {
  test('a read-only filesystem with leftover -wal and -shm; starts again once it is writable', async (t) => {
    await withTmpfs(t, 32, async (dir) => {
      const database = join(dir, 'orders.db');
      await crashLeavingWal(database);
      execFileSync('mount', ['-o', 'remount,ro', dir]);
      try {
        assertRefused(start(database), database, /read-only file system \(EROFS\)$/);
        // A folder that does not exist yet, on the read-only filesystem.
        const nested = join(dir, 'new', 'orders.db');
        assertRefused(start(nested), nested, /read-only file system \(EROFS\)$/);
      } finally {
        execFileSync('mount', ['-o', 'remount,rw', dir]);
      }
      await startsAndServes(database);
    });
  });

  test('a read-only database file; starts again once it is writable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-rofile-'));
    try {
      chmodSync(dir, 0o777);
      const database = join(dir, 'orders.db');
      const boot = await runCli(['bootstrap', '--json', '--database', database]);
      assert.equal(boot.status, 0, boot.stderr);
      if (AS_ROOT) chownSync(database, NOBODY, NOBODY);
      chmodSync(database, 0o444);
      assertRefused(start(database, true), database, /permission denied \(EACCES\)$/);
      chmodSync(database, 0o644);
      if (AS_ROOT) chownSync(database, 0, 0);
      await startsAndServes(database);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a read-only folder holding the database and its leftover -wal and -shm; a path below a read-only folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-rodir-'));
    try {
      const folder = join(dir, 'data');
      mkdirSync(folder);
      const database = join(folder, 'orders.db');
      await crashLeavingWal(database);
      for (const file of [database, `${database}-wal`, `${database}-shm`]) {
        chmodSync(file, 0o666);
      }
      chmodSync(dir, 0o755);
      chmodSync(folder, 0o555);
      assertRefused(start(database, true), database, /permission denied \(EACCES\)$/);
      const below = join(folder, 'more', 'orders.db');
      assertRefused(start(below, true), below, /permission denied \(EACCES\)$/);
      chmodSync(folder, 0o755);
      await startsAndServes(database);
    } finally {
      chmodSync(dir, 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SnapshotService, snapshotText } from '../domain/admin/snapshot.js';
import type { ImportedCounts } from '../domain/admin/snapshot.js';
import type { Store } from '../storage/store.js';

/**
 * Writes `text` so that `path` holds either its old content or all of the new one, whatever happens
 * in between: a temporary file beside it, flushed to disk, renamed over it, and the folder flushed so
 * that the rename itself survives a power loss. A crash leaves at most the temporary file.
 */
export function writeFileAtomically(path: string, text: string): void {
  const folder = dirname(path);
  const temporary = join(folder, `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  const dir = openSync(folder, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** The snapshot of the whole state, or of one account, written to `path` atomically (owner-only). */
export async function exportSnapshotFile(store: Store, path: string, accountId: number | null = null) {
  writeFileAtomically(path, snapshotText(await new SnapshotService(store).export(accountId)));
}

/** A snapshot file's JSON, not yet checked. */
export function readSnapshotFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the snapshot ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** A snapshot file imported all or nothing; a refusal names the file and the JSON pointer. */
export async function importSnapshotFile(store: Store, path: string): Promise<ImportedCounts> {
  return new SnapshotService(store).import(readSnapshotFile(path), path);
}

import type { Database } from 'better-sqlite3';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Thrown out of the fast path so its transaction rolls back; the batch is then replayed. */
class ReplayBatch extends Error {}

/**
 * Group commit: every write that arrives in one turn of the event loop runs in one transaction, so
 * many requests share one commit and one disk flush; each promise settles only after the shared
 * COMMIT has returned, i.e. after the data is durable (with `synchronous=FULL`). This is where most of
 * SQLite's write throughput comes from (issue 5): the flush, not the statements, is the cost.
 *
 * The batch first runs as it is. Should any write throw, that transaction is rolled back whole and the
 * batch replayed with each write in its own savepoint, so the failing write rolls back alone and the
 * others still commit — without paying two savepoint statements per write when nothing fails.
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly runFast: (batch: Pending[]) => unknown[];
  private readonly runIsolated: (batch: Pending[]) => { ok: boolean; value: unknown }[];

  constructor(db: Database) {
    // IMMEDIATE takes the write lock at BEGIN, so a concurrent writer (the CLI, another process)
    // waits on busy_timeout instead of failing half-way through with SQLITE_BUSY on upgrade.
    this.runFast = db.transaction((batch: Pending[]) => {
      const values: unknown[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        try {
          values[i] = (batch[i] as Pending).run();
        } catch {
          throw new ReplayBatch();
        }
      }
      return values;
    }).immediate;
    const inSavepoint = db.transaction((run: () => unknown) => run());
    this.runIsolated = db.transaction((batch: Pending[]) => {
      const results: { ok: boolean; value: unknown }[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        try {
          results[i] = { ok: true, value: inSavepoint((batch[i] as Pending).run) };
        } catch (error) {
          results[i] = { ok: false, value: error };
        }
      }
      return results;
    }).immediate;
  }

  enqueue<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs what is queued now; used by the timer and by close(). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let results: { ok: boolean; value: unknown }[];
    try {
      const values = this.runFast(batch);
      results = values.map((value) => ({ ok: true, value }));
    } catch (error) {
      if (!(error instanceof ReplayBatch)) {
        for (const item of batch) item.reject(error);
        return;
      }
      try {
        results = this.runIsolated(batch);
      } catch (replayError) {
        for (const item of batch) item.reject(replayError);
        return;
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as Pending;
      const result = results[i] as { ok: boolean; value: unknown };
      if (result.ok) item.resolve(result.value);
      else item.reject(result.value);
    }
  }
}

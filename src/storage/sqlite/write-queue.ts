import type { Database } from 'better-sqlite3';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every write that arrives in one turn of the event loop runs in one transaction, so
 * many requests share one commit and one disk flush. Each write runs in its own savepoint, so one
 * failing write rolls back alone; each promise settles only after the shared COMMIT has returned,
 * i.e. after the data is durable (with `synchronous=FULL`). This is where most of SQLite's write
 * throughput comes from (issue 5): the flush, not the statements, is the cost.
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly runInSavepoint: (run: () => unknown) => unknown;
  private readonly runAll: (batch: Pending[]) => { ok: boolean; value: unknown }[];

  constructor(db: Database) {
    this.runInSavepoint = db.transaction((run: () => unknown) => run());
    const outer = db.transaction((batch: Pending[]) => {
      const results: { ok: boolean; value: unknown }[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        try {
          results[i] = { ok: true, value: this.runInSavepoint((batch[i] as Pending).run) };
        } catch (error) {
          results[i] = { ok: false, value: error };
        }
      }
      return results;
    });
    // IMMEDIATE takes the write lock at BEGIN, so a concurrent writer (the CLI, another process)
    // waits on busy_timeout instead of failing half-way through with SQLITE_BUSY on upgrade.
    this.runAll = outer.immediate;
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
      results = this.runAll(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as Pending;
      const result = results[i] as { ok: boolean; value: unknown };
      if (result.ok) item.resolve(result.value);
      else item.reject(result.value);
    }
  }
}

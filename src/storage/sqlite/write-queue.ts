import type { Database } from 'better-sqlite3';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** What the store tells the queue about its database; every hook is optional. */
export interface WriteQueueHooks {
  /**
   * True when `error` means the database cannot take writes now (full disk, I/O error, lock timeout):
   * the whole batch fails with it and is never replayed write by write.
   */
  fatal?: (error: unknown) => boolean;
  /** Before a batch: a promise to wait for first (e.g. a WAL restart), or null to run at once. */
  hold?: () => Promise<void> | null;
  /** After COMMIT, before any write of the batch is acknowledged: an error refuses them all. */
  verify?: () => Error | null;
  /** The outcome of every batch that reached the database, for readiness. */
  outcome?: (error: unknown) => void;
}

/** Thrown out of the fast path so its transaction rolls back; the batch is then replayed. */
class ReplayBatch extends Error {}

/** Carries a fatal error out of a replay, so the whole batch fails with it. */
class AbortBatch extends Error {
  constructor(readonly reason: unknown) {
    super('batch aborted');
  }
}

/**
 * Group commit: every write that arrives in one turn of the event loop runs in one transaction, so
 * many requests share one commit and one disk flush; each promise settles only after the shared
 * COMMIT has returned, i.e. after the data is durable (with `synchronous=FULL`). This is where most of
 * SQLite's write throughput comes from: the flush, not the statements, is the cost.
 *
 * The batch first runs as it is. Should any write throw, that transaction is rolled back whole and the
 * batch replayed with each write in its own savepoint, so the failing write rolls back alone and the
 * others still commit — without paying two savepoint statements per write when nothing fails.
 *
 * A fault of the database rather than of one write — a full disk, an I/O error, a lock held beyond
 * busy_timeout, a COMMIT or ROLLBACK that fails, SQLite rolling the transaction back by itself — fails
 * every write of the batch with that error: none is acknowledged, and none is retried alone in a
 * transaction that no longer exists.
 */
export class WriteQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private held: Promise<void> | null = null;
  private readonly runFast: (batch: Pending[]) => unknown[];
  private readonly runIsolated: (batch: Pending[]) => { ok: boolean; value: unknown }[];

  constructor(
    private readonly db: Database,
    private readonly hooks: WriteQueueHooks = {},
  ) {
    const fatal = (error: unknown): boolean => !db.inTransaction || (hooks.fatal?.(error) ?? false);
    // IMMEDIATE takes the write lock at BEGIN, so a concurrent writer (the CLI, another process)
    // waits on busy_timeout instead of failing half-way through with SQLITE_BUSY on upgrade.
    this.runFast = db.transaction((batch: Pending[]) => {
      const values: unknown[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        try {
          values[i] = (batch[i] as Pending).run();
        } catch (error) {
          throw fatal(error) ? new AbortBatch(error) : new ReplayBatch();
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
          if (fatal(error)) throw new AbortBatch(error);
          results[i] = { ok: false, value: error };
        }
      }
      return results;
    }).immediate;
  }

  enqueue<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.next());
  }

  /** The timer's turn: waits out a hold (writes keep queueing meanwhile, for one larger batch). */
  private next(): void {
    this.scheduled = false;
    if (this.held !== null || this.pending.length === 0) return;
    const hold = this.hooks.hold?.() ?? null;
    if (hold === null) {
      this.flush();
      return;
    }
    this.held = hold;
    const resume = () => {
      this.held = null;
      this.schedule();
    };
    hold.then(resume, resume);
  }

  /** Waits for a hold in progress, then runs what is queued; used by close(). */
  async drain(): Promise<void> {
    while (this.held !== null) await this.held.catch(() => undefined);
    this.flush();
  }

  /** Runs what is queued now, in one transaction. */
  flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const results = this.run(batch);
    if (results instanceof Array) {
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i] as Pending;
        const result = results[i] as { ok: boolean; value: unknown };
        if (result.ok) item.resolve(result.value);
        else item.reject(result.value);
      }
      return;
    }
    for (const item of batch) item.reject(results.error);
  }

  private run(batch: Pending[]): { ok: boolean; value: unknown }[] | { error: unknown } {
    let results: { ok: boolean; value: unknown }[];
    try {
      // A ROLLBACK that failed earlier can leave a transaction open. A batch must never run inside it:
      // better-sqlite3 would nest it in a savepoint, and its "commit" would commit nothing.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      try {
        results = this.runFast(batch).map((value) => ({ ok: true, value }));
      } catch (error) {
        if (!(error instanceof ReplayBatch)) throw error;
        results = this.runIsolated(batch);
      }
      const refused = this.hooks.verify?.() ?? null;
      if (refused !== null) throw refused;
    } catch (caught) {
      const error = caught instanceof AbortBatch ? caught.reason : caught;
      this.hooks.outcome?.(error);
      return { error };
    }
    this.hooks.outcome?.(null);
    return results;
  }
}

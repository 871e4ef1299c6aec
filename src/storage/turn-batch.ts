/**
 * Gathers the calls made during one turn of the event loop and hands them over together once the turn
 * has read what its sockets held (`setImmediate` runs after the poll phase). Each call's promise
 * settles with its own result. The lookups every request starts with use it: on PostgreSQL a
 * turn's lookups are one statement, on SQLite one staleness check; and on both the turn's answers then
 * leave together instead of one by one from inside each socket's read, which measured a third less CPU
 * per cached read on SQLite.
 */
export class TurnBatch<I, R> {
  private pending: { item: I; resolve: (value: R) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  /** `run` answers the batch's items, in order; if it throws or rejects, every call rejects. */
  constructor(private readonly run: (items: I[]) => R[] | Promise<R[]>) {}

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    try {
      const results = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i] as R));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}

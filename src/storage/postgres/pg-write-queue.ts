import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';

type Row = Record<string, unknown>;

/**
 * A write as data, so that the queue can merge neighbouring deletes into one statement; anything else
 * is a function run on the batch's client inside its transaction.
 */
export type WriteJob =
  | { kind: 'delete-by-uuid'; integrationId: number; uuid: string }
  | { kind: 'delete-by-key'; integrationId: number; externalOrderId: string; shipmentKey: string }
  | { kind: 'run'; run: (client: PoolClient) => Promise<unknown> };

type DeleteJob = Exclude<WriteJob, { kind: 'run' }>;

interface Pending {
  job: WriteJob;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The fast path's answer: every outcome, or the writes that failed first and why (all rolled back). */
type FastResult = { ok: true; outcomes: Outcome[] } | { ok: false; failed: number[]; error: unknown };

/** One round trip deletes a whole run of deletes; RETURNING tells which of them found their row. */
const DELETE_BY_UUIDS = `DELETE FROM shipments s
  USING unnest($1::bigint[], $2::text[]) AS d (integration_id, uuid)
  WHERE s.uuid = d.uuid AND s.integration_id = d.integration_id
  RETURNING s.integration_id, s.uuid`;
const DELETE_BY_KEYS = `DELETE FROM shipments s
  USING unnest($1::bigint[], $2::text[], $3::text[]) AS d (integration_id, external_order_id, shipment_key)
  WHERE s.integration_id = d.integration_id AND s.external_order_id = d.external_order_id
    AND s.shipment_key = d.shipment_key
  RETURNING s.integration_id, s.external_order_id, s.shipment_key`;
const DELETE_BY_UUID = 'DELETE FROM shipments WHERE uuid = $1 AND integration_id = $2';
const DELETE_BY_KEY =
  'DELETE FROM shipments WHERE integration_id = $1 AND external_order_id = $2 AND shipment_key = $3';

/** Deadlocks and serialization failures are worth one more try; other errors belong to the write. */
const TRANSIENT = new Set(['40P01', '40001']);
const isTransient = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && TRANSIENT.has(String((error as { code?: unknown }).code));

function deleteIdentity(job: DeleteJob): string {
  return job.kind === 'delete-by-uuid'
    ? `${job.integrationId}\u0000${job.uuid}`
    : `${job.integrationId}\u0000${job.externalOrderId}\u0000${job.shipmentKey}`;
}

function rowIdentity(kind: DeleteJob['kind'], row: Row): string {
  return kind === 'delete-by-uuid'
    ? `${Number(row.integration_id)}\u0000${String(row.uuid)}`
    : `${Number(row.integration_id)}\u0000${String(row.external_order_id)}\u0000${String(row.shipment_key)}`;
}

function deleteGroupQuery(kind: DeleteJob['kind'], jobs: DeleteJob[]): QueryConfig {
  if (kind === 'delete-by-uuid') {
    const byUuid = jobs as Extract<DeleteJob, { kind: 'delete-by-uuid' }>[];
    return {
      name: 'oi_delete_by_uuids',
      text: DELETE_BY_UUIDS,
      values: [byUuid.map((j) => j.integrationId), byUuid.map((j) => j.uuid)],
    };
  }
  const byKey = jobs as Extract<DeleteJob, { kind: 'delete-by-key' }>[];
  return {
    name: 'oi_delete_by_keys',
    text: DELETE_BY_KEYS,
    values: [
      byKey.map((j) => j.integrationId),
      byKey.map((j) => j.externalOrderId),
      byKey.map((j) => j.shipmentKey),
    ],
  };
}

async function runSingle(client: PoolClient, job: WriteJob): Promise<unknown> {
  if (job.kind === 'run') return job.run(client);
  const result =
    job.kind === 'delete-by-uuid'
      ? await client.query({
          name: 'oi_delete_by_uuid',
          text: DELETE_BY_UUID,
          values: [job.uuid, job.integrationId],
        })
      : await client.query({
          name: 'oi_delete_by_key',
          text: DELETE_BY_KEY,
          values: [job.integrationId, job.externalOrderId, job.shipmentKey],
        });
  return (result.rowCount ?? 0) > 0;
}

/**
 * Group commit for PostgreSQL, the counterpart of the SQLite `WriteQueue`: the writes that arrive in
 * one turn of the event loop run in one transaction on one pooled client, so they share one COMMIT and
 * one WAL flush (measured: the flush, not the statements, is the cost). Each promise settles only after
 * that COMMIT has returned, and `synchronous_commit` is left on, so an acknowledged write is durable.
 *
 * The client is in pipeline mode: BEGIN, the statements and COMMIT go out without waiting for each
 * other, and a run of deletes becomes one `DELETE … USING unnest(…)`, so a batch of deletes costs about
 * one round trip. Writes fail rarely, so the fast path has no savepoints; when anything in it fails the
 * whole transaction is rolled back (nothing of it is visible) and the batch is replayed with one
 * SAVEPOINT per write, so that the failing write is rejected alone, exactly as in `write-queue.ts`.
 */
export class PgWriteQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly pool: Pool,
    /** Batches committing at once; more overlap the WAL flush of one with the statements of the next. */
    private readonly maxInFlight = 2,
    /** Whether an error means the database cannot serve now (a lost connection, a timeout). */
    private readonly isUnavailable: (error: unknown) => boolean = () => false,
  ) {}

  enqueue<T>(job: WriteJob): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ job, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Resolves once every write queued so far has settled; used by close(). */
  drain(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.pending.length === 0 || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.pending.length === 0 || this.inFlight >= this.maxInFlight) return;
      const batch = this.pending;
      this.pending = [];
      this.inFlight++;
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        this.schedule();
        if (this.pending.length === 0 && this.inFlight === 0) {
          const waiting = this.idle;
          this.idle = [];
          for (const resolve of waiting) resolve();
        }
      });
    });
  }

  /**
   * A connection lost in the middle (restart, pg_terminate_backend) rejects every write of the batch
   * with the driver's error, which the store reports as unavailable (503), and the client is released
   * with it, so the pool discards it and opens a new one for the next batch. Before COMMIT was sent
   * the transaction dies with its backend: nothing of it commits. Once COMMIT is on the wire and its
   * answer is lost, the outcome is unknown (the server may have committed); the writes still answer
   * 503, and since an upsert is keyed and a delete of a missing row answers 404, a retry is safe.
   */
  private async runBatch(batch: Pending[]): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    let broken: unknown = undefined;
    try {
      const fast = await this.runFast(client, batch);
      let outcomes: Outcome[] | null = fast.ok ? fast.outcomes : null;
      let replay = batch;
      if (!fast.ok && this.isUnavailable(fast.error)) {
        // A write that ran into a lock or statement timeout would only wait the same time again in
        // the replay: it answers now (rolled back, so not committed), and the others are replayed.
        const failed = new Set(fast.failed);
        for (const index of failed) (batch[index] as Pending).reject(fast.error);
        replay = batch.filter((_, index) => !failed.has(index));
      }
      if (outcomes === null && replay.length > 0) {
        for (let attempt = 0; outcomes === null && attempt < 3; attempt++) {
          outcomes = await this.runWithSavepoints(client, replay);
        }
        if (outcomes === null) outcomes = await this.runWithSavepoints(client, replay, false);
      }
      const answered = outcomes ?? [];
      for (let i = 0; i < answered.length; i++) {
        const item = replay[i] as Pending;
        const outcome = answered[i] as Outcome;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      }
    } catch (error) {
      // BEGIN, ROLLBACK or COMMIT itself failed: the connection is suspect and the outcome unknown.
      // (A write already answered above ignores this second settlement.)
      broken = error;
      for (const item of batch) item.reject(error);
    } finally {
      // With an error, the pool closes this client instead of handing it out again.
      client.release(
        broken instanceof Error ? broken : broken === undefined ? undefined : new Error(String(broken)),
      );
    }
  }

  /** The pipelined path; when anything failed, the transaction is rolled back and the first failure told. */
  private async runFast(client: PoolClient, batch: Pending[]): Promise<FastResult> {
    const outcomes: Outcome[] = new Array(batch.length);
    const sent: Promise<unknown>[] = [];
    let failure: { failed: number[]; error: unknown } | null = null;
    let failed = false;
    const watch = (promise: Promise<unknown>, indexes: number[]): void => {
      sent.push(
        promise.catch((error: unknown) => {
          failed = true;
          // The first failure is the cause; the statements after it only see an aborted transaction.
          failure ??= { failed: indexes, error };
        }),
      );
    };
    watch(client.query('BEGIN'), []);
    let i = 0;
    while (i < batch.length) {
      const job = (batch[i] as Pending).job;
      if (job.kind === 'run') {
        // Awaited before anything else is sent: its statements may depend on each other's results,
        // and what follows must reach the server after them.
        const index = i;
        try {
          outcomes[index] = { ok: true, value: await job.run(client) };
        } catch (error) {
          failed = true;
          failure ??= { failed: [index], error };
          break;
        }
        i++;
        continue;
      }
      const start = i;
      const group: DeleteJob[] = [];
      while (i < batch.length && (batch[i] as Pending).job.kind === job.kind) {
        group.push((batch[i] as Pending).job as DeleteJob);
        i++;
      }
      watch(
        client.query<Row>(deleteGroupQuery(job.kind, group)).then((result: QueryResult<Row>) => {
          // A row deleted once answers the first write that named it; a repeat finds nothing, as it
          // would have one after the other.
          const found = new Set<string>();
          for (const row of result.rows) found.add(rowIdentity(job.kind, row));
          for (let k = 0; k < group.length; k++) {
            const identity = deleteIdentity(group[k] as DeleteJob);
            outcomes[start + k] = { ok: true, value: found.delete(identity) };
          }
        }),
        group.map((_, k) => start + k),
      );
    }
    // A write that threw in JavaScript has not aborted the transaction: roll back explicitly.
    const end = client.query(failed ? 'ROLLBACK' : 'COMMIT');
    // Waited on together, so a lost connection failing COMMIT first leaves no rejection unobserved.
    const [, result] = await Promise.all([Promise.all(sent), end]);
    // COMMIT of a transaction a statement aborted answers ROLLBACK: nothing of it was applied.
    const settled = failure as { failed: number[]; error: unknown } | null;
    if (settled !== null) return { ok: false, ...settled };
    if (failed || result.command !== 'COMMIT') {
      return { ok: false, failed: [], error: new Error('PostgreSQL rolled the write batch back') };
    }
    return { ok: true, outcomes };
  }

  /**
   * The careful path: one SAVEPOINT per write, so a failing write rolls back alone. Null when a
   * deadlock or serialization failure hit (the whole batch is retried); with `retryTransient` off such
   * a write is rejected like any other failure.
   */
  private async runWithSavepoints(
    client: PoolClient,
    batch: Pending[],
    retryTransient = true,
  ): Promise<Outcome[] | null> {
    const outcomes: Outcome[] = new Array(batch.length);
    await client.query('BEGIN');
    try {
      for (let i = 0; i < batch.length; i++) {
        await client.query('SAVEPOINT oi_write');
        try {
          outcomes[i] = { ok: true, value: await runSingle(client, (batch[i] as Pending).job) };
          await client.query('RELEASE SAVEPOINT oi_write');
        } catch (error) {
          if (retryTransient && isTransient(error)) {
            await client.query('ROLLBACK');
            return null;
          }
          await client.query('ROLLBACK TO SAVEPOINT oi_write');
          outcomes[i] = { ok: false, error };
        }
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const result = await client.query('COMMIT');
    if (result.command !== 'COMMIT') throw new Error('PostgreSQL rolled the write batch back at COMMIT');
    return outcomes;
  }
}

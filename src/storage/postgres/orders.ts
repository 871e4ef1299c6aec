import type { Pool, PoolClient, QueryResult } from 'pg';
import type {
  OrderListQuery,
  OrderProblem,
  OrderUpsertOutcome,
  OrderWrite,
  StoredOrder,
} from '../../domain/orders/types.js';
import { ORDER_COLUMNS, buildOrderListQuery } from '../orders-query.js';
import { orderValues, toStoredOrder, writeProblem } from '../orders-rows.js';
import type { Row } from '../rows.js';
import { rounds, settle } from './batches.js';

const ON_CONFLICT = `ON CONFLICT (integration_id, order_id) DO UPDATE SET
    order_number = excluded.order_number, order_number_folded = excluded.order_number_folded,
    status_folded = excluded.status_folded, order_created_at_us = excluded.order_created_at_us,
    order_updated_at_us = excluded.order_updated_at_us, data = excluded.data,
    modified_at_us = excluded.modified_at_us, version = orders.version + 1`;
/**
 * Writes any number of orders by their key (integration, order_id) in one statement, one array per
 * column (`upsertValues`). The rows go in in batch order, so new orders take ascending ids as one
 * statement per order would; RETURNING names each row's key, which matches it back to its write.
 * ON CONFLICT changes a row at most once per statement: the keys of one statement must differ.
 */
const UPSERT = `INSERT INTO orders (account_id, order_id, order_id_folded, integration_id, order_number,
    order_number_folded, status_folded, order_created_at_us, order_updated_at_us, data,
    created_at_us, modified_at_us, version)
  SELECT $1::bigint, w.order_id, w.order_id_folded, w.integration_id, w.order_number, w.order_number_folded,
      w.status_folded, w.order_created_at_us, w.order_updated_at_us, w.data, $2::bigint, $2::bigint, 1
    FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::bigint[],
        $10::bigint[], $11::text[])
      WITH ORDINALITY AS w (order_id, order_id_folded, integration_id, order_number, order_number_folded,
        status_folded, order_created_at_us, order_updated_at_us, data, n)
    ORDER BY w.n
  ${ON_CONFLICT}
  RETURNING id, version, integration_id, order_id`;
const UPDATE = `UPDATE orders SET integration_id = $1, order_number = $2, order_number_folded = $3,
    status_folded = $4, order_created_at_us = $5, order_updated_at_us = $6, data = $7, modified_at_us = $8,
    version = version + 1
  WHERE id = $9 AND account_id = $10
  RETURNING id, version, integration_id, order_id`;
const BY_ID = `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 AND account_id = $2`;
const BY_KEY = `SELECT ${ORDER_COLUMNS} FROM orders WHERE integration_id = $1 AND order_id = $2`;
/**
 * Every writer of an order holds a transaction-scoped lock on its key (integration, order_id) while it
 * writes; a batch that cannot take one at once meets an order another transaction is writing, and
 * answers "still processing" rather than wait (the reference's DuplicateOrderProcessing). One statement
 * takes the keys' locks in the order given and stops at the first one it cannot take, as a
 * `pg_try_advisory_xact_lock` per key would; `locked` is whether it took them all.
 */
const TRY_LOCKS = `WITH RECURSIVE attempt (n, locked) AS (
    SELECT 0, true
    UNION ALL
    SELECT n + 1, pg_try_advisory_xact_lock(hashtextextended(($1::text[])[n + 1], 6))
      FROM attempt WHERE locked AND n < cardinality($1::text[])
  )
  SELECT bool_and(locked) AS locked FROM attempt`;
/** Which of the integrations (by 1-based position in the array) are the account's. */
const OWNED = `SELECT i.n FROM unnest($2::bigint[]) WITH ORDINALITY AS i (id, n)
  JOIN integrations g ON g.id = i.id AND g.account_id = $1`;

const lockKey = (integrationId: number, orderId: string): string => `orders:${integrationId}:${orderId}`;

/** The UPSERT's parameters for these writes: the account, the time, and one array per column. */
function upsertValues(accountId: number, writes: readonly OrderWrite[], nowUs: number): unknown[] {
  const columns: unknown[][] = Array.from({ length: 9 }, () => []);
  for (const w of writes) {
    [w.orderId, w.orderId.toLowerCase(), ...orderValues(w)].forEach((value, c) => columns[c]?.push(value));
  }
  return [accountId, nowUs, ...columns];
}

/** The batch written, or refused at the write (-1: one of several in one statement) that met the key. */
type Written = { ok: true; results: { id: number; created: boolean }[] } | { ok: false; index: number };

/** v3 orders on PostgreSQL; writes run in the store's write queue, on the batch's client. */
export class PgOrders {
  constructor(private readonly pool: Pool) {}

  /**
   * Locks, then every check, then every write — or none (a savepoint of its own). The client is
   * pipelined: the statements of each step go out together, so a batch by key costs three round trips
   * (locks; integrations; savepoint and writes), and one more with explicit ids (their orders' keys
   * are locked too, so they are read first).
   */
  async upsert(
    client: PoolClient,
    accountId: number,
    writes: OrderWrite[],
    nowUs: number,
  ): Promise<OrderUpsertOutcome> {
    // What `read` finds for each write with an explicit id (null for a write by key), pipelined.
    const perExplicit = (read: (w: OrderWrite, id: number) => Promise<StoredOrder | null>) =>
      settle(writes.map((w) => (w.explicitId === null ? Promise.resolve(null) : read(w, w.explicitId))));
    const byKey = writes.every((w) => w.explicitId === null);
    const targets = byKey ? [] : await perExplicit((_, id) => this.getOn(client, accountId, id));
    const keys = new Set<string>();
    writes.forEach((w, index) => {
      keys.add(lockKey(w.integrationId, w.orderId));
      const target = targets[index];
      if (target) keys.add(lockKey(target.integrationId, target.orderId));
    });
    const lock = await client.query<Row>({
      name: 'oi_orders_try_locks',
      text: TRY_LOCKS,
      values: [[...keys].sort()],
    });
    if (lock.rows[0]?.locked !== true) return { ok: false, busy: true };
    const integrationIds = [...new Set(writes.map((w) => w.integrationId))];
    const [owned, reread, holders] = await settle([
      client.query<Row>({ name: 'oi_orders_owned', text: OWNED, values: [accountId, integrationIds] }),
      // Read again now that the keys are locked: the version a PATCH compares is the one it overwrites.
      byKey ? [] : perExplicit((_, id) => this.getOn(client, accountId, id)),
      byKey
        ? []
        : perExplicit(async (w) => {
            const row = (await client.query<Row>(BY_KEY, [w.integrationId, w.orderId])).rows[0];
            return row ? toStoredOrder(row) : null;
          }),
    ]);
    const mine = new Set(owned.rows.map((row) => integrationIds[Number(row.n) - 1]));
    const problems: OrderProblem[] = [];
    writes.forEach((w, index) => {
      const target = reread[index] ?? targets[index] ?? null;
      const problem = writeProblem(index, w, mine.has(w.integrationId), target, holders[index] ?? null);
      if (problem !== null) problems.push(problem);
    });
    if (problems.length > 0) return { ok: false, problems };
    const each = writes.map((_, index) => [index]);
    let written = await this.write(
      client,
      accountId,
      writes,
      byKey ? rounds(writes, (w) => lockKey(w.integrationId, w.orderId)) : each,
      nowUs,
    );
    // An UPSERT of several orders that met the unique key cannot tell which one did: one by one again.
    if (!written.ok && written.index < 0) written = await this.write(client, accountId, writes, each, nowUs);
    if (written.ok) return written;
    return { ok: false, problems: [{ index: written.index, kind: 'taken' }] };
  }

  /**
   * The writes after a SAVEPOINT of their own, one statement per group (writes by key: one UPSERT of
   * the group; an explicit id: its UPDATE), all pipelined and run in turn. A statement that meets the
   * unique key after all (an explicit id moved onto a key an earlier item just created) rolls the batch
   * back to the savepoint, and the batch is refused, not half applied.
   */
  private async write(
    client: PoolClient,
    accountId: number,
    writes: readonly OrderWrite[],
    groups: readonly number[][],
    nowUs: number,
  ): Promise<Written> {
    const sent = [
      client.query('SAVEPOINT orders_batch'),
      ...groups.map((group) => {
        const first = writes[group[0] as number] as OrderWrite;
        return first.explicitId === null
          ? client.query<Row>({
              name: 'oi_orders_upsert',
              text: UPSERT,
              values: upsertValues(
                accountId,
                group.map((index) => writes[index] as OrderWrite),
                nowUs,
              ),
            })
          : client.query<Row>(UPDATE, [...orderValues(first), nowUs, first.explicitId, accountId]);
      }),
      client.query('RELEASE SAVEPOINT orders_batch'),
    ];
    const settled = await Promise.allSettled(sent);
    // The first failure is the cause; the statements after it only met an aborted transaction.
    const failed = settled.findIndex((s) => s.status === 'rejected');
    if (failed >= 0) {
      const error = (settled[failed] as PromiseRejectedResult).reason as unknown;
      if (failed === 0 || failed > groups.length) throw error;
      await client.query('ROLLBACK TO SAVEPOINT orders_batch');
      if ((error as { code?: string }).code !== '23505') throw error;
      const group = groups[failed - 1] as number[];
      return { ok: false, index: group.length === 1 ? (group[0] as number) : -1 };
    }
    const results: { id: number; created: boolean }[] = new Array(writes.length);
    groups.forEach((group, g) => {
      const rows = new Map<string, Row>();
      for (const row of (settled[g + 1] as PromiseFulfilledResult<QueryResult<Row>>).value.rows) {
        rows.set(lockKey(Number(row.integration_id), String(row.order_id)), row);
      }
      for (const index of group) {
        const w = writes[index] as OrderWrite;
        const row = rows.get(lockKey(w.integrationId, w.orderId));
        // An UPDATE finds nothing only if a DELETE (which takes no lock) removed its order meanwhile.
        if (row === undefined) throw new Error(`order ${w.explicitId ?? w.orderId} was not written`);
        results[index] = { id: Number(row.id), created: Number(row.version) === 1 };
      }
    });
    return { ok: true, results };
  }

  async list(query: OrderListQuery): Promise<StoredOrder[]> {
    const { sql, params } = buildOrderListQuery(query, (n) => `$${n}`, '"C"');
    return (await this.pool.query<Row>(sql, params)).rows.map(toStoredOrder);
  }

  async get(accountId: number, id: number): Promise<StoredOrder | null> {
    return this.getOn(this.pool, accountId, id);
  }

  async delete(client: PoolClient, accountId: number, id: number): Promise<boolean> {
    const result = await client.query('DELETE FROM orders WHERE id = $1 AND account_id = $2', [
      id,
      accountId,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  private async getOn(on: Pool | PoolClient, accountId: number, id: number): Promise<StoredOrder | null> {
    const row = (await on.query<Row>(BY_ID, [id, accountId])).rows[0];
    return row ? toStoredOrder(row) : null;
  }
}

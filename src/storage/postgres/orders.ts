import type { Pool, PoolClient } from 'pg';
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

const UPSERT = `INSERT INTO orders (account_id, order_id, order_id_folded, integration_id, order_number,
    order_number_folded, status_folded, order_created_at_us, order_updated_at_us, data,
    created_at_us, modified_at_us, version)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1)
  ON CONFLICT (integration_id, order_id) DO UPDATE SET
    order_number = excluded.order_number, order_number_folded = excluded.order_number_folded,
    status_folded = excluded.status_folded, order_created_at_us = excluded.order_created_at_us,
    order_updated_at_us = excluded.order_updated_at_us, data = excluded.data,
    modified_at_us = excluded.modified_at_us, version = orders.version + 1
  RETURNING id, version`;
const UPDATE = `UPDATE orders SET integration_id = $1, order_number = $2, order_number_folded = $3,
    status_folded = $4, order_created_at_us = $5, order_updated_at_us = $6, data = $7, modified_at_us = $8,
    version = version + 1
  WHERE id = $9 AND account_id = $10
  RETURNING id, version`;
const BY_ID = `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 AND account_id = $2`;
const BY_KEY = `SELECT ${ORDER_COLUMNS} FROM orders WHERE integration_id = $1 AND order_id = $2`;
/**
 * Every writer of an order holds this transaction-scoped lock on its key (integration, order_id) while
 * it writes; a batch that cannot take it at once meets an order another transaction is writing, and
 * answers "still processing" rather than wait (the reference's DuplicateOrderProcessing).
 */
const TRY_LOCK = 'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 6)) AS locked';

const lockKey = (integrationId: number, orderId: string): string => `orders:${integrationId}:${orderId}`;

/** v3 orders on PostgreSQL; writes run in the store's write queue, on the batch's client. */
export class PgOrders {
  constructor(private readonly pool: Pool) {}

  /** Locks, then every check, then every write — or none (a savepoint of its own). */
  async upsert(
    client: PoolClient,
    accountId: number,
    writes: OrderWrite[],
    nowUs: number,
  ): Promise<OrderUpsertOutcome> {
    const targets: (StoredOrder | null)[] = [];
    const keys = new Set<string>();
    for (const w of writes) {
      keys.add(lockKey(w.integrationId, w.orderId));
      const target = w.explicitId === null ? null : await this.getOn(client, accountId, w.explicitId);
      if (target !== null) keys.add(lockKey(target.integrationId, target.orderId));
      targets.push(target);
    }
    for (const key of [...keys].sort()) {
      const locked = (await client.query<Row>(TRY_LOCK, [key])).rows[0]?.locked;
      if (locked !== true) return { ok: false, busy: true };
    }
    const problems: OrderProblem[] = [];
    const owned = new Map<number, boolean>();
    for (let index = 0; index < writes.length; index++) {
      const w = writes[index] as OrderWrite;
      let mine = owned.get(w.integrationId);
      if (mine === undefined) {
        const found = await client.query('SELECT 1 FROM integrations WHERE id = $1 AND account_id = $2', [
          w.integrationId,
          accountId,
        ]);
        mine = (found.rowCount ?? 0) > 0;
        owned.set(w.integrationId, mine);
      }
      // Read again now that the key is locked: the version a PATCH compares is the one it overwrites.
      const target = w.explicitId === null ? null : await this.getOn(client, accountId, w.explicitId);
      let holder: StoredOrder | null = null;
      if (w.explicitId !== null) {
        const row = (await client.query<Row>(BY_KEY, [w.integrationId, w.orderId])).rows[0];
        holder = row ? toStoredOrder(row) : null;
      }
      const problem = writeProblem(index, w, mine, target ?? targets[index] ?? null, holder);
      if (problem !== null) problems.push(problem);
    }
    if (problems.length > 0) return { ok: false, problems };
    await client.query('SAVEPOINT orders_batch');
    const results: { id: number; created: boolean }[] = [];
    for (let index = 0; index < writes.length; index++) {
      const w = writes[index] as OrderWrite;
      try {
        const row = (
          w.explicitId === null
            ? await client.query<Row>(UPSERT, [
                accountId,
                w.orderId,
                w.orderId.toLowerCase(),
                ...orderValues(w),
                nowUs,
                nowUs,
              ])
            : await client.query<Row>(UPDATE, [...orderValues(w), nowUs, w.explicitId, accountId])
        ).rows[0] as Row;
        results.push({ id: Number(row.id), created: Number(row.version) === 1 });
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT orders_batch');
        if ((error as { code?: string }).code !== '23505') throw error;
        return { ok: false, problems: [{ index, kind: 'taken' }] };
      }
    }
    await client.query('RELEASE SAVEPOINT orders_batch');
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

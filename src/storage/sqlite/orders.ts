import type { Database, Statement } from 'better-sqlite3';
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

/**
 * v3 orders on SQLite. Writes run inside the store's write queue (one IMMEDIATE transaction, group
 * commit), so they are serialized: a batch never meets an order another batch is half-way through
 * writing, and never answers "still processing" (docs/behaviour.md "v3 orders").
 */
export class SqliteOrders {
  private readonly s: ReturnType<typeof prepare>;
  private readonly listStatements = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    this.s = prepare(db);
  }

  /** Runs in a write-queue job. Every check comes first; then every write, or none. */
  upsert(accountId: number, writes: OrderWrite[], nowUs: number): OrderUpsertOutcome {
    const s = this.s;
    const problems: OrderProblem[] = [];
    const owned = new Map<number, boolean>();
    writes.forEach((w, index) => {
      let mine = owned.get(w.integrationId);
      if (mine === undefined) {
        mine = s.integrationOfAccount.get(w.integrationId, accountId) !== undefined;
        owned.set(w.integrationId, mine);
      }
      const target = w.explicitId === null ? null : this.get(accountId, w.explicitId);
      const holderRow =
        w.explicitId === null ? undefined : (s.byKey.get(w.integrationId, w.orderId) as Row | undefined);
      const problem = writeProblem(index, w, mine, target, holderRow ? toStoredOrder(holderRow) : null);
      if (problem !== null) problems.push(problem);
    });
    if (problems.length > 0) return { ok: false, problems };
    // A savepoint of its own (better-sqlite3 nests a transaction as one): should a write of the batch
    // meet the unique key after all (an explicit id moved onto a key an earlier item just created),
    // everything this batch wrote is rolled back and the batch is refused, not half applied.
    const results: { id: number; created: boolean }[] = [];
    let taken: number | null = null;
    try {
      this.db.transaction(() => {
        writes.forEach((w, index) => {
          taken = index;
          const row = (
            w.explicitId === null
              ? s.upsert.get(accountId, w.orderId, w.orderId.toLowerCase(), ...orderValues(w), nowUs, nowUs)
              : s.update.get(...orderValues(w), nowUs, w.explicitId, accountId)
          ) as Row;
          results.push({ id: Number(row.id), created: Number(row.version) === 1 });
        });
      })();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE' || taken === null) throw error;
      return { ok: false, problems: [{ index: taken, kind: 'taken' }] };
    }
    return { ok: true, results };
  }

  list(query: OrderListQuery): StoredOrder[] {
    const { sql, params } = buildOrderListQuery(query, () => '?', 'BINARY');
    let stmt = this.listStatements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      if (this.listStatements.size < 256) this.listStatements.set(sql, stmt);
    }
    return (stmt.all(...params) as Row[]).map(toStoredOrder);
  }

  get(accountId: number, id: number): StoredOrder | null {
    const row = this.s.byId.get(id, accountId) as Row | undefined;
    return row ? toStoredOrder(row) : null;
  }

  /** Runs in a write-queue job. */
  delete(accountId: number, id: number): boolean {
    return this.s.delete.run(id, accountId).changes > 0;
  }
}

function prepare(db: Database) {
  return {
    integrationOfAccount: db.prepare('SELECT 1 FROM integrations WHERE id = ? AND account_id = ?'),
    byId: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ? AND account_id = ?`),
    byKey: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE integration_id = ? AND order_id = ?`),
    upsert: db.prepare(
      `INSERT INTO orders (account_id, order_id, order_id_folded, integration_id, order_number,
         order_number_folded, status_folded, order_created_at_us, order_updated_at_us, data,
         created_at_us, modified_at_us, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (integration_id, order_id) DO UPDATE SET
         order_number = excluded.order_number, order_number_folded = excluded.order_number_folded,
         status_folded = excluded.status_folded, order_created_at_us = excluded.order_created_at_us,
         order_updated_at_us = excluded.order_updated_at_us, data = excluded.data,
         modified_at_us = excluded.modified_at_us, version = orders.version + 1
       RETURNING id, version`,
    ),
    update: db.prepare(
      `UPDATE orders SET integration_id = ?, order_number = ?, order_number_folded = ?, status_folded = ?,
         order_created_at_us = ?, order_updated_at_us = ?, data = ?, modified_at_us = ?,
         version = version + 1
       WHERE id = ? AND account_id = ?
       RETURNING id, version`,
    ),
    delete: db.prepare('DELETE FROM orders WHERE id = ? AND account_id = ?'),
  };
}

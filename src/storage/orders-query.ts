import type { OrderListQuery, OrderSortKey } from '../domain/orders/types.js';

/** The column each sort key orders by (`order_number` byte-wise on both engines). */
const SORT_COLUMNS: Record<OrderSortKey, { column: string; nullable: boolean; text: boolean }> = {
  integration: { column: 'integration_id', nullable: false, text: false },
  order_number: { column: 'order_number', nullable: false, text: true },
  order_created_at: { column: 'order_created_at_us', nullable: false, text: false },
  order_updated_at: { column: 'order_updated_at_us', nullable: true, text: false },
  pk: { column: 'id', nullable: false, text: false },
};

export const ORDER_COLUMNS =
  'id, account_id, integration_id, order_id, order_number, created_at_us, modified_at_us, version, data';

/**
 * The list query of both engines: `placeholder(n)` is `?` on SQLite and `$n` on PostgreSQL, `collate`
 * the byte-order collation (`BINARY` is SQLite's default; PostgreSQL's is `"C"`). An order with no
 * `order_updated_at` sorts last ascending and first descending, on both engines (PostgreSQL's default).
 */
export function buildOrderListQuery(
  query: OrderListQuery,
  placeholder: (n: number) => string,
  collate: string,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (value: unknown): string => {
    params.push(value);
    return placeholder(params.length);
  };
  const where = [`account_id = ${p(query.accountId)}`];
  if (query.integrationIds !== null) {
    where.push(
      query.integrationIds.length === 0
        ? '1 = 0'
        : `integration_id IN (${query.integrationIds.map((id) => p(id)).join(', ')})`,
    );
  }
  if (query.orderIdFolded !== null) where.push(`order_id_folded = ${p(query.orderIdFolded)}`);
  if (query.orderNumberFolded !== null) where.push(`order_number_folded = ${p(query.orderNumberFolded)}`);
  if (query.statusFolded !== null) where.push(`status_folded = ${p(query.statusFolded)}`);
  const range = (column: string, r: { fromUs: number | null; toUs: number | null }): void => {
    if (r.fromUs !== null) where.push(`${column} >= ${p(r.fromUs)}`);
    if (r.toUs !== null) where.push(`${column} < ${p(r.toUs)}`);
  };
  range('order_created_at_us', query.orderCreatedAt);
  range('order_updated_at_us', query.orderUpdatedAt);
  if (query.idBound !== null) where.push(`id ${query.idBound.op} ${p(query.idBound.id)}`);
  const order: string[] = [];
  const direction = (descending: boolean): string => (descending !== query.reverse ? 'DESC' : 'ASC');
  for (const { key, descending } of query.sort) {
    const { column, nullable, text } = SORT_COLUMNS[key];
    if (nullable) order.push(`(${column} IS NULL) ${direction(descending)}`);
    order.push(`${column}${text ? ` COLLATE ${collate}` : ''} ${direction(descending)}`);
  }
  if (!query.sort.some((s) => s.key === 'pk')) order.push(`id ${direction(true)}`);
  const sql =
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')}` +
    ` LIMIT ${p(query.limit)} OFFSET ${p(query.offset)}`;
  return { sql, params };
}

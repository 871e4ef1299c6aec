import type { OrderProblem, OrderWrite, StoredOrder } from '../domain/orders/types.js';
import { num } from './rows.js';
import type { Row } from './rows.js';

/** An orders row as the domain reads it (both engines). */
export function toStoredOrder(row: Row): StoredOrder {
  return {
    id: num(row.id),
    accountId: num(row.account_id),
    integrationId: num(row.integration_id),
    orderId: String(row.order_id),
    orderNumber: String(row.order_number),
    createdAtUs: num(row.created_at_us),
    modifiedAtUs: num(row.modified_at_us),
    version: num(row.version),
    document: String(row.data),
  };
}

/** The values of one write's columns, in the order of both engines' insert and update statements. */
export function orderValues(w: OrderWrite): unknown[] {
  return [
    w.integrationId,
    w.orderNumber,
    w.orderNumber.toLowerCase(),
    w.statusCode.toLowerCase(),
    w.orderCreatedAtUs,
    w.orderUpdatedAtUs,
    w.document,
  ];
}

/**
 * The checks of one write against the rows it names, before anything is written (both engines): the
 * problem that refuses it, or null. `target` is the order an explicit id names (null: unknown to the
 * account); `holder` the order that already has the write's key, if another.
 */
export function writeProblem(
  index: number,
  w: OrderWrite,
  integrationIsTheAccounts: boolean,
  target: StoredOrder | null,
  holder: StoredOrder | null,
): OrderProblem | null {
  if (!integrationIsTheAccounts) return { index, kind: 'integration' };
  if (w.explicitId === null) return null;
  if (target === null) return { index, kind: 'id' };
  if (target.orderId !== w.orderId) return { index, kind: 'order_id', current: target.orderId };
  if (w.expectVersion !== undefined && target.version !== w.expectVersion) return { index, kind: 'stale' };
  if (holder !== null && holder.id !== target.id) return { index, kind: 'taken' };
  return null;
}

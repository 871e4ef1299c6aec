/**
 * What the v3 orders domain asks of the store (the Store interface's order methods speak these types).
 */

/** One order to create or update, already validated: the columns the lists use, and the document. */
export interface OrderWrite {
  integrationId: number;
  orderId: string;
  /** The order named by an explicit `id` in the request; null: matched on `order_id` + integration. */
  explicitId: number | null;
  orderNumber: string;
  statusCode: string;
  orderCreatedAtUs: number;
  orderUpdatedAtUs: number | null;
  /** The order as answered, without `id`, `created_at` and `modified_at` (JSON text). */
  document: string;
  /** A PATCH's read-modify-write: the write applies only while the order is still at this version. */
  expectVersion?: number;
}

/** Why a write of a batch cannot be applied (the whole batch is then refused, nothing written). */
export type OrderProblem =
  | { index: number; kind: 'integration' }
  | { index: number; kind: 'id' }
  | { index: number; kind: 'order_id'; current: string }
  | { index: number; kind: 'taken' }
  | { index: number; kind: 'stale' };

export type OrderUpsertOutcome =
  | { ok: true; results: { id: number; created: boolean }[] }
  | { ok: false; problems: OrderProblem[] }
  /** Another transaction is writing one of these orders right now. */
  | { ok: false; busy: true };

export interface StoredOrder {
  id: number;
  accountId: number;
  integrationId: number;
  orderId: string;
  orderNumber: string;
  createdAtUs: number;
  modifiedAtUs: number;
  version: number;
  document: string;
}

export const ORDER_SORT_KEYS = [
  'integration',
  'order_number',
  'order_created_at',
  'order_updated_at',
  'pk',
] as const;
export type OrderSortKey = (typeof ORDER_SORT_KEYS)[number];

export interface OrderListQuery {
  accountId: number;
  /** Only these integrations (all the account's when null). */
  integrationIds: number[] | null;
  /** Exact matches on the case-folded value (`toLowerCase`). */
  orderIdFolded: string | null;
  orderNumberFolded: string | null;
  statusFolded: string | null;
  /** Half-open ranges [from, to) of the shop's times, in µs. */
  orderCreatedAt: { fromUs: number | null; toUs: number | null };
  orderUpdatedAt: { fromUs: number | null; toUs: number | null };
  /** Keys in priority order; the store adds `-pk` as the last tie-break unless `pk` is a key. */
  sort: { key: OrderSortKey; descending: boolean }[];
  /** Only orders whose primary key is below (`<`) or above (`>`) `id` (a DRF cursor's position). */
  idBound: { op: '<' | '>'; id: number } | null;
  /** Read the order backwards (a reversed cursor); the caller turns the page round again. */
  reverse: boolean;
  offset: number;
  limit: number;
}

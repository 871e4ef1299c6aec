/**
 * v3 orders (the reference's Orders API): batch create/update, list, retrieve, partial update, delete,
 * all scoped to the caller's account. Validation is Pydantic's (schema.ts); errors are the documented
 * V3Error values (documented-errors.ts); times come from the injected clock.
 */
import type { Store } from '../../storage/store.js';
import type { Clock } from '../clock.js';
import { parseJson } from '../drf/json.js';
import { JsonNumber } from '../drf/repr.js';
import { type ErrorItem, isPlainObject, validate } from '../pydantic/index.js';
import type { V3ErrorObject } from '../v3/errors.js';
import { V3Error } from '../v3/errors.js';
import { batchPointer, orderErrors, patchPointer } from './documented-errors.js';
import { orderBody, ordersBody } from './order-json.js';
import { ORDER_MEMBERS, Stamp, batchOrder, fullOrder, orderPatch } from './schema.js';
import { encodeOrderCursor, pageCursors, parseOrderList } from './list-query.js';
import type { OrderProblem, OrderUpsertOutcome, OrderWrite } from './types.js';

export const MAX_BATCH = 100;
/** How often a PATCH re-reads and merges again when another write moved the order meanwhile. */
const PATCH_ATTEMPTS = 5;

/** What a batch item and a PATCH answer: the order's ids (`id` an integer, as the schema types it). */
export interface OrderReference {
  id: number;
  order_id: string;
  order_number: string;
}

type Doc = Record<string, unknown>;

export interface OrderPage {
  /** The UTF-8 bytes of `{"data": [the page's orders]}`. */
  body: Buffer;
  next: string | null;
  prev: string | null;
}

const obj = (value: unknown): Doc => (isPlainObject(value) ? value : {});

/** The integer's Python text as the caller wrote it (an id beyond 2^53 keeps its digits). */
function intText(raw: unknown, value: number): string {
  return raw instanceof JsonNumber && !raw.isFloat ? raw.text : String(value);
}

/**
 * The write of a validated order (its document without the members the store keeps in columns). The
 * document's layout — `order_id`, `order_number`, then ORDER_MEMBERS in order — is what order-json.ts
 * splices the answers from; another layout is answered the slow way, not wrongly.
 */
export function toWrite(order: Doc, explicitId: number | null): OrderWrite {
  const details = obj(order.order_details);
  const document: Doc = { order_id: order.order_id, order_number: order.order_number };
  for (const member of ORDER_MEMBERS) if (order[member] !== undefined) document[member] = order[member];
  const updated = details.order_updated_at;
  return {
    integrationId: Number(obj(details.integration).id),
    orderId: String(order.order_id),
    explicitId,
    orderNumber: String(order.order_number),
    statusCode: String(obj(details.status).code),
    orderCreatedAtUs: (details.order_created_at as Stamp).value.us,
    orderUpdatedAtUs: updated instanceof Stamp ? updated.value.us : null,
    document: JSON.stringify(document),
  };
}

/**
 * PATCH's merge: nested objects merge member by member, lists are replaced, and each patched order item
 * is merged into the order's item of the same `name` (an item the order has not is the documented
 * `Could not find specified item.`). A member patched to null is left out.
 */
function mergeInto(current: Doc, patch: Doc, path: string): Doc {
  const merged: Doc = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const here = `${path}/${key}`;
    if (here === '/order_details/order_items' && Array.isArray(value)) {
      const items = Array.isArray(current[key]) ? [...(current[key] as Doc[])] : [];
      for (const patched of value as Doc[]) {
        const at = items.findIndex((item) => obj(item).name === patched.name);
        if (patched.name === undefined || at < 0) throw orderErrors.itemNotFound();
        items[at] = mergeInto(obj(items[at]), patched, `${here}/item`);
      }
      merged[key] = items;
    } else if (isPlainObject(value) && isPlainObject(current[key])) {
      merged[key] = mergeInto(current[key], value, here);
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

function validationError(errors: readonly ErrorItem[], pointer: (item: ErrorItem) => string): V3Error {
  return orderErrors.validation(errors.map((item) => ({ item, pointer: pointer(item) })));
}

/** The documented error objects of the problems a store found, in batch order. */
function problemErrors(
  problems: readonly OrderProblem[],
  writes: readonly OrderWrite[],
  pointer: (index: number, ...loc: string[]) => string,
  integrationText: (index: number) => string,
): V3ErrorObject[] {
  return problems.flatMap((problem) => {
    const w = writes[problem.index] as OrderWrite;
    switch (problem.kind) {
      case 'integration':
        return orderErrors.integrationNotFound(
          pointer(problem.index, 'order_details', 'integration', 'id'),
          integrationText(problem.index),
        ).errors;
      case 'id':
        return orderErrors.orderIdUnknown(pointer(problem.index, 'id'), String(w.explicitId)).errors;
      case 'order_id':
        return orderErrors.orderIdChanged(pointer(problem.index, 'order_id'), problem.current).errors;
      case 'taken':
        return orderErrors.orderKeyTaken(
          pointer(problem.index, 'order_details', 'integration', 'id'),
          w.orderId,
          w.integrationId,
        ).errors;
      case 'stale':
        return orderErrors.stillProcessing().errors;
    }
  });
}

export class OrderService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /**
   * POST /orders: every order validated first, then all written in one transaction or none. `body` is
   * undefined when the request had none (an empty batch, as `[]`).
   */
  async upsertBatch(accountId: number, body: unknown): Promise<OrderReference[]> {
    const items = body === undefined ? [] : body;
    if (!Array.isArray(items) || !items.every(isPlainObject)) throw orderErrors.wrongFormat();
    if (items.length > MAX_BATCH) throw orderErrors.batchTooLong(items.length);
    const invalid: { item: ErrorItem; pointer: string }[] = [];
    const orders: Doc[] = [];
    items.forEach((item, index) => {
      const outcome = validate(batchOrder, item);
      if (outcome.ok) orders.push(outcome.value);
      else
        for (const error of outcome.errors)
          invalid.push({ item: error, pointer: batchPointer(index, error.loc) });
    });
    if (invalid.length > 0) throw orderErrors.validation(invalid);
    const unknownIds: V3ErrorObject[] = [];
    const writes = orders.map((order, index) => {
      const id = order.id as string | undefined;
      let explicitId: number | null = null;
      if (id !== undefined) {
        explicitId = /^\d{1,15}$/.test(id) ? Number(id) : -1;
        if (explicitId <= 0)
          unknownIds.push(...orderErrors.orderIdUnknown(batchPointer(index, ['id']), id).errors);
      }
      return toWrite(order, explicitId);
    });
    if (unknownIds.length > 0) throw new V3Error(400, unknownIds);
    const integrationText = (index: number): string =>
      intText(
        obj(obj(obj(items[index]).order_details).integration).id,
        (writes[index] as OrderWrite).integrationId,
      );
    const outcome = await this.store.upsertOrders(accountId, writes, this.clock.nowUs());
    const results = this.settle(
      outcome,
      writes,
      (index, ...loc) => batchPointer(index, loc),
      integrationText,
    );
    return results.map((result, index) => ({
      id: result.id,
      order_id: (writes[index] as OrderWrite).orderId,
      order_number: (writes[index] as OrderWrite).orderNumber,
    }));
  }

  private settle(
    outcome: OrderUpsertOutcome,
    writes: readonly OrderWrite[],
    pointer: (index: number, ...loc: string[]) => string,
    integrationText: (index: number) => string,
  ): { id: number; created: boolean }[] {
    if (outcome.ok) return outcome.results;
    if ('busy' in outcome) throw orderErrors.stillProcessing();
    throw new V3Error(400, problemErrors(outcome.problems, writes, pointer, integrationText));
  }

  /**
   * GET /orders: one page of the account's orders, and the cursors of the pages beside it (`next`,
   * `prev`: the encoded cursor, `''` for the first page, which needs none; null where there is none).
   */
  async list(accountId: number, params: URLSearchParams): Promise<OrderPage> {
    const integrations = await this.store.listIntegrations(accountId);
    const { query, pageSize, cursor } = parseOrderList(
      params,
      accountId,
      new Set(integrations.map((i) => i.id)),
    );
    const rows = await this.store.listOrders({ ...query, offset: cursor.offset, limit: pageSize + 1 });
    const page = rows.slice(0, pageSize);
    if (cursor.reverse) page.reverse();
    const { next, prev } = pageCursors(cursor, pageSize, rows.length);
    return {
      body: ordersBody(page),
      next: next === null ? null : encodeOrderCursor(next),
      prev: prev === null ? null : encodeOrderCursor(prev),
    };
  }

  /** GET /orders/{id}: the UTF-8 bytes of `{"data": the order}`. */
  async get(accountId: number, id: number): Promise<Buffer> {
    const order = await this.store.getOrder(accountId, id);
    if (order === null) throw orderErrors.notFound();
    return orderBody(order);
  }

  /** PATCH /orders/{id}: a partial merge, checked whole again, written only over the version it read. */
  async patch(accountId: number, id: number, body: unknown): Promise<OrderReference> {
    const input = isPlainObject(body) ? { ...body } : body;
    if (isPlainObject(input))
      for (const readOnly of ['id', 'created_at', 'modified_at']) delete input[readOnly];
    const patched = validate(orderPatch, input);
    if (!patched.ok) throw validationError(patched.errors, (item) => patchPointer(item.loc));
    const patch = patched.value;
    for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
      const current = await this.store.getOrder(accountId, id);
      if (current === null) throw orderErrors.patchNotFound();
      if (patch.order_id !== undefined && patch.order_id !== current.orderId) {
        throw orderErrors.orderIdChanged(patchPointer(['order_id']), current.orderId);
      }
      // The stored document is re-read as JSON (stamps as their text) and the patch as JSON too, so the
      // merged order is validated as a request body would be.
      const stored = parseJson(current.document) as Doc;
      const merged = mergeInto(stored, parseJson(JSON.stringify(patch)) as Doc, '');
      const whole = validate(fullOrder, merged);
      if (!whole.ok) throw validationError(whole.errors, (item) => patchPointer(item.loc));
      const write = { ...toWrite(whole.value, id), expectVersion: current.version };
      const outcome = await this.store.patchOrder(accountId, id, write, this.clock.nowUs());
      if (!outcome.ok && !('busy' in outcome) && outcome.problems.some((p) => p.kind === 'stale')) continue;
      this.settle(
        outcome,
        [write],
        (_index, ...loc) => patchPointer(loc),
        () => intText(obj(obj(obj(body).order_details).integration).id, write.integrationId),
      );
      return { id, order_id: write.orderId, order_number: write.orderNumber };
    }
    throw orderErrors.stillProcessing();
  }

  async delete(accountId: number, id: number): Promise<void> {
    if (!(await this.store.deleteOrder(accountId, id))) throw orderErrors.notFound();
  }
}

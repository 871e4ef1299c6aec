import { randomUUID } from 'node:crypto';
import type { Store } from '../../storage/store.js';
import type { Clock } from '../clock.js';
import { pyRepr, pyTypeName } from '../drf/repr.js';
import { parseDate } from '../drf/time.js';
import { parseUuid } from '../drf/uuid.js';
import { Invalid, MESSAGES, charField, isPlainObject } from '../drf/fields.js';
import { errors } from '../errors.js';
import type { ShipmentSelector, ShipmentWrite } from '../types.js';
import { integrationScope } from '../cursor.js';
import { pageJson, paginate, readCursor } from '../pagination.js';
import { MAX_ORDERS_PER_REQUEST, validateOrder } from './order-schema.js';
import { shipmentJson, storedShipmentText } from './shipment-json.js';
import type { ErrorTree } from './order-schema.js';

export type UpsertResult =
  | {
      external_order_id: string;
      external_shipment_id: string | null;
      shipment_uuid: string;
      status: 'created' | 'updated';
    }
  | {
      error: { [field: string]: ErrorTree };
      external_order_id: string;
      external_shipment_id: string;
      status: 'error';
    };

const DAY_US = 86_400_000_000;
export const MISSING_KEYS = 'Missing shipment_uuid or the pair external_order_id and external_shipment_id';

/** The delete keys read as the upsert's CharFields read them: trimmed, numbers as Python prints them. */
const orderIdKey = charField();
const shipmentIdKey = charField({ allowNull: true, allowBlank: true });

/** The seed's body rules: a `shipment_uuid` that is present and not null wins over the pair. */
export function parseDeleteBody(body: unknown): ShipmentSelector {
  if (!isPlainObject(body)) throw errors.badRequest(MISSING_KEYS);
  const uuidValue = Object.hasOwn(body, 'shipment_uuid') ? body.shipment_uuid : undefined;
  if (uuidValue !== undefined && uuidValue !== null) {
    const uuid = parseUuid(uuidValue);
    if (uuid === null) throw errors.badRequest('Must be a valid UUID.');
    return { uuid };
  }
  if (!Object.hasOwn(body, 'external_order_id') || !Object.hasOwn(body, 'external_shipment_id')) {
    throw errors.badRequest(MISSING_KEYS);
  }
  const externalOrderId = orderIdKey(body.external_order_id);
  const shipmentId = shipmentIdKey(body.external_shipment_id);
  if (typeof externalOrderId !== 'string' || shipmentId instanceof Invalid)
    throw errors.badRequest(MISSING_KEYS);
  // null and "" both name the null key (docs/behaviour.md).
  return { externalOrderId, shipmentKey: typeof shipmentId === 'string' ? shipmentId : '' };
}

const indexedKeys = new Map<string, RegExp>();
/** `name[0]`, `name[1]`, …: compiled once per filter name, not per request. */
function indexedKey(name: string): RegExp {
  let pattern = indexedKeys.get(name);
  if (pattern === undefined) {
    pattern = new RegExp(`^${name}\\[(\\d+)\\]$`);
    indexedKeys.set(name, pattern);
  }
  return pattern;
}

/** Repeated, bracketed, indexed or comma-separated array filters (docs/behaviour.md). */
export function readArrayFilter(params: URLSearchParams, name: string): string[] | null {
  const plain = params.getAll(name);
  const bracketed = params.getAll(`${name}[]`);
  const indexed: [number, string][] = [];
  const indexPattern = indexedKey(name);
  for (const [key, value] of params) {
    const match = indexPattern.exec(key);
    if (match) indexed.push([Number(match[1]), value]);
  }
  indexed.sort((a, b) => a[0] - b[0]);
  // A single plain value with commas is a list; repeated plain keys are taken as they are.
  const fromPlain = plain.length === 1 ? (plain[0] as string).split(',') : plain;
  const values = [...fromPlain, ...bracketed, ...indexed.map(([, v]) => v)]
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return values.length === 0 ? null : values;
}

export class ShipmentService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly pageSize: number,
  ) {}

  async upsert(integrationId: number, body: unknown): Promise<UpsertResult[]> {
    // DRF's ListSerializer.errors: a null body is `No data provided`.
    if (body === null) throw errors.badRequest(MESSAGES.noData);
    if (!Array.isArray(body)) {
      throw errors.badRequest(`Expected a list of items but got type "${pyTypeName(body)}".`);
    }
    if (body.length > MAX_ORDERS_PER_REQUEST) {
      throw errors.badRequest(`Ensure this field has no more than ${MAX_ORDERS_PER_REQUEST} elements.`);
    }
    const results: (UpsertResult | null)[] = new Array(body.length);
    const writes: ShipmentWrite[] = [];
    const writeIndex: number[] = [];
    for (let i = 0; i < body.length; i++) {
      const outcome = validateOrder(body[i]);
      if (!outcome.ok) {
        results[i] = {
          error: outcome.error,
          external_order_id: outcome.externalOrderId ?? '',
          external_shipment_id: outcome.externalShipmentId ?? '',
          status: 'error',
        };
        continue;
      }
      const order = outcome.order;
      results[i] = null;
      writeIndex.push(i);
      writes.push({
        newUuid: randomUUID(),
        externalOrderId: order.externalOrderId,
        shipmentKey: order.shipmentKey,
        externalShipmentId: order.externalShipmentId,
        orderNumber: order.orderNumber,
        shopCreatedAtUs: order.shopCreatedAtUs,
        shopUpdatedAtUs: order.shopUpdatedAtUs,
        data: storedShipmentText(order),
      });
    }
    if (writes.length > 0) {
      const outcomes = await this.store.upsertShipments(integrationId, writes, this.clock.nowUs());
      for (let w = 0; w < writes.length; w++) {
        const write = writes[w] as ShipmentWrite;
        const outcome = outcomes[w] as { status: 'created' | 'updated'; uuid: string };
        results[writeIndex[w] as number] = {
          external_order_id: write.externalOrderId,
          external_shipment_id: write.externalShipmentId,
          shipment_uuid: outcome.uuid,
          status: outcome.status,
        };
      }
    }
    return results as UpsertResult[];
  }

  async delete(integrationId: number, body: unknown): Promise<void> {
    const selector = parseDeleteBody(body);
    if (!(await this.store.deleteShipment(integrationId, selector))) throw errors.shipmentNotFound();
  }

  /**
   * One page, newest import first, as the UTF-8 bytes of its JSON (the rows' stored texts spliced, not
   * parsed and serialized again). `linkBase` is the absolute URL of the path as called; `next`
   * and `previous` keep every other query parameter, sorted by name as DRF's `replace_query_param` does.
   */
  async list(integrationId: number, params: URLSearchParams, linkBase: string): Promise<Buffer> {
    const nowUs = this.clock.nowUs();
    const todayUs = nowUs - (nowUs % DAY_US);
    const fieldErrors: Record<string, string[]> = {};
    const day = (name: string, fallback: number): number => {
      const raw = params.get(name);
      if (raw === null || raw === '') return fallback;
      const parsed = parseDate(raw);
      if (!parsed.ok) {
        fieldErrors[name] = [parsed.message];
        return fallback;
      }
      return parsed.dayStartUs;
    };
    const fromUs = day('start_date', todayUs - 365 * DAY_US);
    const toUs = day('end_date', todayUs) + DAY_US;
    if (Object.keys(fieldErrors).length > 0) throw errors.badRequest(pyRepr(fieldErrors));

    const cursor = readCursor(params, integrationScope(integrationId));
    const orderNumber = params.get('order_number');
    const rows = await this.store.listShipments({
      integrationId,
      fromUs,
      toUs,
      externalOrderIds: readArrayFilter(params, 'external_order_ids'),
      shipmentKeys: readArrayFilter(params, 'external_shipment_ids'),
      orderNumber: orderNumber === null || orderNumber === '' ? null : orderNumber.trim(),
      after: cursor?.position ?? null,
      reverse: cursor?.reverse ?? false,
      limit: this.pageSize + 1,
    });
    return pageJson(
      paginate(rows, {
        pageSize: this.pageSize,
        cursor,
        scope: integrationScope(integrationId),
        params,
        linkBase,
        render: shipmentJson,
      }),
    );
  }
}

/**
 * A shipment's `ShipmentBlobOrder` JSON text for the list, spliced from stored text instead of parsed
 * and serialized again (measured: parse + rebuild + stringify was most of a page's cost).
 *
 * The upsert stores the answer's text, every key in `RENDER_ORDER`, except the four values that come
 * from the row itself — `created_at`, `integration`, `shipment_uuid`, `updated_at` (the first import
 * time and an update's kept uuid are not known before the write; all four are columns, the source of
 * truth). Each is left as one SLOT character and filled in from the row's columns when the row is
 * read. The text therefore depends only on the order as sent, like the plain JSON stored before; the
 * shop's own times (`shipment_created_at`/`_updated_at`) are part of that order and are written with it.
 *
 * A stored text starts with MARK. `JSON.stringify` escapes every control character inside strings and
 * writes none between tokens, so a raw U+0001 or U+0002 can only be ours (never U+0000: PostgreSQL's
 * `text` cannot hold it). Text without MARK — written before this format, or by hand — is the plain
 * JSON of the order's fields and is rendered the old way; the answer is the same bytes either way.
 */
import { formatDateTime } from '../drf/time.js';
import type { StoredShipment } from '../types.js';
import { RENDER_ORDER, SERVER_VALUES, renderShipment } from './order-schema.js';
import type { ShipmentRow, ValidOrder } from './order-schema.js';

/** Format 1: the four SLOTs below, in this order. Another layout would take another mark. */
const MARK = '\u0001';
const SLOT = '\u0002';
const SLOT_KEYS: readonly string[] = ['created_at', 'integration', 'shipment_uuid', 'updated_at'];

// `shipmentJson` fills the slots positionally: they must come in RENDER_ORDER in exactly this order.
if (RENDER_ORDER.filter((key) => SLOT_KEYS.includes(key)).join() !== SLOT_KEYS.join()) {
  throw new Error('RENDER_ORDER moved a slotted key: change MARK and shipmentJson together');
}

/** A row for order-inbox's values that do not read one (they take no argument). */
const EMPTY_ROW: ShipmentRow = {
  uuid: '',
  integrationId: 0,
  fields: {},
  shopCreatedAtUs: 0,
  shopUpdatedAtUs: 0,
  createdAtUs: 0,
  updatedAtUs: 0,
};

/**
 * Each answer key with its `"key":` text; a slot, one of order-inbox's own values (pre-rendered when it
 * takes no row), or a field.
 */
const PLAN = RENDER_ORDER.map((key) => {
  const server = Object.hasOwn(SERVER_VALUES, key) ? SERVER_VALUES[key] : undefined;
  return {
    key,
    prefix: `${JSON.stringify(key)}:`,
    slot: SLOT_KEYS.includes(key),
    server,
    constant: server !== undefined && server.length === 0 ? JSON.stringify(server(EMPTY_ROW)) : undefined,
  };
});

/**
 * The text the upsert stores for a valid order: what `JSON.stringify(renderShipment(row))` writes, with
 * the row's own values left as SLOTs. Built key by key, each value by `JSON.stringify`, so the bytes are
 * those of one call on the whole answer (measured: one call on a 40-key object built for it cost about
 * 1.6x this, the object's construction and a split of the text at stand-ins included).
 */
export function storedShipmentText(
  order: Pick<ValidOrder, 'fields' | 'shopCreatedAtUs' | 'shopUpdatedAtUs'>,
): string {
  const { fields } = order;
  const row = shopRow(order);
  let text = `${MARK}{`;
  let separator = '';
  for (const { key, prefix, slot, server, constant } of PLAN) {
    let value: string | undefined;
    if (slot) value = SLOT;
    else if (constant !== undefined) value = constant;
    else if (server !== undefined) value = JSON.stringify(server(row));
    else if (Object.hasOwn(fields, key)) value = JSON.stringify(fields[key]);
    if (value === undefined) continue; // absent, or left out as JSON.stringify leaves out undefined
    text += separator + prefix + value;
    separator = ',';
  }
  return `${text}}`;
}

/** The order's fields and shop times as a row; the row's own values are never read from it. */
function shopRow(order: Pick<ValidOrder, 'fields' | 'shopCreatedAtUs' | 'shopUpdatedAtUs'>): ShipmentRow {
  // Spelled out: spreading the order measured slower than the whole rest of the serialization.
  return {
    uuid: '',
    integrationId: 0,
    fields: order.fields,
    shopCreatedAtUs: order.shopCreatedAtUs,
    shopUpdatedAtUs: order.shopUpdatedAtUs,
    createdAtUs: 0,
    updatedAtUs: 0,
  };
}

/** One stored shipment as its answer's JSON text: exactly `JSON.stringify(renderShipment(row))`. */
export function shipmentJson(row: StoredShipment): string {
  const data = row.data;
  if (!data.startsWith(MARK)) {
    const fields = JSON.parse(data) as Record<string, unknown>;
    return JSON.stringify(renderShipment({ ...row, fields }));
  }
  const a = data.indexOf(SLOT, 1);
  const b = data.indexOf(SLOT, a + 1);
  const c = data.indexOf(SLOT, b + 1);
  const d = data.indexOf(SLOT, c + 1);
  if (a < 0 || b < 0 || c < 0 || d < 0) throw new Error(`stored shipment ${row.uuid} has a damaged text`);
  const createdAt = formatDateTime(row.createdAtUs);
  // A shipment never updated has both times equal: one formatting for both.
  const updatedAt = row.updatedAtUs === row.createdAtUs ? createdAt : formatDateTime(row.updatedAtUs);
  return (
    `${data.slice(1, a)}"${createdAt}"${data.slice(a + 1, b)}${row.integrationId}` +
    `${data.slice(b + 1, c)}${JSON.stringify(row.uuid)}${data.slice(c + 1, d)}"${updatedAt}"${data.slice(d + 1)}`
  );
}

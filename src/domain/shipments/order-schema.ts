/**
 * One item of `POST /integrations/{id}/shipments`: the reference's `ShipmentBlobOrderCreate`, validated
 * as Sendcloud's DRF serializer would, with docs/behaviour.md's relaxed required list; and the stored order
 * rendered back as `ShipmentBlobOrder`.
 *
 * Decisions where the reference is silent (DRF defaults otherwise):
 * - Blank strings: a string property with `minLength: 1` refuses `""`; one with `minLength: 0` or no
 *   `minLength` takes it (DRF schema generators emit `minLength: 1` for every non-blank CharField).
 *   `external_shipment_id` takes `""` although the reference says `minLength: 1`: docs/behaviour.md makes
 *   null and `""` one key, and the reference's own response example echoes `""`.
 * - Nullability is the schema's: `address_2: null` is `This field may not be null.`, as DRF says for a
 *   CharField without `allow_null`.
 * - Integers (`shipping_method`, `to_service_point`, `quantity`, `checkout_payload.sender_address_id`)
 *   are bounded like a Django `IntegerField` (±2^31), with DRF's `Ensure this value is less than or
 *   equal to 2147483647.`; it also keeps them exact in a JS number.
 * - Money (`total_order_value`, `parcel_items[].value`, customs cost values): `DecimalField(max_digits=28,
 *   decimal_places=2)`, 28 being Python's default precision, past which DRF's own quantize fails.
 * - Weights and dimensions: `decimal_places=3`, and "at most 10 characters" (docs/behaviour.md, the reference's
 *   `maxLength: 10`) is checked on the rendered string, so every stored value fits the published schema
 *   (`"123456.789"` passes, `"1234567"` → `"1234567.000"` does not), with DRF's CharField message.
 *   The order's `weight` also has the reference's "Cannot be smaler than 0.001" as a `min_value`.
 * - `checkout_payload.delivery_method_type` is a choice of the three values its description requires
 *   ("Needs to be either …"), so the reference example's placeholder `"string"` is refused.
 * - `to_state` has no enum in the reference: free text, `""` read as null (docs/behaviour.md).
 * - `parcel_items[].properties` values are nullable strings that may be blank; `shipping_product` has no
 *   documented properties, so `code` and `name` are DRF's default CharField (not blank).
 * - Absent optional parts: nullable → null (`order_status`, `payment_status`, `parcel_items`,
 *   `customs_details` and the nullable parts inside it); non-nullable objects and lists (`checkout_payload`,
 *   `delivery_method_data`, `properties`, the `tax_numbers` lists) are left out.
 * - `customs_details` costs: an object is the schema's `CostsObject` (`{value, currency}`, `currency` free
 *   text), anything else is read as the examples' plain decimal. A tax number with an own `tax_number` key
 *   is the examples' wrapped form (`{tax_number: {name, country, value}}`), otherwise the schema's
 *   `{name, country_code, value}`. Each is stored and answered in the form it came in (docs/behaviour.md).
 * - `selected_functionalities` is stored verbatim when it is an object or an array (its content is not
 *   documented); anything else is DRF's DictField message.
 */

import {
  charField,
  choiceField,
  dateTimeField,
  decimalField,
  dictField,
  emailField,
  Invalid,
  integerField,
  isPlainObject,
  nestedListField,
  mapField,
  MESSAGES,
  message,
  NON_FIELD_ERRORS,
  NOT_FAST,
  fastShape,
  objectField,
  SKIP,
  validateObject,
} from '../drf/fields.js';
import type { ErrorDict, Field, Shape } from '../drf/fields.js';
import { isJsonNumber, pyNumberStr } from '../drf/repr.js';
import { formatDateTime } from '../drf/time.js';
import { COUNTRY_CODES } from './country-codes.js';

export type { ErrorTree } from '../drf/fields.js';

export interface ValidOrder {
  externalOrderId: string;
  /** As sent after coercion: null, `""` or a string. */
  externalShipmentId: string | null;
  /** The match key: null and `""` are one key (docs/behaviour.md). */
  shipmentKey: string;
  orderNumber: string;
  /** The shop's `created_at`, µs since the epoch. */
  shopCreatedAtUs: number;
  /** The shop's `updated_at`, µs since the epoch (compared at µs precision). */
  shopUpdatedAtUs: number;
  /** Every `ShipmentBlobOrder` field that comes from the input, normalized, in the list example's order. */
  fields: Record<string, unknown>;
}

export type OrderValidation =
  | { ok: true; order: ValidOrder }
  | { ok: false; error: ErrorDict; externalOrderId: string | null; externalShipmentId: string | null };

/** "Batches are limited to 100 orders at once" (reference, POST /integrations/{id}/shipments). */
export const MAX_ORDERS_PER_REQUEST = 100;

const INT32 = { minValue: -2_147_483_648, maxValue: 2_147_483_647 } as const;

const money = (presence: { required?: boolean; allowNull?: boolean }): Field<string | null> =>
  decimalField({ ...presence, decimalPlaces: 2, maxDigits: 28 });
const measure = (minValue?: string): Field<string | null> =>
  decimalField({ allowNull: true, decimalPlaces: 3, maxDigits: null, maxLength: 10, minValue });
const text = charField({ allowBlank: true });
const nullableText = charField({ allowNull: true, allowBlank: true });
const requiredText = charField({ required: true });
const requiredDateTimeText = mapField(dateTimeField({ required: true }), (us) =>
  us === null ? null : formatDateTime(us),
);

// ShipmentBlobStatus: both properties required once the object is there (docs/behaviour.md: `order_status: {}`).
const STATUS: Shape = [
  ['id', requiredText],
  ['message', requiredText],
];

// ParcelItems, in the reference's property order.
const PARCEL_ITEM: Shape = [
  ['description', requiredText],
  ['hs_code', charField({ allowBlank: true, maxLength: 12 })],
  ['origin_country', choiceField(COUNTRY_CODES, { allowNull: true, blankAsNull: true })],
  ['product_id', text],
  ['properties', dictField(nullableText)],
  ['quantity', integerField({ required: true, minValue: 1, maxValue: INT32.maxValue })],
  ['sku', text],
  ['value', money({ required: true })],
  ['weight', measure()],
  ['mid_code', nullableText],
  ['material_content', nullableText],
  ['intended_use', nullableText],
];

/** `selected_functionalities`: the schema's object or the array some clients send, kept as sent. */
const functionalities: Field<unknown> = (data) => {
  if (data === undefined) return new Invalid([MESSAGES.required]);
  if (data === null) return new Invalid([MESSAGES.null]);
  if (Array.isArray(data) || isPlainObject(data)) return data;
  return new Invalid([message.notADict(data)]);
};

const SHIPPING_PRODUCT: Shape = [
  ['code', requiredText],
  ['name', requiredText],
  ['selected_functionalities', functionalities],
];

const DELIVERY_METHOD_DATA: Shape = [
  ['delivery_date', requiredDateTimeText],
  ['formatted_delivery_date', requiredText],
  ['parcel_handover_date', requiredDateTimeText],
];

const CHECKOUT_PAYLOAD: Shape = [
  ['sender_address_id', integerField({ required: true, ...INT32 })],
  ['shipping_product', objectField(SHIPPING_PRODUCT, { required: true })],
  [
    'delivery_method_type',
    choiceField(['standard_delivery', 'nominated_day_delivery', 'same_day_delivery'], { required: true }),
  ],
  ['delivery_method_data', objectField(DELIVERY_METHOD_DATA)],
];

const COSTS_OBJECT: Shape = [
  ['value', money({ allowNull: true })],
  ['currency', nullableText],
];
const plainCost = money({ allowNull: true });
/** A customs cost: the schema's `CostsObject` or the examples' plain decimal string. */
const cost: Field<unknown> = (data) =>
  isPlainObject(data) ? validateObject(COSTS_OBJECT, data) : plainCost(data);

const TAX_NUMBER: Shape = [
  ['name', nullableText],
  ['country_code', nullableText],
  ['value', nullableText],
];
const WRAPPED_TAX_NUMBER: Shape = [
  [
    'tax_number',
    objectField(
      [
        ['name', nullableText],
        ['country', nullableText],
        ['value', nullableText],
      ],
      { required: true },
    ),
  ],
];
/** A tax number: the examples' `{tax_number: {…}}` when that key is there, else the schema's form. */
const taxNumber: Field<unknown> = (data) => {
  if (data === null) return new Invalid([MESSAGES.null]);
  const wrapped = isPlainObject(data) && Object.hasOwn(data, 'tax_number');
  return validateObject(wrapped ? WRAPPED_TAX_NUMBER : TAX_NUMBER, data);
};

const TAX_NUMBERS: Shape = [
  ['sender', nestedListField(taxNumber)],
  ['receiver', nestedListField(taxNumber)],
  ['importer_of_records', nestedListField(taxNumber)],
];

const CUSTOMS_INFORMATION: Shape = [
  ['discount_granted', cost],
  ['insurance_costs', cost],
  ['freight_costs', cost],
  ['other_costs', cost],
  ['tax_numbers', objectField(TAX_NUMBERS, { allowNull: true })],
];

const CREATED_AT = 'created_at';
const UPDATED_AT = 'updated_at';

// ShipmentBlobOrderCreate in the reference's property order, which is also DRF's error order. With the
// two timestamps taken out, it is the order of the reference's list example.
const ORDER: Shape = [
  ['address', requiredText],
  ['address_2', text],
  ['city', requiredText],
  ['company_name', text],
  ['country', choiceField(COUNTRY_CODES, { required: true })],
  [CREATED_AT, dateTimeField({ required: true })],
  ['currency', choiceField(['EUR', 'USD', 'GBP'], { allowNull: true, blankAsNull: true })],
  ['customs_invoice_nr', text],
  ['customs_shipment_type', choiceField([0, 1, 2, 3, 4], { allowNull: true, blankAsNull: true })],
  ['email', emailField({ allowBlank: true })],
  ['external_order_id', requiredText],
  ['external_shipment_id', charField({ required: true, allowNull: true, allowBlank: true })],
  ['house_number', text],
  ['name', requiredText],
  ['order_number', requiredText],
  ['order_status', objectField(STATUS, { allowNull: true })],
  ['parcel_items', nestedListField(objectField(PARCEL_ITEM), { allowNull: true })],
  ['payment_status', objectField(STATUS, { allowNull: true })],
  ['postal_code', requiredText],
  ['shipping_method', integerField({ allowNull: true, ...INT32 })],
  ['shipping_method_checkout_name', charField({ allowBlank: true, maxLength: 100 })],
  ['telephone', text],
  ['to_post_number', text],
  ['to_service_point', integerField({ allowNull: true, ...INT32 })],
  ['to_state', charField({ allowNull: true, blankAsNull: true })],
  ['total_order_value', money({ allowNull: true })],
  [UPDATED_AT, dateTimeField({ required: true })],
  ['weight', measure('0.001')],
  ['checkout_payload', objectField(CHECKOUT_PAYLOAD)],
  ['width', measure()],
  ['height', measure()],
  ['length', measure()],
  ['customs_details', objectField(CUSTOMS_INFORMATION, { allowNull: true })],
];

/**
 * An external id echoed in an error result: the value as sent when it is a string (untrimmed, as
 * Sendcloud echoes its input) or a number (as Python prints it), `""` otherwise — the reference's
 * response example answers `""` for a null `external_shipment_id`, and ShipmentErrorLog types both as
 * strings.
 */
function echoId(data: Record<string, unknown>, key: string): string {
  const value = Object.hasOwn(data, key) ? data[key] : undefined;
  if (typeof value === 'string') return value;
  if (isJsonNumber(value)) return pyNumberStr(value);
  return '';
}

/** The order's shape run fast (fields.ts, "The fast path"); the two timestamps handed back apart. */
const fastOrderShape = fastShape(ORDER, [CREATED_AT, UPDATED_AT]);

/**
 * The fast path alone: the valid order, or NOT_FAST when any field is invalid (then only the exact
 * pipeline, `validateOrderExactly`, says why). Exported for the test that holds it to the exact one.
 */
export function validateOrderFast(input: unknown): ValidOrder | typeof NOT_FAST {
  if (!isPlainObject(input)) return NOT_FAST;
  const times: unknown[] = [0, 0];
  const fields = fastOrderShape(input, times);
  return fields === NOT_FAST ? NOT_FAST : validOrder(fields, times[0] as number, times[1] as number);
}

function validOrder(fields: Record<string, unknown>, createdUs: number, updatedUs: number): ValidOrder {
  const externalShipmentId = fields.external_shipment_id as string | null;
  return {
    externalOrderId: fields.external_order_id as string,
    externalShipmentId,
    shipmentKey: externalShipmentId ?? '',
    orderNumber: fields.order_number as string,
    shopCreatedAtUs: createdUs,
    shopUpdatedAtUs: updatedUs,
    fields,
  };
}

/**
 * One order as DRF validates it: a valid order through the fast path; an order the fast path gives up
 * on through the exact pipeline, which alone builds error messages.
 */
export function validateOrder(input: unknown): OrderValidation {
  const fast = validateOrderFast(input);
  return fast === NOT_FAST ? validateOrderExactly(input) : { ok: true, order: fast };
}

/** The exact DRF pipeline, field by field, with every error. */
export function validateOrderExactly(input: unknown): OrderValidation {
  if (!isPlainObject(input)) {
    return {
      ok: false,
      // DRF's Serializer.errors says `No data provided` for a null item, not `This field may not be null.`
      error: { [NON_FIELD_ERRORS]: [input === null ? MESSAGES.noData : message.notAnObject(input)] },
      externalOrderId: '',
      externalShipmentId: '',
    };
  }
  const fields: Record<string, unknown> = {};
  let errors: ErrorDict | null = null;
  let createdUs = 0;
  let updatedUs = 0;
  for (const [name, field] of ORDER) {
    const outcome = field(Object.hasOwn(input, name) ? input[name] : undefined);
    if (outcome === SKIP) continue;
    if (outcome instanceof Invalid) (errors ??= {})[name] = outcome.errors;
    else if (name === CREATED_AT) createdUs = outcome as number;
    else if (name === UPDATED_AT) updatedUs = outcome as number;
    else fields[name] = outcome;
  }
  if (errors !== null) {
    return {
      ok: false,
      error: errors,
      externalOrderId: echoId(input, 'external_order_id'),
      externalShipmentId: echoId(input, 'external_shipment_id'),
    };
  }
  return { ok: true, order: validOrder(fields, createdUs, updatedUs) };
}

export interface ShipmentRow {
  uuid: string;
  integrationId: number;
  fields: Record<string, unknown>;
  shopCreatedAtUs: number;
  shopUpdatedAtUs: number;
  createdAtUs: number;
  updatedAtUs: number;
}

// `ShipmentBlobOrder` keys in the order of the reference's list example (GET …/shipments); the ones in
// SERVER_KEYS are order-inbox's own, the others come from the stored fields.
export const RENDER_ORDER = [
  'address',
  'address_2',
  'allowed_shipping_methods',
  'barcode',
  'city',
  'company_name',
  'country',
  'created_at',
  'currency',
  'customs_invoice_nr',
  'customs_shipment_type',
  'email',
  'external_order_id',
  'external_shipment_id',
  'house_number',
  'integration',
  'name',
  'order_number',
  'order_status',
  'parcel_items',
  'payment_status',
  'postal_code',
  'sender_address',
  'shipment_uuid',
  'shipping_method',
  'shipping_method_checkout_name',
  'telephone',
  'to_post_number',
  'to_service_point',
  'to_state',
  'total_order_value',
  'updated_at',
  'weight',
  'checkout_payload',
  'width',
  'height',
  'length',
  'customs_details',
  'shipment_created_at',
  'shipment_updated_at',
] as const;

/**
 * order-inbox's own keys of `ShipmentBlobOrder` (those of RENDER_ORDER that are not the order's
 * fields) and where each value comes from.
 */
export const SERVER_VALUES: Readonly<Record<string, (row: ShipmentRow) => unknown>> = {
  // Read-only fields with nothing behind them here (docs/behaviour.md "List").
  allowed_shipping_methods: () => [],
  barcode: () => null,
  sender_address: () => null,
  created_at: (row) => formatDateTime(row.createdAtUs),
  updated_at: (row) => formatDateTime(row.updatedAtUs),
  integration: (row) => row.integrationId,
  shipment_uuid: (row) => row.uuid,
  shipment_created_at: (row) => formatDateTime(row.shopCreatedAtUs),
  shipment_updated_at: (row) => formatDateTime(row.shopUpdatedAtUs),
};

/** The full `ShipmentBlobOrder` wire object of a stored shipment. */
export function renderShipment(row: ShipmentRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const { fields } = row;
  for (const key of RENDER_ORDER) {
    const server = SERVER_VALUES[key];
    if (server !== undefined) out[key] = server(row);
    else if (Object.hasOwn(fields, key)) out[key] = fields[key];
  }
  return out;
}

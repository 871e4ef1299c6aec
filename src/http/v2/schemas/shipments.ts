import { RENDER_ORDER } from '../../../domain/shipments/order-schema.js';
/**
 * Shipments (docs/behaviour.md), from the reference's `ShipmentBlobOrder`,
 * `ShipmentBlobOrderCreate`, `ShipmentCreateUpdateLog` and `ShipmentErrorLog`.
 *
 * Response schemas describe what `renderShipment` and the upsert send, not the reference's wishes:
 * - every key is always present except `checkout_payload` (left out when the shop did not send one) and
 *   `parcel_items[].properties` / the `tax_numbers` lists (left out likewise);
 * - decimals are strings with fixed places, times DRF's UTC form, absent optional values null;
 * - free-form parts (`selected_functionalities`, `properties`, the error tree of a failed item) allow any
 *   property, so a serializer built from these schemas never drops what a shop sent;
 * - `customs_details` costs and tax numbers come in the schema's form or the reference examples' form
 *   (docs/behaviour.md: both are accepted and answered as stored), hence `anyOf`.
 */
import type { FastifySchema } from 'fastify';
import { COUNTRY_CODES } from '../../../domain/shipments/country-codes.js';
import {
  CURSOR_PARAMETER,
  ERROR_RESPONSES,
  NO_CONTENT,
  SECURITY,
  cursorPage,
  errorResponses,
  idParams,
  ref,
} from './common.js';
import type { JsonSchema } from './common.js';

const TAGS = ['Shipments'];
const ID = idParams('The id of the integration to which the shipments belong');

const nullable = (schema: JsonSchema): JsonSchema => ({
  ...schema,
  type: [schema.type as string, 'null'],
});
const text = (description: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'string',
  description,
  ...extra,
});
const dateTime = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });
/** Weights and dimensions: three places, at most 10 characters (docs/behaviour.md). */
const measure = (description: string): JsonSchema => ({
  type: ['string', 'null'],
  pattern: '^-?[0-9]+\\.[0-9]{3}$',
  maxLength: 10,
  description,
});
/** Money: two places (docs/behaviour.md). */
const money = (description: string): JsonSchema => ({
  type: 'string',
  pattern: '^-?[0-9]+\\.[0-9]{2}$',
  description,
});
const anyObject = (description: string): JsonSchema => ({
  type: 'object',
  additionalProperties: true,
  description,
});

export const CountryCode: JsonSchema = {
  $id: 'CountryCode',
  type: 'string',
  enum: [...COUNTRY_CODES],
  description: "ISO 3166-1 alpha-2 code (with Sendcloud's `IC` and `XK`)",
};

export const ShipmentBlobStatus: JsonSchema = {
  $id: 'ShipmentBlobStatus',
  type: ['object', 'null'],
  title: 'Shop status',
  properties: {
    id: text('Custom internal shop status', { minLength: 1 }),
    message: text('Human readable status', { minLength: 1 }),
  },
  required: ['id', 'message'],
  additionalProperties: false,
};

export const ParcelItem: JsonSchema = {
  $id: 'ParcelItem',
  type: 'object',
  title: 'Parcel item',
  properties: {
    description: text('Description of the product', { minLength: 1 }),
    hs_code: text('Harmonized System code', { maxLength: 12 }),
    origin_country: {
      type: ['string', 'null'],
      enum: [...COUNTRY_CODES, null],
      description: 'Country where the product was made (ISO 3166-1 alpha-2); `""` on input reads as null',
    },
    product_id: text('Internal ID of the product'),
    properties: {
      type: 'object',
      additionalProperties: { type: ['string', 'null'] },
      description: 'Any additional properties of the product, e.g. `colour: Black`',
    },
    quantity: { type: 'integer', minimum: 1, description: 'Number of units' },
    sku: text('Stock keeping unit'),
    value: money('Price of one item'),
    weight: measure('Weight of one item'),
    mid_code: nullable(text("Manufacturer's identification code")),
    material_content: nullable(text('Materials of the item')),
    intended_use: nullable(text('Personal or commercial use')),
  },
  required: [
    'description',
    'hs_code',
    'origin_country',
    'product_id',
    'quantity',
    'sku',
    'value',
    'weight',
    'mid_code',
    'material_content',
    'intended_use',
  ],
  additionalProperties: false,
};

export const CheckoutPayload: JsonSchema = {
  $id: 'CheckoutPayload',
  type: 'object',
  title: 'Checkout payload',
  properties: {
    sender_address_id: { type: 'integer', description: 'The sender address of the order' },
    shipping_product: {
      type: 'object',
      description: 'The shipping product chosen in the checkout, with its functionalities',
      properties: {
        code: text('Shipping product code', { minLength: 1 }),
        name: text('Shipping product name', { minLength: 1 }),
        selected_functionalities: {
          description: 'Stored as sent: an object, or the array some clients send',
          anyOf: [{ type: 'object', additionalProperties: true }, { type: 'array' }],
        },
      },
      required: ['code', 'name', 'selected_functionalities'],
      additionalProperties: false,
    },
    delivery_method_type: {
      type: 'string',
      enum: ['standard_delivery', 'nominated_day_delivery', 'same_day_delivery'],
    },
    delivery_method_data: {
      type: 'object',
      properties: {
        delivery_date: dateTime('The delivery date required by the end-consumer'),
        formatted_delivery_date: text('Delivery date as shown to the end-consumer', { minLength: 1 }),
        parcel_handover_date: dateTime('When the parcel must be handed over to the carrier'),
      },
      required: ['delivery_date', 'formatted_delivery_date', 'parcel_handover_date'],
      additionalProperties: false,
    },
  },
  required: ['sender_address_id', 'shipping_product', 'delivery_method_type'],
  additionalProperties: false,
};

/** A customs cost: the schema's `CostsObject`, or the examples' plain decimal string, or null. */
const COST: JsonSchema = {
  anyOf: [
    {
      type: 'object',
      title: 'CostsObject',
      properties: { value: nullable(money('Amount')), currency: nullable(text('Currency')) },
      required: ['value', 'currency'],
      additionalProperties: false,
    },
    money("Amount (the reference examples' form)"),
    { type: 'null' },
  ],
};

/** A tax number: the schema's `{name, country_code, value}` or the examples' `{tax_number: {…}}`. */
const TAX_NUMBER: JsonSchema = {
  anyOf: [
    {
      type: 'object',
      title: 'TaxNumber',
      properties: {
        name: nullable(text('Tax ID name')),
        country_code: nullable(text('Country code')),
        value: nullable(text('Tax ID')),
      },
      required: ['name', 'country_code', 'value'],
      additionalProperties: false,
    },
    {
      type: 'object',
      title: 'Wrapped tax number',
      properties: {
        tax_number: {
          type: 'object',
          properties: {
            name: nullable(text('Tax ID name')),
            country: nullable(text('Country code')),
            value: nullable(text('Tax ID')),
          },
          required: ['name', 'country', 'value'],
          additionalProperties: false,
        },
      },
      required: ['tax_number'],
      additionalProperties: false,
    },
  ],
};

const taxNumberList = (description: string): JsonSchema => ({
  type: 'array',
  items: TAX_NUMBER,
  description,
});

export const CustomsInformation: JsonSchema = {
  $id: 'CustomsInformation',
  type: ['object', 'null'],
  title: 'Customs information',
  properties: {
    discount_granted: { description: 'Discount granted on the total order', ...COST },
    insurance_costs: { description: 'Amount the order is insured for', ...COST },
    freight_costs: { description: 'Shipping cost of the order', ...COST },
    other_costs: { description: 'Any other costs (e.g. wrapping)', ...COST },
    tax_numbers: {
      type: ['object', 'null'],
      properties: {
        sender: taxNumberList("Sender's tax information"),
        receiver: taxNumberList("Receiver's tax information"),
        importer_of_records: taxNumberList("Importer of records' tax information"),
      },
      additionalProperties: false,
    },
  },
  required: ['discount_granted', 'insurance_costs', 'freight_costs', 'other_costs', 'tax_numbers'],
  additionalProperties: false,
};

/** The order fields a shop sends, shared by the request and the answer (reference property order). */
const ORDER_FIELDS: Record<string, JsonSchema> = {
  address: text('Street', { minLength: 1 }),
  address_2: text('Second address line'),
  city: text('City', { minLength: 1 }),
  company_name: text('Company name'),
  country: ref('CountryCode'),
  currency: { type: ['string', 'null'], enum: ['EUR', 'USD', 'GBP', null], description: 'ISO 4217 code' },
  customs_invoice_nr: text('Your own commercial invoice number'),
  customs_shipment_type: {
    type: ['integer', 'null'],
    enum: [0, 1, 2, 3, 4, null],
    description:
      'For customs: `0` gift, `1` documents, `2` commercial goods, `3` commercial sample, `4` returned goods',
  },
  email: text('Customer email address (or blank)'),
  external_order_id: text('Order ID in the shop system', { minLength: 1 }),
  external_shipment_id: {
    type: ['string', 'null'],
    description: 'Shipment ID in the shop system; null and `""` are the same key',
  },
  house_number: text('House number'),
  name: text('Recipient name', { minLength: 1 }),
  order_number: text('Order number', { minLength: 1 }),
  order_status: ref('ShipmentBlobStatus'),
  parcel_items: { type: ['array', 'null'], items: ref('ParcelItem'), description: 'Items in the parcel' },
  payment_status: ref('ShipmentBlobStatus'),
  postal_code: text('Postal code', { minLength: 1 }),
  shipping_method: { type: ['integer', 'null'], description: 'Shipping method id' },
  shipping_method_checkout_name: text('Shipping method name shown in the checkout', { maxLength: 100 }),
  telephone: text('Telephone'),
  to_post_number: text('Post number'),
  to_service_point: { type: ['integer', 'null'], description: 'Service point id' },
  to_state: { type: ['string', 'null'], description: 'State or province; `""` on input reads as null' },
  total_order_value: nullable(money('Total price of the order')),
  weight: measure('Total weight of the order, at least 0.001'),
  checkout_payload: ref('CheckoutPayload'),
  width: measure('Volumetric width'),
  height: measure('Volumetric height'),
  length: measure('Volumetric length'),
  customs_details: ref('CustomsInformation'),
};

/** `ShipmentBlobOrder` keys in `renderShipment`'s order (the reference's list example). */
const ORDER_KEYS = RENDER_ORDER;

const SERVER_FIELDS: Record<string, JsonSchema> = {
  allowed_shipping_methods: {
    type: 'array',
    items: { type: 'integer' },
    description: 'Always empty here (no shipping methods behind it)',
  },
  barcode: { type: ['string', 'null'], description: 'Always null here (no labels)' },
  created_at: dateTime('When order-inbox first imported the shipment'),
  integration: { type: 'integer', description: 'The integration id' },
  sender_address: { type: ['integer', 'null'], description: 'Always null here' },
  shipment_uuid: { type: 'string', format: 'uuid', description: "order-inbox's id of the shipment" },
  updated_at: dateTime('When order-inbox last changed the shipment'),
  shipment_created_at: dateTime("The shop's `created_at`"),
  shipment_updated_at: dateTime("The shop's `updated_at`"),
};

export const ShipmentBlobOrder: JsonSchema = {
  $id: 'ShipmentBlobOrder',
  type: 'object',
  title: 'Shipment',
  properties: Object.fromEntries(
    ORDER_KEYS.map((k) => [k, (SERVER_FIELDS[k] ?? ORDER_FIELDS[k]) as JsonSchema]),
  ),
  required: ORDER_KEYS.filter((k) => k !== 'checkout_payload'),
  additionalProperties: false,
};

/** `ShipmentBlobOrderCreate` keys in the reference's order (also DRF's error order). */
const CREATE_KEYS = [
  ...Object.keys(ORDER_FIELDS).slice(0, 5),
  'created_at',
  ...Object.keys(ORDER_FIELDS).slice(5, 25),
  'updated_at',
  ...Object.keys(ORDER_FIELDS).slice(25),
];

const CREATE_TIMES: Record<string, JsonSchema> = {
  created_at: dateTime('When the order was created in the shop (answered as `shipment_created_at`)'),
  updated_at: dateTime(
    'When the order was last updated in the shop (answered as `shipment_updated_at`); a changed value replaces the stored order',
  ),
};

/**
 * One order to upsert. Only docs/behaviour.md's relaxed list is required; unknown fields are ignored, and
 * DRF's coercions apply (numbers for strings, numeric strings for integers and decimals).
 */
export const ShipmentBlobOrderCreate: JsonSchema = {
  $id: 'ShipmentBlobOrderCreate',
  type: 'object',
  title: 'Shipment to create or update',
  properties: Object.fromEntries(
    CREATE_KEYS.map((k) => [k, (CREATE_TIMES[k] ?? ORDER_FIELDS[k]) as JsonSchema]),
  ),
  required: [
    'external_order_id',
    'external_shipment_id',
    'name',
    'address',
    'city',
    'postal_code',
    'country',
    'order_number',
    'created_at',
    'updated_at',
  ],
};

export const ShipmentCreateUpdateLog: JsonSchema = {
  $id: 'ShipmentCreateUpdateLog',
  type: 'object',
  title: 'Shipment created or updated',
  properties: {
    external_order_id: { type: 'string' },
    external_shipment_id: { type: ['string', 'null'] },
    shipment_uuid: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['created', 'updated'] },
  },
  required: ['external_order_id', 'external_shipment_id', 'shipment_uuid', 'status'],
  additionalProperties: false,
};

export const ShipmentErrorLog: JsonSchema = {
  $id: 'ShipmentErrorLog',
  type: 'object',
  title: 'Shipment refused',
  properties: {
    error: anyObject(
      'Field errors nested like the payload; lists of objects give a list aligned with the input',
    ),
    external_order_id: { type: 'string', description: 'As sent, `""` when absent or not text' },
    external_shipment_id: { type: 'string', description: 'As sent, `""` when absent, null or not text' },
    status: { type: 'string', enum: ['error'] },
  },
  required: ['error', 'external_order_id', 'external_shipment_id', 'status'],
  additionalProperties: false,
};

/**
 * The documentation page's request examples: requests this server accepts as they are (a test sends
 * each one). The delete example names the shipment the upsert example creates.
 */
export const UPSERT_EXAMPLE = [
  {
    external_order_id: '1001',
    external_shipment_id: null,
    name: 'John Doe',
    company_name: '',
    address: 'Stadhuisplein 10',
    house_number: '10',
    city: 'Eindhoven',
    postal_code: '5611 EM',
    country: 'NL',
    email: 'john.doe@example.com',
    telephone: '+31612345678',
    order_number: 'ORDER-1001',
    order_status: { id: 'paid', message: 'Paid' },
    payment_status: { id: 'paid', message: 'Paid' },
    currency: 'EUR',
    total_order_value: '24.99',
    weight: '0.500',
    parcel_items: [
      {
        description: 'T-shirt',
        quantity: 1,
        sku: 'TS-001',
        value: '24.99',
        weight: '0.300',
        hs_code: '610910',
        origin_country: 'NL',
      },
    ],
    created_at: '2024-03-01T10:00:00Z',
    updated_at: '2024-03-01T10:00:00Z',
  },
];
export const DELETE_EXAMPLE = { external_order_id: '1001', external_shipment_id: null };

const arrayQuery = (description: string): JsonSchema => ({
  type: 'array',
  items: { type: 'string' },
  description: `${description} Also as \`k[]=a\`, \`k[0]=a\` or one comma-separated value.`,
});

export const shipmentSchemas = {
  list_shipments: {
    tags: TAGS,
    summary: 'Retrieve a list of shipments',
    description:
      'Orders imported into the integration, newest import first, one page at a time; follow `next` and `previous`.',
    operationId: 'sc-public-v2-orders-get-retrieve_a_list_of_shipments',
    security: SECURITY,
    params: ID,
    querystring: {
      type: 'object',
      properties: {
        cursor: CURSOR_PARAMETER,
        start_date: {
          type: 'string',
          format: 'date',
          description: 'First day (UTC, inclusive) of import; defaults to 365 days ago',
        },
        end_date: {
          type: 'string',
          format: 'date',
          description: 'Last day (UTC, inclusive) of import; defaults to today',
        },
        external_order_ids: arrayQuery('Only these `external_order_id`s.'),
        external_shipment_ids: arrayQuery('Only these `external_shipment_id`s.'),
        shipping_rules: { type: 'boolean', description: 'Accepted; changes nothing here' },
        order_number: { type: 'string', description: 'Only this `order_number`' },
        sender_address: { type: 'integer', description: 'Accepted; changes nothing here' },
      },
    },
    response: {
      200: cursorPage('ShipmentBlobOrder', 'OK'),
      ...errorResponses(400),
      404: {
        ...ERROR_RESPONSES[404],
        description:
          'Not Found: unknown integration (`No Integration matches the given query.`) or a bad cursor (`Invalid cursor`)',
      },
    },
  },
  upsert_shipments: {
    tags: TAGS,
    summary: 'Create or update a list of shipments',
    description:
      'Upserts up to 100 orders, matched on (`external_order_id`, `external_shipment_id`); one result per item, in request order. Partners only.',
    operationId: 'sc-public-v2-orders-post-create_a_list_of_shipments',
    security: SECURITY,
    params: ID,
    body: {
      type: 'array',
      maxItems: 100,
      items: ref('ShipmentBlobOrderCreate'),
      examples: [UPSERT_EXAMPLE],
    },
    response: {
      200: {
        description: "One result per input item: created or updated, or the item's errors",
        type: 'array',
        items: { anyOf: [ref('ShipmentCreateUpdateLog'), ref('ShipmentErrorLog')] },
      },
      ...errorResponses(400, 403, 413, 415),
    },
  },
  delete_shipment: {
    tags: TAGS,
    summary: 'Delete a shipment',
    description:
      'Deletes one shipment by `shipment_uuid`, or by the pair `external_order_id` and `external_shipment_id`; a non-null `shipment_uuid` wins.',
    operationId: 'sc-public-v2-orders-post-delete_a_shipment',
    security: SECURITY,
    params: ID,
    body: {
      type: 'object',
      description:
        'Either `shipment_uuid`, or `external_order_id` with `external_shipment_id` (null or `""` name the shipment without one).',
      properties: {
        shipment_uuid: { type: ['string', 'null'], format: 'uuid' },
        external_order_id: { type: 'string' },
        external_shipment_id: { type: ['string', 'null'] },
      },
      examples: [DELETE_EXAMPLE],
    },
    response: {
      204: NO_CONTENT,
      ...errorResponses(400, 413, 415),
      404: {
        ...ERROR_RESPONSES[404],
        description:
          'Not Found: unknown integration (`No Integration matches the given query.`) or shipment (`No ShipmentBlob matches the given query.`)',
      },
    },
  },
} satisfies Record<string, FastifySchema>;

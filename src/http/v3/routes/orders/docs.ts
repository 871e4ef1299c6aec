import { idParameter, ref } from '../../schemas.js';

/** The OpenAPI parts the order operations share (the reference's shapes, summarized). */
const price = {
  type: 'object',
  properties: { value: { type: 'number' }, currency: { enum: ['EUR', 'GBP', 'USD'] } },
};

export const orderSchema = {
  type: 'object',
  description:
    "Sendcloud's `orders-order`: `id` (a string), `order_id`, `order_number`, `created_at`, `modified_at`, and the nodes below; a member without a value is left out, never null.",
  required: ['order_id', 'order_number', 'order_details', 'payment_details'],
  properties: {
    id: { type: 'string', readOnly: true },
    order_id: { type: 'string', minLength: 1 },
    order_number: { type: 'string', minLength: 1 },
    created_at: { type: 'string', format: 'date-time', readOnly: true },
    modified_at: { type: 'string', format: 'date-time', readOnly: true },
    order_details: {
      type: 'object',
      required: ['integration', 'status', 'order_created_at', 'order_items'],
      properties: {
        integration: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
        status: {
          type: 'object',
          required: ['code'],
          properties: { code: { type: 'string' }, message: { type: 'string' } },
        },
        order_created_at: { type: 'string', format: 'date-time' },
        order_updated_at: { type: 'string', format: 'date-time' },
        order_items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'quantity', 'total_price'],
            properties: {
              name: { type: 'string' },
              quantity: { type: 'integer', exclusiveMinimum: 0 },
              total_price: price,
            },
          },
        },
        notes: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
      },
    },
    payment_details: {
      type: 'object',
      required: ['total_price', 'status'],
      properties: {
        total_price: price,
        status: { type: 'object', properties: { code: { type: 'string' } } },
      },
    },
    customs_details: { type: 'object' },
    customer_details: { type: 'object' },
    billing_address: { type: 'object' },
    shipping_address: { type: 'object' },
    shipping_details: { type: 'object' },
    service_point_details: { type: 'object' },
  },
} as const;

export const orderReference = {
  type: 'object',
  properties: { id: { type: 'integer' }, order_id: { type: 'string' }, order_number: { type: 'string' } },
} as const;

export const errorsResponse = (description: string) => ({ description, schema: ref('Errors') });

export const orderIdParameter = idParameter;

export const notFound = errorsResponse(
  "No such order of the caller's account (another account's answers the same).",
);

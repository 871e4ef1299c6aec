import type { AppDeps } from '../../../deps.js';
import type { V3Route } from '../../plugin.js';
import { errorsResponse, notFound, orderIdParameter, orderReference, orderSchema } from './docs.js';

/** PATCH /orders/{id} — a partial update; order items matched by `name`; `order_id` immutable. */
export const updateOrder = (deps: AppDeps): V3Route => ({
  method: 'PATCH',
  url: '/orders/:id',
  operation: 'v3_update_order',
  auth: 'basic_or_oauth',
  docs: {
    summary: 'Update an order',
    tags: ['Orders'],
    parameters: [orderIdParameter],
    requestBody: { content: { 'application/json': { schema: { ...orderSchema, required: [] } } } },
    responses: {
      200: {
        description: 'The order updated.',
        schema: { type: 'object', properties: { data: orderReference } },
      },
      400: errorsResponse('A validation error, an item name the order has not, or a changed `order_id`.'),
      404: notFound,
    },
  },
  handler: async (request) => ({
    data: await deps.orders.patch(
      request.principal!.accountId,
      Number((request.params as { id: string }).id),
      request.body,
    ),
  }),
});

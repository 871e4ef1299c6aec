import type { AppDeps } from '../../../deps.js';
import type { V3Route } from '../../plugin.js';
import { notFound, orderIdParameter, orderSchema } from './docs.js';

/** GET /orders/{id} */
export const getOrder = (deps: AppDeps): V3Route => ({
  method: 'GET',
  url: '/orders/:id',
  operation: 'v3_get_order',
  auth: 'basic_or_oauth',
  docs: {
    summary: 'Retrieve an order',
    tags: ['Orders'],
    parameters: [orderIdParameter],
    responses: {
      200: { description: 'The order.', schema: { type: 'object', properties: { data: orderSchema } } },
      404: notFound,
    },
  },
  // The bytes of the answer's JSON, sent as they are (as the list's, `list-orders.ts`).
  handler: async (request, reply) => {
    const body = await deps.orders.get(
      request.principal!.accountId,
      Number((request.params as { id: string }).id),
    );
    reply.type('application/json; charset=utf-8');
    return body;
  },
});

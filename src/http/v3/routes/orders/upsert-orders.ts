import type { AppDeps } from '../../../deps.js';
import type { V3Route } from '../../plugin.js';
import { errorsResponse, orderReference, orderSchema } from './docs.js';

/** POST /orders — create/update up to 100 orders in one all-or-nothing batch; 201 in request order. */
export const upsertOrders = (deps: AppDeps): V3Route => ({
  method: 'POST',
  url: '/orders',
  operation: 'v3_upsert_orders',
  auth: 'basic_or_oauth',
  partnerIdHeader: true,
  docs: {
    summary: 'Create/Update orders in batch',
    tags: ['Orders'],
    requestBody: {
      content: {
        'application/json': {
          schema: {
            type: 'array',
            maxItems: 100,
            items: { allOf: [orderSchema, { properties: { id: { type: 'string' } } }] },
          },
        },
      },
    },
    responses: {
      201: {
        description: 'The orders, in request order.',
        schema: { type: 'object', properties: { data: { type: 'array', items: orderReference } } },
      },
      400: errorsResponse(
        'A validation error, an unknown integration, or another request still writing one of the orders; nothing was written.',
      ),
    },
  },
  handler: async (request, reply) => {
    const data = await deps.orders.upsertBatch(request.principal!.accountId, request.body);
    return reply.code(201).send({ data });
  },
});

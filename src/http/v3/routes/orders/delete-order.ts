import type { AppDeps } from '../../../deps.js';
import type { V3Route } from '../../plugin.js';
import { notFound, orderIdParameter } from './docs.js';

/** DELETE /orders/{id} — 204. */
export const deleteOrder = (deps: AppDeps): V3Route => ({
  method: 'DELETE',
  url: '/orders/:id',
  operation: 'v3_delete_order',
  auth: 'basic_or_oauth',
  docs: {
    summary: 'Delete an order',
    tags: ['Orders'],
    parameters: [orderIdParameter],
    responses: { 204: { description: 'Deleted.' }, 404: notFound },
  },
  handler: async (request, reply) => {
    await deps.orders.delete(request.principal!.accountId, Number((request.params as { id: string }).id));
    return reply.code(204).send();
  },
});

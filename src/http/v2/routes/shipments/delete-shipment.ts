import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../../deps.js';
import { routeSchemas } from '../../schemas/index.js';

/** POST /integrations/{id}/shipments/delete — the seed; 204 only once the delete is durable. */
export const deleteShipment = (deps: AppDeps): ApiRoute => ({
  method: 'POST',
  url: '/integrations/:id/shipments/delete',
  operation: 'delete_shipment',
  schema: routeSchemas.delete_shipment,
  integration: true,
  handler: async (request, reply) => {
    await deps.shipments.delete(request.integration!.id, request.body);
    return reply.code(204).send();
  },
});

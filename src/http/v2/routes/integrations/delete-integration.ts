import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../../deps.js';
import { routeSchemas } from '../../schemas/index.js';

/** DELETE /integrations/{id} — 204; its shipments and logs go with it. */
export const deleteIntegration = (deps: AppDeps): ApiRoute => ({
  method: 'DELETE',
  url: '/integrations/:id',
  operation: 'delete_integration',
  integration: true,
  schema: routeSchemas.delete_integration,
  handler: async (request, reply) => {
    await deps.integrations.delete(request.integration!);
    return reply.code(204).send();
  },
});

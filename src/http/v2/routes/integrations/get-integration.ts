import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../../deps.js';
import { routeSchemas } from '../../schemas/index.js';

/** GET /integrations/{id} */
export const getIntegration = (deps: AppDeps): ApiRoute => ({
  method: 'GET',
  url: '/integrations/:id',
  operation: 'get_integration',
  integration: true,
  schema: routeSchemas.get_integration,
  handler: async (request) => deps.integrations.get(request.integration!),
});

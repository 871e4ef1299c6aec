import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../../deps.js';
import { routeSchemas } from '../../schemas/index.js';

/** PUT and PATCH /integrations/{id}: both take any subset of IntegrationUpdate (docs/behaviour.md). */
export const updateIntegration = (deps: AppDeps, method: 'PUT' | 'PATCH'): ApiRoute => ({
  method,
  url: '/integrations/:id',
  operation: method === 'PUT' ? 'update_integration' : 'partial_update_integration',
  integration: true,
  schema: method === 'PUT' ? routeSchemas.update_integration : routeSchemas.partial_update_integration,
  handler: async (request) => deps.integrations.update(request.integration!, request.body),
});

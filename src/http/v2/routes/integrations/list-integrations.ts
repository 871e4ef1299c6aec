import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../../deps.js';
import { rawQuery } from '../../../request-path.js';
import { routeSchemas } from '../../schemas/index.js';

/** GET /integrations — a bare array, ordered by `ordering` (docs/behaviour.md). */
export const listIntegrations = (deps: AppDeps): ApiRoute => ({
  method: 'GET',
  url: '/integrations',
  operation: 'list_integrations',
  schema: routeSchemas.list_integrations,
  handler: async (request) =>
    deps.integrations.list(
      request.principal!.accountId,
      new URLSearchParams(rawQuery(request)).get('ordering'),
    ),
});

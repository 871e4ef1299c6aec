import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../../deps.js';
import { linkBase } from '../../../links.js';
import { rawQuery } from '../../../request-path.js';
import { routeSchemas } from '../../schemas/index.js';

/** GET /integrations/logs — the whole account's exception logs, paginated like shipments. */
export const listAllLogs = (deps: AppDeps): ApiRoute => ({
  method: 'GET',
  url: '/integrations/logs',
  operation: 'list_all_logs',
  schema: routeSchemas.list_all_logs,
  handler: async (request) =>
    deps.logs.list(
      request.principal!.accountId,
      null,
      new URLSearchParams(rawQuery(request)),
      linkBase(request, deps.config.publicBaseUrl),
    ),
});

/** GET /integrations/{id}/logs — one integration's exception logs. */
export const listLogs = (deps: AppDeps): ApiRoute => ({
  method: 'GET',
  url: '/integrations/:id/logs',
  operation: 'list_logs',
  integration: true,
  schema: routeSchemas.list_logs,
  handler: async (request) =>
    deps.logs.list(
      request.principal!.accountId,
      request.integration!,
      new URLSearchParams(rawQuery(request)),
      linkBase(request, deps.config.publicBaseUrl),
    ),
});

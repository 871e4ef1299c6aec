import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../deps.js';
import { routeSchemas } from '../../schemas/index.js';
import { linkBase } from '../../links.js';
import { rawQuery } from '../../request-path.js';

/** GET /integrations/{id}/shipments — cursor-paginated, newest import first (CONTRACT §3). */
export const listShipments = (deps: AppDeps): ApiRoute => ({
  method: 'GET',
  url: '/integrations/:id/shipments',
  operation: 'list_shipments',
  schema: routeSchemas.list_shipments,
  integration: true,
  handler: async (request) =>
    deps.shipments.list(
      request.integration!.id,
      new URLSearchParams(rawQuery(request)),
      linkBase(request, deps.config.publicBaseUrl),
    ),
});

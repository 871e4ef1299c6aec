import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../../deps.js';
import { routeSchemas } from '../../schemas/index.js';
import { linkBase } from '../../../links.js';
import { rawQuery } from '../../../request-path.js';

/**
 * GET /integrations/{id}/shipments — cursor-paginated, newest import first (docs/behaviour.md). The page
 * comes as the bytes of its JSON, which Fastify sends as they are (no serializer runs for a Buffer);
 * the content type is set to what a serialized answer gets. The operation's response schema still
 * describes the answer (the test suite checks every answer against the served document).
 */
export const listShipments = (deps: AppDeps): ApiRoute => ({
  method: 'GET',
  url: '/integrations/:id/shipments',
  operation: 'list_shipments',
  schema: routeSchemas.list_shipments,
  integration: true,
  handler: async (request, reply) => {
    const page = await deps.shipments.list(
      request.integration!.id,
      new URLSearchParams(rawQuery(request)),
      linkBase(request, deps.config.publicBaseUrl),
    );
    reply.type('application/json; charset=utf-8');
    return page;
  },
});

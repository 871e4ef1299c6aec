import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../../deps.js';
import { routeSchemas } from '../../schemas/index.js';

/** POST /integrations/{id}/shipments — the upsert; per-item failures are data in a 200 (docs/behaviour.md). */
export const upsertShipments = (deps: AppDeps): ApiRoute => ({
  method: 'POST',
  url: '/integrations/:id/shipments',
  operation: 'upsert_shipments',
  schema: routeSchemas.upsert_shipments,
  integration: true,
  partnerOnly: true,
  handler: async (request) => deps.shipments.upsert(request.integration!.id, request.body),
});

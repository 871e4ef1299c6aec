import type { ApiRoute } from '../../api-plugin.js';
import type { AppDeps } from '../../../deps.js';
import { routeSchemas } from '../../schemas/index.js';

/** POST /integrations/{id}/logs — 201 with the log, write-only fields left out. */
export const createLog = (deps: AppDeps): ApiRoute => ({
  method: 'POST',
  url: '/integrations/:id/logs',
  operation: 'create_log',
  integration: true,
  schema: routeSchemas.create_log,
  handler: async (request, reply) =>
    reply.code(201).send(await deps.logs.create(request.integration!, request.body)),
});

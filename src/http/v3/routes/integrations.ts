import { renderIntegrationV3, sortIntegrationsV3 } from '../../../domain/integrations/integration-view-v3.js';
import { validateIntegrationUpdateV3 } from '../../../domain/integrations/integration-update-v3.js';
import type { AppDeps } from '../../deps.js';
import type { V3Route } from '../plugin.js';
import { V3Query } from '../query.js';
import { idParameter, ref } from '../schemas.js';

const integrationNotFound = {
  description: "No such integration of the caller's account (another account's answers the same).",
  schema: ref('Errors'),
};

/** GET /integrations — `{"data": [...]}`, ordered by `sort` (default `last_fetch`, then `created_at`). */
export const listIntegrationsV3 = (deps: AppDeps): V3Route => ({
  method: 'GET',
  url: '/integrations',
  operation: 'v3_list_integrations',
  auth: 'basic',
  docs: {
    summary: 'Retrieve a list of integrations',
    tags: ['Integrations'],
    parameters: [
      {
        name: 'sort',
        in: 'query',
        schema: { type: 'string' },
        description:
          '`integration_type`, `created_at`, `updated_at`, `last_fetch` or `failing_since`, `-` for descending, comma-separated; unknown keys are ignored. Default: `last_fetch`, then `created_at`.',
      },
    ],
    responses: {
      200: {
        description: "The caller's integrations.",
        schema: {
          type: 'object',
          required: ['data'],
          properties: { data: { type: 'array', items: ref('Integration') } },
        },
      },
    },
  },
  handler: async (request) => {
    const records = await deps.integrations.records(request.principal!.accountId);
    return { data: sortIntegrationsV3(records, V3Query.of(request).get('sort')).map(renderIntegrationV3) };
  },
});

/** GET /integrations/{id} */
export const getIntegrationV3 = (): V3Route => ({
  method: 'GET',
  url: '/integrations/:id',
  operation: 'v3_get_integration',
  auth: 'basic',
  integration: true,
  docs: {
    summary: 'Retrieve an integration',
    tags: ['Integrations'],
    parameters: [idParameter],
    responses: {
      200: {
        description: 'The integration.',
        schema: { type: 'object', required: ['data'], properties: { data: ref('Integration') } },
      },
      404: integrationNotFound,
    },
  },
  handler: async (request) => ({ data: renderIntegrationV3(request.integration!) }),
});

/** DELETE /integrations/{id} — 204; its shipments, orders and logs go with it, and `integration_deleted` fires. */
export const deleteIntegrationV3 = (deps: AppDeps): V3Route => ({
  method: 'DELETE',
  url: '/integrations/:id',
  operation: 'v3_delete_integration',
  auth: 'basic',
  integration: true,
  docs: {
    summary: 'Delete an integration',
    tags: ['Integrations'],
    parameters: [idParameter],
    responses: { 204: { description: 'Deleted.' }, 404: integrationNotFound },
  },
  handler: async (request, reply) => {
    await deps.integrations.delete(request.integration!);
    return reply.code(204).send();
  },
});

/** PATCH /integrations/{id} — 204; the same change v2's update makes, and the same webhook. */
export const updateIntegrationV3 = (deps: AppDeps): V3Route => ({
  method: 'PATCH',
  url: '/integrations/:id',
  operation: 'v3_update_integration',
  auth: 'basic',
  integration: true,
  docs: {
    summary: 'Update certain parts of an integration',
    tags: ['Integrations'],
    parameters: [idParameter],
    requestBody: { content: { 'application/json': { schema: ref('IntegrationUpdate') } } },
    responses: {
      204: { description: 'Updated; `integration_updated` is sent when its webhook is on.' },
      400: {
        description:
          "`Webhook URL required when enable webhook is set to true`, a service point without carriers, or members that are not valid (Pydantic's messages, each at its pointer).",
        schema: ref('Errors'),
      },
      404: integrationNotFound,
    },
  },
  handler: async (request, reply) => {
    const integration = request.integration!;
    await deps.integrations.apply(integration, validateIntegrationUpdateV3(integration, request.body));
    return reply.code(204).send();
  },
});

export const v3IntegrationRoutes = (deps: AppDeps): V3Route[] => [
  listIntegrationsV3(deps),
  getIntegrationV3(),
  updateIntegrationV3(deps),
  deleteIntegrationV3(deps),
];

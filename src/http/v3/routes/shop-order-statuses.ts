import { ShopOrderStatusService } from '../../../domain/v3/shop-order-statuses.js';
import { LANGUAGES } from '../../../domain/v3/shop-order-statuses.js';
import type { AppDeps } from '../../deps.js';
import type { V3Route } from '../plugin.js';
import { V3Query } from '../query.js';
import { ref } from '../schemas.js';

const integrationIdParameter = {
  name: 'integration_id',
  in: 'query',
  required: true,
  schema: { type: 'integer', minimum: 1 },
  description: "One of the caller's integrations (another account's answers 404, as an unknown one).",
};
const badRequest = {
  description:
    'No `integration_id` (`Integration ID is a required GET parameter`), or a parameter that is not valid.',
  schema: ref('Errors'),
};
const notFound = { description: "No such integration of the caller's account.", schema: ref('Errors') };
const declared = {
  description: 'Stored. The body is JSON `null`, as the reference answers.',
  schema: { type: 'null' },
};
const wrongBody = {
  description:
    "The body is not an object (`Wrong request format, expected object`), or members are not valid (Pydantic's messages at `/data/attributes/…` pointers; an integration not the caller's: `Integration with id N does not exist`).",
  schema: ref('Errors'),
};

/** `/shop-order-statuses` and `/shop-order-statuses/mapping` (Basic only, as the reference says). */
export function shopOrderStatusRoutes(deps: AppDeps): V3Route[] {
  const service = new ShopOrderStatusService(deps.store, deps.clock);
  return [
    {
      method: 'GET',
      url: '/shop-order-statuses',
      operation: 'v3_list_shop_order_statuses',
      auth: 'basic',
      docs: {
        summary: 'Retrieve shop order statuses for an integration',
        tags: ['Integrations'],
        parameters: [
          integrationIdParameter,
          {
            name: 'language',
            in: 'query',
            schema: { type: 'string', enum: LANGUAGES },
            description:
              '`status` in this language; default `en-gb`, else the first language alphabetically.',
          },
          {
            name: 'show_deleted',
            in: 'query',
            schema: { type: 'boolean' },
            description: 'Also the deleted statuses.',
          },
        ],
        responses: {
          200: { description: 'The statuses.', schema: ref('ShopOrderStatuses') },
          400: badRequest,
          404: notFound,
        },
      },
      handler: async (request) => {
        const query = V3Query.of(request);
        return service.list(request.principal!.accountId, {
          integrationId: query.get('integration_id'),
          language: query.get('language'),
          showDeleted: query.get('show_deleted'),
        });
      },
    },
    {
      method: 'POST',
      url: '/shop-order-statuses',
      operation: 'v3_declare_shop_order_statuses',
      auth: 'basic',
      docs: {
        summary: 'Create or overwrite shop order statuses',
        tags: ['Integrations'],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('ShopOrderStatusesDeclaration') } },
        },
        responses: { 200: declared, 400: wrongBody },
      },
      handler: async (request, reply) => {
        await service.declare(request.principal!.accountId, request.body);
        return reply.code(200).type('application/json').send('null');
      },
    },
    {
      method: 'GET',
      url: '/shop-order-statuses/mapping',
      operation: 'v3_get_status_mapping',
      auth: 'basic',
      docs: {
        summary: 'Retrieve custom status mapping for an integration',
        tags: ['Integrations'],
        parameters: [integrationIdParameter],
        responses: {
          200: { description: 'The four categories and their statuses.', schema: ref('StatusMapping') },
          400: badRequest,
          404: notFound,
        },
      },
      handler: async (request) =>
        service.mapping(request.principal!.accountId, {
          integrationId: V3Query.of(request).get('integration_id'),
        }),
    },
    {
      method: 'POST',
      url: '/shop-order-statuses/mapping',
      operation: 'v3_set_status_mapping',
      auth: 'basic',
      docs: {
        summary: 'Create or update custom status mapping for an integration',
        tags: ['Integrations'],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('StatusMappingDeclaration') } },
        },
        responses: { 200: declared, 400: wrongBody },
      },
      handler: async (request, reply) => {
        await service.setMapping(request.principal!.accountId, request.body);
        return reply.code(200).type('application/json').send('null');
      },
    },
  ];
}

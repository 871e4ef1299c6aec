/**
 * Integrations (docs/behaviour.md), from the reference's `Integration` and `IntegrationUpdate`.
 * Response schemas describe exactly what `renderIntegration`/`renderIntegrationUpdate` send: every
 * property always present, nullable ones as `[type, 'null']`, times in DRF's UTC form.
 */
import type { FastifySchema } from 'fastify';
import { NO_CONTENT, SECURITY, errorResponses, idParams, ref } from './common.js';
import type { JsonSchema } from './common.js';

const TAGS = ['Integrations'];
const ID = idParams('The id of the integration');

const shopName = { type: 'string', minLength: 1, maxLength: 250, description: 'Name of the shop' };
const shopUrl = {
  type: ['string', 'null'],
  format: 'uri',
  description: 'URL of the shop the integration connects to',
};
const lastUpdatedAt = {
  type: 'string',
  format: 'date-time',
  description: 'When the integration was last updated (moves on every PUT or PATCH)',
};
const servicePointEnabled = {
  type: 'boolean',
  description: 'Whether delivery to service points is enabled',
};
const servicePointCarriers = {
  type: 'array',
  items: { type: 'string' },
  description:
    'Carriers available for the service point picker; at least one is needed when service points are enabled',
};
const webhookActive = {
  type: 'boolean',
  description: 'Whether integration changes are sent to `webhook_url`',
};
const webhookUrl = {
  type: ['string', 'null'],
  format: 'uri',
  description: 'Where webhooks are sent; needed when `webhook_active` is true',
};

export const Integration: JsonSchema = {
  $id: 'Integration',
  type: 'object',
  title: 'Integration',
  properties: {
    id: { type: 'integer', minimum: 1, description: 'ID of the integration' },
    shop_name: shopName,
    shop_url: shopUrl,
    system: {
      type: 'string',
      minLength: 1,
      maxLength: 50,
      description: 'Type of shop system the integration connects to',
    },
    failing_since: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'Since when the integration fails to fetch orders or send feedback',
    },
    last_fetch: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'The last time data was fetched from this integration',
    },
    last_updated_at: lastUpdatedAt,
    service_point_enabled: servicePointEnabled,
    service_point_carriers: servicePointCarriers,
    webhook_active: webhookActive,
    webhook_url: webhookUrl,
  },
  required: [
    'id',
    'shop_name',
    'shop_url',
    'system',
    'failing_since',
    'last_fetch',
    'last_updated_at',
    'service_point_enabled',
    'service_point_carriers',
    'webhook_active',
    'webhook_url',
  ],
  additionalProperties: false,
};

/** The answer of PUT and PATCH: no `id`, `system`, `failing_since` or `last_fetch` (docs/behaviour.md). */
export const IntegrationUpdate: JsonSchema = {
  $id: 'IntegrationUpdate',
  type: 'object',
  title: 'Integration update',
  properties: {
    shop_name: shopName,
    shop_url: shopUrl,
    last_updated_at: lastUpdatedAt,
    service_point_enabled: servicePointEnabled,
    service_point_carriers: servicePointCarriers,
    webhook_active: webhookActive,
    webhook_url: webhookUrl,
  },
  required: [
    'shop_name',
    'shop_url',
    'last_updated_at',
    'service_point_enabled',
    'service_point_carriers',
    'webhook_active',
    'webhook_url',
  ],
  additionalProperties: false,
};

/** What PUT and PATCH read: any subset; unknown and read-only fields are ignored (DRF). */
export const IntegrationUpdateRequest: JsonSchema = {
  $id: 'IntegrationUpdateRequest',
  type: 'object',
  title: 'Integration update request',
  description:
    'Any subset of the writable fields; omitted fields keep their values. Webhook errors are reported under `settings`.',
  properties: {
    shop_name: shopName,
    shop_url: shopUrl,
    service_point_enabled: servicePointEnabled,
    service_point_carriers: servicePointCarriers,
    webhook_active: webhookActive,
    webhook_url: { ...webhookUrl, type: 'string', minLength: 1 },
  },
};

/** The documentation page's update example: a request this server accepts as it is. */
export const UPDATE_EXAMPLE = {
  shop_name: 'Example Shop',
  shop_url: 'https://shop.example.com',
  service_point_enabled: true,
  service_point_carriers: ['postnl', 'dhl'],
  webhook_active: false,
  webhook_url: 'https://shop.example.com/sendcloud/webhook',
};

const update = (operationId: string, summary: string, description: string): FastifySchema => ({
  tags: TAGS,
  summary,
  description,
  operationId,
  security: SECURITY,
  params: ID,
  body: { allOf: [ref('IntegrationUpdateRequest')], examples: [UPDATE_EXAMPLE] },
  response: { 200: { description: 'OK', ...ref('IntegrationUpdate') }, ...errorResponses(400, 413, 415) },
});

export const integrationSchemas = {
  list_integrations: {
    tags: TAGS,
    summary: 'Retrieve a list of integrations',
    description: 'Every integration of the calling account, as a bare array.',
    operationId: 'sc-public-v2-orders-get-retrieve_a_list_of_integrations',
    security: SECURITY,
    querystring: {
      type: 'object',
      properties: {
        ordering: {
          type: 'string',
          description:
            'Comma-separated fields to order by, each with an optional `-`: `id`, `shop_name`, `system`, `last_fetch`, `failing_since`, `last_updated_at`. Unknown fields are ignored; default `id`.',
        },
      },
    },
    response: {
      200: { description: 'OK', type: 'array', items: ref('Integration') },
      ...errorResponses(),
    },
  },
  get_integration: {
    tags: TAGS,
    summary: 'Retrieve an integration',
    description: 'One integration of the calling account by its `id`.',
    operationId: 'sc-public-v2-orders-get-retrieve_an_integration',
    security: SECURITY,
    params: ID,
    response: { 200: { description: 'OK', ...ref('Integration') }, ...errorResponses() },
  },
  update_integration: update(
    'sc-public-v2-orders-put-update_an_integration',
    'Update an integration',
    'Changes the given fields (any subset, as with PATCH) and answers the integration as updated.',
  ),
  partial_update_integration: update(
    'sc-public-v2-orders-patch-partial_update_an_integration',
    'Partially update an integration',
    'Changes only the given fields and answers the integration as updated.',
  ),
  delete_integration: {
    tags: TAGS,
    summary: 'Delete an integration',
    description: 'Deletes the integration with its shipments and exception logs.',
    operationId: 'sc-public-v2-orders-delete-delete_an_integration',
    security: SECURITY,
    params: ID,
    response: { 204: NO_CONTENT, ...errorResponses() },
  },
} satisfies Record<string, FastifySchema>;

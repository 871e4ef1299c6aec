/**
 * Integration exception logs (docs/behaviour.md), from the reference's `IntegrationLog`. Answers
 * leave out the write-only `integration_id` and `user_id`; `response` and `request` are stored and
 * answered as the JSON objects the client sent, so their contents are free-form here.
 */
import type { FastifySchema } from 'fastify';
import {
  CURSOR_PARAMETER,
  ERROR_RESPONSES,
  SECURITY,
  cursorPage,
  errorResponses,
  idParams,
  ref,
} from './common.js';
import type { JsonSchema } from './common.js';

const TAGS = ['Integrations'];

/**
 * `response`/`request`: any JSON object the client sent (the reference suggests `headers` and a body),
 * or null. No declared properties: a serializer built from this schema then keeps every key, in order.
 */
const httpExchange = (what: string, bodyName: string): JsonSchema => ({
  type: ['object', 'null'],
  description: `${what} as JSON, stored as sent; usually \`headers\` (an object) and \`${bodyName}\` (a string or an object)`,
  additionalProperties: true,
});

const LOG_PROPERTIES: Record<string, JsonSchema> = {
  base_url: { type: 'string', minLength: 1, description: 'Base URL of the shop' },
  full_url: { type: ['string', 'null'], description: 'Full URL of the resource where the error happened' },
  method: { type: 'string', description: 'HTTP method of the failed request' },
  response_code: { type: ['integer', 'null'], minimum: 0, description: 'HTTP status code' },
  response: httpExchange('Response', 'body'),
  request: httpExchange('Request', 'payload'),
  created_at: {
    type: 'string',
    format: 'date-time',
    description: 'When the exception occurred; defaults to the time of creation',
  },
  exception_type: { type: ['string', 'null'], description: 'Exception type (e.g. a Python class name)' },
  exception: { type: ['string', 'null'], description: 'Human readable description of the exception' },
};

/** A log as answered: every property present, write-only ones left out. */
export const IntegrationLog: JsonSchema = {
  $id: 'IntegrationLog',
  type: 'object',
  title: 'Integration exception log',
  properties: {
    id: { type: 'integer', minimum: 1, description: 'ID of the log record' },
    ...LOG_PROPERTIES,
    protected: {
      type: 'boolean',
      description: 'Whether request and response are obfuscated (never, here)',
    },
  },
  required: ['id', ...Object.keys(LOG_PROPERTIES), 'protected'],
  additionalProperties: false,
};

/** A log to create: only `base_url` is required; `integration_id`/`user_id` are ignored (docs/behaviour.md). */
export const IntegrationLogCreate: JsonSchema = {
  $id: 'IntegrationLogCreate',
  type: 'object',
  title: 'Integration exception log to create',
  properties: {
    integration_id: {
      type: ['integer', 'null'],
      writeOnly: true,
      description: 'Ignored: the integration is the one in the path',
    },
    user_id: { type: 'integer', writeOnly: true, description: 'Ignored: the user is the caller' },
    ...LOG_PROPERTIES,
    method: { type: 'string', maxLength: 10, description: 'HTTP method of the failed request' },
    exception: { type: 'string', description: 'Human readable description of the exception (not null)' },
  },
  required: ['base_url'],
};

/** The documentation page's log example: a request this server accepts as it is. */
export const LOG_EXAMPLE = {
  base_url: 'https://shop.example.com',
  full_url: 'https://shop.example.com/api/orders?page=2',
  method: 'GET',
  response_code: 500,
  request: { headers: { accept: 'application/json' }, body: null },
  response: { status: 500, body: '{"detail": "Internal server error"}' },
  exception_type: 'HTTPError',
  exception: 'The shop answered 500 while orders were fetched',
};

const page = { 200: cursorPage('IntegrationLog', 'OK') };
const cursorQuery = { type: 'object', properties: { cursor: CURSOR_PARAMETER } };
const notFound = {
  404: {
    ...ERROR_RESPONSES[404],
    description:
      'Not Found: unknown integration (`No Integration matches the given query.`) or a bad cursor (`Invalid cursor`)',
  },
};

export const logSchemas = {
  list_all_logs: {
    tags: TAGS,
    summary: 'Retrieve all integration exception logs',
    description: "Every exception log of the caller's integrations, newest first, one page at a time.",
    operationId: 'sc-public-v2-orders-get-retrieve_integrations_logs',
    security: SECURITY,
    querystring: cursorQuery,
    response: { ...page, ...errorResponses(), ...notFound },
  },
  list_logs: {
    tags: TAGS,
    summary: 'Retrieve exception logs for a specific integration',
    description: "One integration's exception logs, newest first, one page at a time.",
    operationId: 'sc-public-v2-orders-get-retrieve_integration_logs',
    security: SECURITY,
    params: idParams('The id of the integration'),
    querystring: cursorQuery,
    response: { ...page, ...errorResponses(), ...notFound },
  },
  create_log: {
    tags: TAGS,
    summary: 'Create integration exception logs',
    description: "Records an exception log, shown in the integration's connection issue log.",
    operationId: 'sc-public-v2-orders-post-create_integration_logs',
    security: SECURITY,
    params: idParams('The id of the integration'),
    body: { allOf: [ref('IntegrationLogCreate')], examples: [LOG_EXAMPLE] },
    response: {
      201: { description: 'Created', ...ref('IntegrationLog') },
      ...errorResponses(400, 413, 415),
    },
  },
} satisfies Record<string, FastifySchema>;

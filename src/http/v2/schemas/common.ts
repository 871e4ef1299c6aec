/// <reference types="@fastify/swagger" />
/**
 * Pieces every operation shares: the error envelope, the error responses, security, the `{id}` path
 * parameter and cursor pagination. Shared schemas are registered once with `addSchema` (their `$id` is
 * their name in the document's `components.schemas`) and referenced as `{ $ref: '<Name>#' }`.
 */

export type JsonSchema = Record<string, unknown>;

/** A reference to a shared schema by its `$id`, understood by Fastify, fast-json-stringify and swagger. */
export const ref = (id: string): JsonSchema => ({ $ref: `${id}#` });

/** Both ways in of the reference (`security` of every operation): Basic keys or an OAuth2 token. */
export const SECURITY: Record<string, string[]>[] = [{ HTTPBasicAuth: [] }, { OAuth2ClientCreds: ['api'] }];

/** docs/behaviour.md: every `/api/v2` error, `request` being the raw path as called without leading slash. */
export const ErrorEnvelope: JsonSchema = {
  $id: 'ErrorEnvelope',
  type: 'object',
  title: 'Error envelope',
  description: "Sendcloud's error body for every `/api/v2` error except 429.",
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'integer', description: 'HTTP response status code' },
        request: {
          type: 'string',
          description: 'The path as called, without the leading slash and the query string',
        },
        message: { type: 'string', description: 'Human readable error message' },
      },
      required: ['code', 'request', 'message'],
      additionalProperties: false,
    },
  },
  required: ['error'],
  additionalProperties: false,
};

const envelope = (description: string): JsonSchema => ({ description, ...ref('ErrorEnvelope') });

/** The error responses an `/api/v2` operation can give, in DRF's order of checks (docs/behaviour.md). */
export const ERROR_RESPONSES = {
  400: envelope(
    'Bad Request: the body is not valid; `message` says why (field errors as a Python dict repr)',
  ),
  401: {
    ...envelope('Unauthorized: no, wrong or revoked credentials, or an invalid token'),
    headers: { 'WWW-Authenticate': { type: 'string', description: 'Always `Basic realm="api"`' } },
  },
  403: envelope('Forbidden: the account is not a Sendcloud partner'),
  404: envelope(
    "Not Found: unknown path or id (`Not found.`), another account's or no such integration (`No Integration matches the given query.`), or as the operation says",
  ),
  405: envelope('Method Not Allowed: `Method "<METHOD>" not allowed.`'),
  413: envelope('Payload Too Large: the body exceeds the configured limit'),
  415: envelope('Unsupported Media Type: the body is not `application/json`'),
  // docs/behaviour.md: the one documented error without a body.
  429: {
    type: 'null',
    description: 'Too Many Requests: the rate limit is reached; the body is empty',
    headers: {
      'Retry-After': { type: 'integer', description: 'Seconds to wait before the next request' },
    },
  },
  503: {
    ...envelope(
      'Service Unavailable: the database cannot serve the request now (down, connection lost, timed out, locked, disk full, read-only), or the server is shutting down; nothing was applied that was acknowledged, and a retry is safe',
    ),
    headers: {
      'Retry-After': { type: 'integer', description: 'Seconds to wait before retrying' },
    },
  },
} as const satisfies Record<number, JsonSchema>;

type ErrorStatus = keyof typeof ERROR_RESPONSES;

/**
 * The error responses of one operation: 401, 404, 405, 429 and 503 always (every path has an id check or
 * a router 404, other methods on the same path answer 405, and any operation may meet an unavailable
 * database); the others as the operation's body allows.
 */
export function errorResponses(...extra: ErrorStatus[]): Record<string, JsonSchema> {
  const statuses = new Set<ErrorStatus>([401, 404, 405, 429, 503, ...extra]);
  const out: Record<string, JsonSchema> = {};
  for (const status of [400, 401, 403, 404, 405, 413, 415, 429, 503] as const) {
    if (statuses.has(status)) out[status] = ERROR_RESPONSES[status];
  }
  return out;
}

/** `{id}`: DRF's `[0-9]+`; anything else is an unknown path (404 `Not found.`). */
export const idParams = (description: string): JsonSchema => ({
  type: 'object',
  properties: { id: { type: 'integer', description } },
  required: ['id'],
});

/**
 * Sendcloud's `cursor-parameter`, described as `domain/cursor.ts` makes it: DRF-style `o`/`r`/`p`
 * parameters, with our keyset position and the list it belongs to.
 */
export const CURSOR_PARAMETER: JsonSchema = {
  type: 'string',
  description:
    'Opaque; take it from a `next` or `previous` link, never build it. It is standard base64 of DRF-style cursor parameters: `r=1` when it pages backwards, `p` the position of the boundary row (its import time in microseconds and internal id), `i` the list it belongs to (`o`, the offset, is always 0). It is valid only for the list it came from (this integration, or this account for `/integrations/logs`); a malformed cursor, or one from another integration or account, answers 404 `Invalid cursor`.',
};

/** `{next, previous, results}`: links are absolute URLs, null at either end (docs/behaviour.md). */
export function cursorPage(itemId: string, description: string): JsonSchema {
  return {
    type: 'object',
    description,
    properties: {
      next: {
        type: ['string', 'null'],
        format: 'uri',
        description: 'Absolute URL of the next page, null on the last',
      },
      previous: {
        type: ['string', 'null'],
        format: 'uri',
        description: 'Absolute URL of the previous page, null on the first',
      },
      results: { type: 'array', items: ref(itemId) },
    },
    required: ['next', 'previous', 'results'],
    additionalProperties: false,
  };
}

/** A success without a body (204): `type: 'null'` makes swagger leave out `content`. */
export const NO_CONTENT: JsonSchema = { type: 'null', description: 'No Content' };

/**
 * The OAuth2 client-credentials token endpoint (docs/behaviour.md), at the server root. Sendcloud
 * serves it on another host (the reference's `OAuth2ClientCreds.tokenUrl`); its errors are OAuth2's
 * (RFC 6749 §5.2) with Sendcloud's `status_code`, never the API envelope.
 */
import type { FastifySchema } from 'fastify';
import { ERROR_RESPONSES, ref } from './common.js';
import type { JsonSchema } from './common.js';

export const OAuth2Token: JsonSchema = {
  $id: 'OAuth2Token',
  type: 'object',
  title: 'OAuth2 access token',
  properties: {
    access_token: { type: 'string', minLength: 1, description: 'Opaque bearer token' },
    token_type: { type: 'string', enum: ['bearer'] },
    expires_in: { type: 'integer', minimum: 1, description: 'Lifetime in seconds (one hour by default)' },
    scope: { type: 'string', enum: ['api'] },
  },
  required: ['access_token', 'token_type', 'expires_in', 'scope'],
  additionalProperties: false,
};

export const OAuth2Error: JsonSchema = {
  $id: 'OAuth2Error',
  type: 'object',
  title: 'OAuth2 error',
  properties: {
    error: {
      type: 'string',
      enum: [
        'invalid_client',
        'invalid_request',
        'unsupported_grant_type',
        'invalid_scope',
        'temporarily_unavailable',
      ],
    },
    error_description: { type: 'string' },
    status_code: { type: 'integer' },
  },
  required: ['error', 'error_description', 'status_code'],
  additionalProperties: false,
};

const oauthError = (description: string): JsonSchema => ({ description, ...ref('OAuth2Error') });

export const oauth2Schemas = {
  oauth2_token: {
    tags: ['OAuth2'],
    summary: 'Obtain an access token',
    description:
      'Client credentials grant. The client authenticates with HTTP Basic (`public_key:secret_key`) or with the form fields `client_id` and `client_secret`. Use the token as `Authorization: Bearer <token>` on every `/api/v2` operation.',
    operationId: 'oauth2-token',
    consumes: ['application/x-www-form-urlencoded'],
    // Basic, or no header at all when the client sends `client_id`/`client_secret` in the form.
    security: [{ HTTPBasicAuth: [] }, {}] as Record<string, string[]>[],
    body: {
      type: 'object',
      properties: {
        grant_type: { type: 'string', enum: ['client_credentials'] },
        scope: { type: 'string', enum: ['api'], description: 'Optional; the only scope is `api`' },
        client_id: { type: 'string', description: 'The public key, when not sent by Basic' },
        client_secret: { type: 'string', description: 'The secret key, when not sent by Basic' },
      },
      required: ['grant_type'],
      // With the key pair sent by HTTP Basic (the page's Authorize button).
      examples: [{ grant_type: 'client_credentials', scope: 'api' }],
    },
    response: {
      200: { description: 'OK', ...ref('OAuth2Token') },
      400: oauthError(
        'Bad Request: `invalid_request` (missing parameter, or not form-encoded), `unsupported_grant_type` or `invalid_scope`',
      ),
      401: {
        ...oauthError('Unauthorized: `invalid_client` (unknown, wrong or revoked client credentials)'),
        headers: { 'WWW-Authenticate': { type: 'string', description: 'Always `Basic realm="api"`' } },
      },
      503: {
        ...oauthError(
          'Service Unavailable: `temporarily_unavailable`, the database cannot serve the request now; a retry is safe',
        ),
        headers: ERROR_RESPONSES[503].headers,
      },
    },
  },
} satisfies Record<string, FastifySchema>;

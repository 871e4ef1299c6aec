/**
 * The errors a fault rule may name (`effect.error`), per operation: each one the operation documents or
 * the server really answers with, by a stable snake_case name, made fresh for every request it answers.
 * v2's are here; another surface passes its own map to `mergeNamedErrors` (v3's carry `v3_` operations,
 * so no name reaches both versions).
 */
import { OAuthError, errors } from '../errors.js';
import { MESSAGES } from '../drf/fields.js';
import { MAX_ORDERS_PER_REQUEST } from '../shipments/order-schema.js';
import { MISSING_KEYS } from '../shipments/shipment-service.js';
import type { FaultContext } from './context.js';

/** One named error: a fresh value per answer (a `() => Error` fits, the context is there for those that need it). */
export type NamedError = (context: FaultContext) => Error;
export type NamedErrors = Record<string, Record<string, NamedError>>;

/** Every authenticated v2 operation can answer these. */
const authenticated: Record<string, NamedError> = {
  not_found: () => errors.notFound(),
  not_authenticated: () => errors.notAuthenticated(),
  invalid_credentials: () => errors.invalidCredentials(),
  invalid_token: () => errors.invalidToken(),
  oauth_required: () => errors.oauthRequired(),
  throttled: (context) => errors.throttled(context.retryAfterSeconds),
  server_error: () => errors.internal(),
  database_unavailable: (context) => errors.databaseUnavailable(context.retryAfterSeconds),
};

/** Operations whose path names one of the caller's integrations. */
const onIntegration: Record<string, NamedError> = {
  ...authenticated,
  integration_not_found: () => errors.integrationNotFound(),
};

/** Operations that read a JSON body. */
const withBody: Record<string, NamedError> = {
  ...onIntegration,
  unsupported_media_type: (context) => errors.unsupportedMediaType(context.contentType || 'text/plain'),
  body_too_large: (context) => errors.bodyTooLarge(context.bodyLimitBytes),
  parse_error: () => errors.parseError('Expecting value: line 1 column 1 (char 0)'),
};

const paginated: Record<string, NamedError> = { invalid_cursor: () => errors.invalidCursor() };

export const v2NamedErrors: NamedErrors = {
  list_integrations: authenticated,
  get_integration: onIntegration,
  update_integration: withBody,
  partial_update_integration: withBody,
  delete_integration: onIntegration,
  list_shipments: { ...onIntegration, ...paginated },
  upsert_shipments: {
    ...withBody,
    permission_denied: () => errors.permissionDenied(),
    no_data: () => errors.badRequest(MESSAGES.noData),
    not_a_list: () => errors.badRequest('Expected a list of items but got type "dict".'),
    too_many_items: () =>
      errors.badRequest(`Ensure this field has no more than ${MAX_ORDERS_PER_REQUEST} elements.`),
  },
  delete_shipment: {
    ...withBody,
    shipment_not_found: () => errors.shipmentNotFound(),
    missing_shipment_keys: () => errors.badRequest(MISSING_KEYS),
    invalid_uuid: () => errors.badRequest('Must be a valid UUID.'),
  },
  list_all_logs: { ...authenticated, ...paginated },
  list_logs: { ...onIntegration, ...paginated },
  create_log: withBody,
  oauth2_token: {
    invalid_client: () => new OAuthError(401, 'invalid_client', 'Client authentication failed.'),
    invalid_request: () => new OAuthError(400, 'invalid_request', 'Missing grant_type parameter.'),
    unsupported_grant_type: () =>
      new OAuthError(400, 'unsupported_grant_type', 'Grant type "password" is not supported.'),
    invalid_scope: () =>
      new OAuthError(400, 'invalid_scope', 'The requested scope is invalid; the only scope is "api".'),
    temporarily_unavailable: () =>
      new OAuthError(503, 'temporarily_unavailable', 'The database is unavailable; try again later.'),
    server_error: () => new OAuthError(500, 'server_error', 'A server error occurred.'),
  },
};

/** One registry from several surfaces' maps; a later map adds names to an operation, never removes any. */
export function mergeNamedErrors(...maps: NamedErrors[]): NamedErrors {
  const merged: NamedErrors = {};
  for (const map of maps) {
    for (const [operation, named] of Object.entries(map)) {
      merged[operation] = { ...merged[operation], ...named };
    }
  }
  return merged;
}

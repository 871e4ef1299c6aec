import { STATUS_CODES } from 'node:http';
import { ApiError, OAuthError, errors } from '../errors.js';
import type { FaultContext } from './context.js';

/** DRF's `ServiceUnavailable` as its documentation's custom-exception example defines it (DRF has none built in). */
const SERVICE_UNAVAILABLE = 'Service temporarily unavailable, try again later.';

/** A status without a DRF exception of its own: its reason phrase with a period, as DRF's details read (`Not found.`). */
const reasonPhrase = (status: number): string => `${STATUS_CODES[status] ?? 'Error'}.`;

/**
 * The API's answer for `status`, as Sendcloud's v2 (a DRF application) gives it: each status by the
 * DRF exception that answers it, with that exception's default detail. The surface's renderer puts it
 * in its version's format (v2's envelope, v3's JSON:API errors); 429 stays empty with `Retry-After`.
 */
function apiStatusError(status: number, context: FaultContext, message?: string): ApiError {
  const retryAfter = { 'retry-after': String(context.retryAfterSeconds) };
  switch (status) {
    case 400:
      // DRF's ParseError: a 400 whose detail is one plain sentence.
      return errors.badRequest(message ?? 'Malformed request.');
    case 401:
      return message === undefined
        ? errors.notAuthenticated()
        : new ApiError(401, message, { 'www-authenticate': 'Basic realm="api"' });
    case 403:
      return new ApiError(403, message ?? errors.permissionDenied().message);
    case 404:
      return new ApiError(404, message ?? errors.notFound().message);
    case 405:
      return new ApiError(405, message ?? errors.methodNotAllowed(context.method).message);
    case 406:
      return new ApiError(406, message ?? 'Could not satisfy the request Accept header.');
    case 413:
      return new ApiError(413, message ?? errors.bodyTooLarge(context.bodyLimitBytes).message);
    case 415:
      return new ApiError(415, message ?? errors.unsupportedMediaType(context.contentType).message);
    case 429:
      // Sendcloud's one documented empty error body; a body given to the rule is shown all the same.
      return message === undefined
        ? errors.throttled(context.retryAfterSeconds)
        : new ApiError(429, message, retryAfter);
    case 500:
      return new ApiError(500, message ?? errors.internal().message);
    case 503:
      return new ApiError(503, message ?? SERVICE_UNAVAILABLE, retryAfter);
    default:
      return new ApiError(status, message ?? reasonPhrase(status));
  }
}

/** The token endpoint answers in OAuth2's own shape (RFC 6749 §5.2), never the API envelope. */
function oauthStatusError(status: number, context: FaultContext, message?: string): Error {
  switch (status) {
    case 400:
      return new OAuthError(400, 'invalid_request', message ?? 'The request is malformed.');
    case 401:
      return new OAuthError(401, 'invalid_client', message ?? 'Client authentication failed.');
    case 429:
      return apiStatusError(429, context, message);
    case 503:
      return new OAuthError(
        503,
        'temporarily_unavailable',
        message ?? 'The database is unavailable; try again later.',
      );
    default:
      return status >= 500
        ? new OAuthError(status, 'server_error', message ?? 'A server error occurred.')
        : new OAuthError(status, 'invalid_request', message ?? reasonPhrase(status));
  }
}

/** The error a `status` effect answers with; `message` is the rule's `body` when it is a text. */
export function statusError(status: number, context: FaultContext, message?: string): Error {
  return context.operation === 'oauth2_token'
    ? oauthStatusError(status, context, message)
    : apiStatusError(status, context, message);
}

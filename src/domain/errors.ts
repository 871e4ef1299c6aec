/**
 * Every error the API can answer with, as values. The HTTP layer renders an ApiError into Sendcloud's
 * envelope `{"error": {"code", "request", "message"}}` (docs/behaviour.md); nothing else decides a status.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** 429 is the one documented error with an empty body (docs/behaviour.md). */
  readonly emptyBody: boolean;

  constructor(status: number, message: string, headers: Record<string, string> = {}, emptyBody = false) {
    // An answer, not a fault: no stack trace is captured (it cost 4% of a 404's CPU).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'ApiError';
    this.status = status;
    this.headers = headers;
    this.emptyBody = emptyBody;
  }
}

/** What a 503 for an unavailable database asks the client to wait, in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="api"' };

export const errors = {
  notFound: () => new ApiError(404, 'Not found.'),
  notAuthenticated: () => new ApiError(401, 'Authentication credentials were not provided.', BASIC_CHALLENGE),
  invalidCredentials: () => new ApiError(401, 'Invalid username/password.', BASIC_CHALLENGE),
  invalidBasicHeader: (detail: string) =>
    new ApiError(401, `Invalid basic header. ${detail}`, BASIC_CHALLENGE),
  invalidToken: () => new ApiError(401, 'Invalid token.', BASIC_CHALLENGE),
  invalidTokenHeader: (detail: string) =>
    new ApiError(401, `Invalid token header. ${detail}`, BASIC_CHALLENGE),
  oauthRequired: () => new ApiError(401, 'This integration requires OAuth2 authentication.', BASIC_CHALLENGE),
  permissionDenied: () => new ApiError(403, 'You do not have permission to perform this action.'),
  methodNotAllowed: (method: string) => new ApiError(405, `Method "${method}" not allowed.`),
  throttled: (retryAfterSeconds: number) =>
    new ApiError(429, 'Request was throttled.', { 'retry-after': String(retryAfterSeconds) }, true),
  integrationNotFound: () => new ApiError(404, 'No Integration matches the given query.'),
  shipmentNotFound: () => new ApiError(404, 'No ShipmentBlob matches the given query.'),
  invalidCursor: () => new ApiError(404, 'Invalid cursor'),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(415, `Unsupported media type "${contentType}" in request.`),
  bodyTooLarge: (limitBytes: number) =>
    new ApiError(413, `Request body is larger than the limit of ${limitBytes} bytes.`),
  parseError: (detail: string) => new ApiError(400, `JSON parse error - ${detail}`),
  badRequest: (message: string) => new ApiError(400, message),
  internal: () => new ApiError(500, 'A server error occurred.'),
  unavailable: () => new ApiError(503, 'The server is shutting down; try again.'),
  /** The database cannot serve the request now; nothing was acknowledged, so a retry is safe. */
  databaseUnavailable: (retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS) =>
    new ApiError(503, 'The database is unavailable; try again later.', {
      'retry-after': String(retryAfterSeconds),
    }),
  /** The bodies being read at once have used the memory set aside for them; a retry soon is safe. */
  bodiesBusy: () =>
    new ApiError(503, 'The server is busy reading other requests; try again shortly.', {
      'retry-after': '1',
    }),
} as const;

/** The token endpoint's errors use OAuth2's own shape, `{error, error_description, status_code}`. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code:
      | 'invalid_client'
      | 'invalid_request'
      | 'unsupported_grant_type'
      | 'invalid_scope'
      | 'temporarily_unavailable'
      | 'server_error',
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errors } from '../../domain/errors.js';
import { v3Errors } from '../../domain/v3/common-errors.js';
import { V3Error } from '../../domain/v3/errors.js';
import type { Store } from '../../storage/store.js';
import { fromFastifyError } from '../fastify-errors.js';

/**
 * The v3 surface's one renderer: every failure under `/api/v3` leaves as JSON:API
 * `{"errors": [{status, code, title, detail, source?}]}` (the reference's `errors` schema). A V3Error is
 * written as it is; an ApiError of the shared pipeline (authentication, throttling, body limits, media
 * types, shutdown, an unavailable database, injected faults) keeps its status, headers and DRF text as
 * `detail`, with a code and title by status (docs/behaviour.md, "v3").
 */
const BY_STATUS: Record<number, { code: string; title: string }> = {
  400: { code: 'invalid', title: 'Invalid' },
  401: { code: 'authentication_failed', title: 'Unauthorized' },
  403: { code: 'permission_denied', title: 'Permission denied' },
  404: { code: 'not_found', title: 'Not found' },
  405: { code: 'method_not_allowed', title: 'Method not allowed' },
  408: { code: 'request_timeout', title: 'Request timeout' },
  409: { code: 'conflict', title: 'Conflict' },
  413: { code: 'payload_too_large', title: 'Payload too large' },
  415: { code: 'unsupported_media_type', title: 'Unsupported media type' },
  429: { code: 'throttled', title: 'Too many requests' },
  500: { code: 'server_error', title: 'Server error' },
  503: { code: 'service_unavailable', title: 'Service unavailable' },
};

/** An ApiError of the shared pipeline, as a V3Error with the same status, headers and text. */
export function fromApiError(error: ApiError): V3Error {
  // The shared service's "no such integration" (a delete that lost a race): v3's documented text.
  if (error.status === 404 && error.message === errors.integrationNotFound().message) {
    return v3Errors.integrationNotFound();
  }
  const known = BY_STATUS[error.status] ?? {
    code: error.status >= 500 ? 'server_error' : 'invalid',
    title: error.status >= 500 ? 'Server error' : 'Invalid',
  };
  let { code } = known;
  let detail = error.message;
  if (error.status === 401 && detail === errors.notAuthenticated().message) code = 'not_authenticated';
  if (error.status === 400 && detail.startsWith('JSON parse error')) code = 'parse_error';
  if (error.status === 429) {
    // DRF's Throttled detail, which v2's empty 429 body cannot carry; v3 has a body for every error.
    const wait = error.headers['retry-after'];
    detail = `Request was throttled. Expected available in ${wait ?? '1'} second${wait === '1' ? '' : 's'}.`;
  }
  return new V3Error(error.status, [{ status: String(error.status), code, title: known.title, detail }], {
    ...error.headers,
  });
}

export function sendV3Error(reply: FastifyReply, error: V3Error): FastifyReply {
  reply.code(error.status);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.type('application/json; charset=utf-8').send({ errors: error.errors });
}

/** Any thrown value as the V3Error to answer; internal details go to the log, never to the client. */
export function toV3Error(
  error: unknown,
  request: FastifyRequest,
  bodyLimit: number,
  store: Pick<Store, 'unavailableReason'>,
): V3Error {
  if (error instanceof V3Error) return error;
  if (error instanceof ApiError) return fromApiError(error);
  const fastifyError = error as FastifyError;
  const shared = fromFastifyError(fastifyError, request, bodyLimit);
  if (shared !== null) return fromApiError(shared);
  const reason = store.unavailableReason(error);
  if (reason !== null) {
    request.log.warn({ reason }, 'database unavailable');
    return fromApiError(errors.databaseUnavailable());
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Another client error Fastify met before a handler ran: its status, a plain text.
    return fromApiError(new ApiError(status, 'Bad request.'));
  }
  request.log.error({ err: error }, 'unhandled error');
  return fromApiError(errors.internal());
}

export function installV3Errors(
  app: FastifyInstance,
  bodyLimit: number,
  store: Pick<Store, 'unavailableReason'>,
): void {
  app.setErrorHandler((error, request, reply) =>
    sendV3Error(reply, toV3Error(error, request, bodyLimit, store)),
  );
  app.setNotFoundHandler((_request, reply) => sendV3Error(reply, v3Errors.notFound()));
}

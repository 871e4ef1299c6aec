import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError, adminErrors } from '../../domain/admin/errors.js';
import { ApiError, errors } from '../../domain/errors.js';
import type { Store } from '../../storage/store.js';

/** Codes for the shared errors (body parsing, shutdown, database) that the admin surface also meets. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  503: 'unavailable',
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: { additionalProperty?: string };
}

/** A schema failure as one precise sentence naming the JSON pointer, e.g. `/integrations/0/id must be integer`. */
function validationMessage(error: FastifyError): string {
  const issue = (error.validation?.[0] ?? {}) as ValidationIssue;
  const where = `${error.validationContext ?? 'body'}${issue.instancePath ?? ''}`;
  const extra = issue.params?.additionalProperty;
  return `${where} ${issue.message ?? 'is invalid'}${extra === undefined ? '' : ` ("${extra}")`}.`;
}

function toAdminError(error: FastifyError, request: FastifyRequest, store: Pick<Store, 'unavailableReason'>) {
  if (error instanceof AdminError) return error;
  if (error.validation !== undefined) return adminErrors.invalidRequest(validationMessage(error));
  if (error instanceof ApiError) {
    const code = CODE_BY_STATUS[error.status] ?? 'internal';
    return new AdminError(error.status, code, error.message, { ...error.headers });
  }
  const reason = store.unavailableReason(error);
  if (reason !== null) {
    request.log.warn({ reason }, 'database unavailable');
    const unavailable = errors.databaseUnavailable();
    return new AdminError(503, 'database_unavailable', unavailable.message, { ...unavailable.headers });
  }
  // Fastify's own client errors (a body too large, a media type it cannot parse). The JSON body's
  // catch-all parser refuses other media types with Fastify's code but without a status.
  const status = error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : (error.statusCode ?? 500);
  if (status >= 400 && status < 500) {
    return new AdminError(status, CODE_BY_STATUS[status] ?? 'invalid_request', error.message);
  }
  request.log.error({ err: error }, 'unhandled admin error');
  return new AdminError(500, 'internal', 'A server error occurred.');
}

export function sendAdminError(reply: FastifyReply, error: AdminError): FastifyReply {
  reply.code(error.status);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.type('application/json').send({ error: { code: error.code, message: error.message } });
}

/** The admin surface's one renderer: every failure under `/__admin` leaves as `{"error": {"code", "message"}}`. */
export function installAdminErrors(admin: FastifyInstance, store: Pick<Store, 'unavailableReason'>): void {
  admin.setErrorHandler((error: FastifyError, request, reply) =>
    sendAdminError(reply, toAdminError(error, request, store)),
  );
  admin.setNotFoundHandler((_request, reply) => sendAdminError(reply, adminErrors.notFound()));
}

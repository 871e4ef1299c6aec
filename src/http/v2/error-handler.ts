import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errors } from '../../domain/errors.js';
import { fromFastifyError } from '../fastify-errors.js';
import type { Store } from '../../storage/store.js';
import { requestPath } from '../request-path.js';

export function sendError(reply: FastifyReply, request: FastifyRequest, error: ApiError): FastifyReply {
  reply.code(error.status);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.emptyBody) return reply.send();
  return reply.type('application/json').send({
    error: { code: error.status, request: requestPath(request), message: error.message },
  });
}

/** The one place that renders errors: every failure leaves as Sendcloud's JSON envelope. */
export function installErrorHandling(
  app: FastifyInstance,
  bodyLimit: number,
  store: Pick<Store, 'unavailableReason'>,
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let apiError = error instanceof ApiError ? error : fromFastifyError(error, request, bodyLimit);
    if (apiError === null) {
      // The database cannot serve now: a 503 the client may retry, never a 500 (nothing was applied
      // that was acknowledged). The reason goes to the log.
      const reason = store.unavailableReason(error);
      if (reason !== null) {
        request.log.warn({ reason }, 'database unavailable');
        apiError = errors.databaseUnavailable();
      }
    }
    if (apiError === null) {
      // No stack trace or internal detail leaves the server; it goes to the log instead.
      request.log.error({ err: error }, 'unhandled error');
      apiError = errors.internal();
    }
    return sendError(reply, request, apiError);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, request, errors.notFound()));
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request header fields too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request timeout.'],
};

/**
 * Node's HTTP parser rejected the request (headers too large, too slow, malformed) before any route
 * ran: answer in the envelope, with no path to name, and close the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad request.'];
  const body = JSON.stringify({ error: { code: status, request: '', message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

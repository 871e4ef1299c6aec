import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, DATABASE_RETRY_AFTER_SECONDS, OAuthError } from '../../../../domain/errors.js';
import { sendError } from '../../error-handler.js';
import type { AppDeps } from '../../../deps.js';
import { routeSchemas } from '../../schemas/index.js';

const FORM = 'application/x-www-form-urlencoded';
/** Marks a body of another media type, so the handler can answer OAuth2's invalid_request. */
const WRONG_MEDIA_TYPE = Symbol('wrong media type');

function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  if (error.status === 401) reply.header('www-authenticate', 'Basic realm="api"');
  if (error.status === 503) reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
  return reply
    .code(error.status)
    .header('cache-control', 'no-store')
    .send({ error: error.code, error_description: error.description, status_code: error.status });
}

/**
 * POST /oauth2/token at the server root — Sendcloud serves it on another host, clients change only the
 * host (docs/behaviour.md). Form-encoded; every error in OAuth2's shape, never the API envelope.
 */
export async function oauth2Routes(
  app: FastifyInstance,
  deps: AppDeps & { tokens: NonNullable<AppDeps['tokens']> },
) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) =>
    done(null, new URLSearchParams(body as string)),
  );
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, WRONG_MEDIA_TYPE));
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof OAuthError) return sendOAuthError(reply, error);
    // The server's own refusals (503 while closing) in the API's rendering.
    if (error instanceof ApiError) return sendError(reply, request, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return sendOAuthError(reply, new OAuthError(400, 'invalid_request', 'The request is malformed.'));
    }
    // The database cannot serve now: RFC 6749's `temporarily_unavailable` (§4.1.2.1, the one OAuth2
    // error code for it) in the endpoint's own shape, with the API's 503 and Retry-After. No token was
    // issued, so the client may simply try again.
    const reason = deps.store.unavailableReason(error);
    if (reason !== null) {
      request.log.warn({ reason }, 'database unavailable');
      return sendOAuthError(
        reply,
        new OAuthError(503, 'temporarily_unavailable', 'The database is unavailable; try again later.'),
      );
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(500)
      .send({ error: 'server_error', error_description: 'A server error occurred.', status_code: 500 });
  });

  app.post(
    '/oauth2/token',
    { config: { operation: 'oauth2_token' }, schema: routeSchemas.oauth2_token },
    async (request, reply) => {
      if (request.body === WRONG_MEDIA_TYPE || !(request.body instanceof URLSearchParams)) {
        throw new OAuthError(400, 'invalid_request', `The request body must be ${FORM}.`);
      }
      const answer = await deps.tokens.issue(request.body, request.headers.authorization);
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(answer);
    },
  );
}

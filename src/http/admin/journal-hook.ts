/**
 * Records the Sendcloud surface's traffic in the journal. Installed only while the admin API is on, on
 * the main app before any route registers: `onRoute` marks the routes to record (`/api/v2` and
 * `/oauth2/token`, not the documentation, not the operational endpoints, not `/__admin`) and lists the
 * real operations; `onSend` records each answer before its bytes leave, so an entry is readable as soon
 * as the client has its answer.
 */
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Clock } from '../../domain/clock.js';
import { Journal, nearMisses, redactHeaders, redactQuery } from '../../domain/admin/journal.js';
import { DOCS_PATH, OPENAPI_PATH } from '../openapi.js';
import { V3_OPENAPI_PATH } from '../v3/openapi.js';
import { operationOf } from '../ops.js';
import { integrationIdInPath, rawQuery, requestPath } from '../request-path.js';
import { ADMIN_PREFIX } from './index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's requests and answers go into the journal. */
    journal?: boolean;
  }
  interface FastifyRequest {
    /** The first bytes of the request body as read, and how many there were. */
    journalBody: { chunks: Buffer[]; kept: number; total: number } | null;
  }
  interface FastifyInstance {
    /** The request journal, when the admin API is on; null otherwise. */
    journal: Journal | null;
  }
}

export const TEST_ID_HEADER = 'x-order-inbox-test';
const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

const journaled = (url: string): boolean =>
  url === '/oauth2/token' ||
  (url.startsWith('/api/v2/') && url !== OPENAPI_PATH && !url.startsWith(DOCS_PATH)) ||
  (url.startsWith('/api/v3/') && url !== V3_OPENAPI_PATH);

/** Keeps the first `limit` bytes of the body on the request while the parser reads it. */
function captureBody(limit: number) {
  return (
    request: FastifyRequest,
    _reply: unknown,
    payload: NodeJS.ReadableStream,
    done: (error: Error | null, stream?: NodeJS.ReadableStream) => void,
  ): void => {
    const capture = { chunks: [] as Buffer[], kept: 0, total: 0 };
    request.journalBody = capture;
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        if (capture.kept < limit) {
          const part = chunk.subarray(0, limit - capture.kept);
          capture.chunks.push(part);
          capture.kept += part.length;
        }
        capture.total += chunk.length;
        next(null, chunk);
      },
    });
    // `pipe`, not `pipeline`: the same flow without an abort signal per request; a failing source
    // fails the stream the parser reads.
    payload.once('error', (error) => tee.destroy(error));
    done(null, payload.pipe(tee));
  };
}

function asHookList<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

const openApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');

function payloadText(payload: unknown): string {
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return payload === null || payload === undefined ? '' : '[stream]';
}

export function installJournal(app: FastifyInstance, journal: Journal, clock: Clock): void {
  app.decorateRequest('journalBody', null);
  const capture = captureBody(journal.bounds.bodyLimitBytes);

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!journaled(route.url)) return;
    route.config = { ...route.config, journal: true };
    const methods = asHookList(route.method);
    if (methods.some((m) => BODY_METHODS.has(m))) {
      route.preParsing = [capture as never, ...asHookList(route.preParsing)];
    }
    const operation = route.config.operation;
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
    // v3's operations are hidden from v2's generated document (v3 has its own) but are the API's.
    if (operation === undefined || (schema?.hide === true && route.config.catalogue !== true)) return;
    const statuses = Object.keys(schema?.response ?? {})
      .filter((key) => /^[1-5][0-9]{2}$/.test(key))
      .map(Number)
      .sort((a, b) => a - b);
    for (const method of methods) {
      if (method === 'HEAD') continue;
      journal.addRoute({ operation, method, path: openApiPath(route.url), statuses });
    }
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const config = request.routeOptions.config;
    const unknownPath = request.routeOptions.url === undefined;
    if (config.journal !== true && !unknownPath) return done(null, payload);
    const path = `/${requestPath(request)}`;
    if (unknownPath && (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`))) {
      return done(null, payload);
    }
    const operation = operationOf(request);
    const body = request.journalBody;
    const testId = request.headers[TEST_ID_HEADER];
    const durationMs = Math.round(reply.elapsedTime * 100) / 100;
    journal.record({
      atUs: clock.nowUs() - Math.round(reply.elapsedTime * 1000),
      method: request.method,
      path,
      query: redactQuery(rawQuery(request)),
      operation,
      accountId: request.principal?.accountId ?? null,
      integrationId: request.integration?.id ?? integrationIdInPath(request),
      testId: typeof testId === 'string' ? testId : null,
      status: reply.statusCode,
      durationMs,
      request: {
        headers: redactHeaders(request.headers),
        body: body === null ? '' : Buffer.concat(body.chunks).toString('utf8'),
        total: body?.total,
        contentType: request.headers['content-type'],
      },
      response: {
        headers: redactHeaders(reply.getHeaders()),
        body: payloadText(payload),
        contentType: reply.getHeader('content-type') as string | undefined,
      },
      nearMisses:
        operation === 'not_found' || operation === 'method_not_allowed'
          ? nearMisses(journal.catalogue, request.method, path)
          : null,
    });
    done(null, payload);
  });
}

import type { FastifyInstance } from 'fastify';
import { parseJson } from '../domain/drf/json.js';
import { errors } from '../domain/errors.js';

// `ignoreBOM`: Python's json refuses a leading byte order mark (DRF decodes as plain utf-8), so it must
// reach the parser and fail there rather than be dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * DRF's JSONParser, and no other parser: other media types answer 415. Numbers are read as Python reads
 * them (drf/json.ts); invalid UTF-8 and invalid JSON are `JSON parse error - …`.
 *
 * DRF parses no empty stream: a request without a body, or with an empty one whatever its
 * `Content-Type`, reads as `{}` (docs/behaviour.md). A body without a `Content-Type` is 415 with `""`, as DRF
 * finds no parser for the empty media type.
 */
export function installJsonBody(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => {
    const buffer = body as Buffer;
    if (buffer.length === 0) return done(null, {});
    let text: string;
    try {
      text = utf8.decode(buffer);
    } catch {
      return done(errors.parseError("'utf-8' codec can't decode the request body"), undefined);
    }
    try {
      return done(null, parseJson(text));
    } catch (error) {
      return done(errors.parseError((error as Error).message), undefined);
    }
  });
  // Every other media type (and none): `{}` when there is nothing to read, otherwise 415 unread.
  app.addContentTypeParser('*', (request, _payload, done) => {
    if (request.headers['content-length'] === '0') return done(null, {});
    return done(errors.unsupportedMediaType(String(request.headers['content-type'] ?? '')), undefined);
  });
  // Fastify runs no parser for a body-less request without `Content-Type`; DRF's `request.data` is `{}`.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && BODY_METHODS.has(request.method)) request.body = {};
  });
}

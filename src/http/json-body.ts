import type { FastifyInstance } from 'fastify';
import { errors } from '../domain/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * DRF's JSONParser, and no other parser: other media types answer 415. An empty body reads as `{}`
 * (CONTRACT §2); invalid UTF-8 and invalid JSON are `JSON parse error - …`.
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
      // JSON.parse keeps `__proto__` as an own property; nothing downstream merges untrusted objects.
      return done(null, JSON.parse(text));
    } catch (error) {
      return done(errors.parseError((error as Error).message), undefined);
    }
  });
}

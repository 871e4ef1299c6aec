/**
 * The web panel at `/panel`: the front-end built from `panel/` into `dist/panel` (by `npm run build`),
 * served as static files. The page talks to the public APIs and the admin API of the origin it came
 * from, with the credentials a person typed in, and nothing else: no route here reads the store.
 *
 * It is its own encapsulated plugin, so its headers and file serving touch no API route. Assets have
 * content-hashed names and are cached for a year; the page itself is revalidated on every load, so a
 * new build is picked up at once. Every answer carries a strict Content-Security-Policy: only this
 * origin's scripts, styles and API calls, no inline script or style, no frames, no plugins.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const PANEL_PREFIX = '/panel';

/** `dist/panel`, from `src/http` under tsx and from `dist/http` once built. */
export const PANEL_ROOT = fileURLToPath(new URL('../../dist/panel/', import.meta.url));

export const PANEL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET_CACHE = 'public, max-age=31536000, immutable';
const PAGE_CACHE = 'no-cache';

export interface PanelOptions {
  /**
   * The app that serves `/api/v2` and `/api/v3`, when the panel is mounted on another one (the
   * operations port): the page's API calls are handed to it in-process, so the page stays on one origin.
   */
  api?: FastifyInstance;
  root?: string;
}

export async function registerPanel(target: FastifyInstance, options: PanelOptions = {}): Promise<void> {
  const root = options.root ?? PANEL_ROOT;
  await target.register(async (panel) => {
    panel.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', PANEL_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cross-origin-opener-policy', 'same-origin');
    });
    const built = existsSync(`${root}index.html`) || existsSync(`${root}/index.html`);
    const sendIndex = async (_request: unknown, reply: import('fastify').FastifyReply) => {
      if (!built) {
        return reply
          .code(503)
          .header('cache-control', 'no-store')
          .type('text/plain; charset=utf-8')
          .send('The panel has not been built: run `npm run build`.\n');
      }
      return reply.header('cache-control', PAGE_CACHE).sendFile('index.html', root);
    };
    const quiet = { schema: { hide: true }, config: { operation: 'panel', quietAccessLog: true } };
    await panel.register(fastifyStatic, {
      root,
      prefix: `${PANEL_PREFIX}/`,
      index: false,
      // The page itself is the two routes below; the wildcard serves the hashed assets.
      cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader('cache-control', path.includes('/assets/') ? ASSET_CACHE : PAGE_CACHE);
      },
      schemaHide: true,
      wildcard: true,
    });
    panel.get(PANEL_PREFIX, quiet, sendIndex);
  });
  if (options.api !== undefined) {
    const api = options.api;
    // Only what the page calls, on the operations port: the same requests, answered by the API app.
    await target.register(async (forward) => {
      forward.removeAllContentTypeParsers();
      forward.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      const handler = async (
        request: import('fastify').FastifyRequest,
        reply: import('fastify').FastifyReply,
      ) => {
        const answer = await api.inject({
          method: request.method as 'GET',
          url: request.url,
          headers: request.headers,
          payload: (request.body as Buffer | undefined) ?? undefined,
          remoteAddress: request.ip,
        });
        const headers = { ...answer.headers };
        delete headers['content-length'];
        delete headers['transfer-encoding'];
        delete headers.connection;
        return reply.code(answer.statusCode).headers(headers).send(answer.rawPayload);
      };
      for (const prefix of ['/api/v2', '/api/v3']) {
        forward.all(prefix, { schema: { hide: true } }, handler);
        forward.all(`${prefix}/*`, { schema: { hide: true } }, handler);
      }
    });
  }
}

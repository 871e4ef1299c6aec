import type { FastifyInstance } from 'fastify';
import { DOCS_PATH, OPENAPI_PATH } from './openapi.js';

const API_PATH = '/api/v2';

/**
 * `GET /`: order-inbox's own, not Sendcloud's (hidden from the OpenAPI document). It tells a person
 * who opens the server's address where the API and its documentation are: a page for a browser, JSON
 * for anything that does not ask for HTML. With `OPS_PORT` the documentation is on the operations
 * port, and this page says so instead of linking to it.
 */
export function rootRoute(app: FastifyInstance, options: { docsHere: boolean }): void {
  const json = {
    name: 'order-inbox',
    api: API_PATH,
    token: '/oauth2/token',
    documentation: options.docsHere ? DOCS_PATH : null,
    openapi: options.docsHere ? OPENAPI_PATH : null,
  };
  const docs = options.docsHere
    ? `<li><a href="${DOCS_PATH}">Documentation</a> — every operation, with examples to try</li>
<li><a href="${OPENAPI_PATH}">OpenAPI document</a> (JSON)</li>`
    : '<li>The documentation is served on the operations port (<code>OPS_PORT</code>).</li>';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>order-inbox</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
<h1>order-inbox</h1>
<p>Sendcloud's Integrations API v2, self-hosted.</p>
<ul>
<li>The API: <code>${API_PATH}</code> (HTTP Basic with an API key pair, or a Bearer token from <code>POST /oauth2/token</code>)</li>
${docs}
</ul>
</body></html>
`;
  app.get('/', { schema: { hide: true }, config: { operation: 'root' } }, async (request, reply) => {
    reply.header('vary', 'accept');
    if ((request.headers.accept ?? '').includes('text/html')) {
      return reply.type('text/html; charset=utf-8').send(html);
    }
    return reply.send(json);
  });
}

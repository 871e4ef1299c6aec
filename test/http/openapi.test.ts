import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { findPath, validateResponse } from '../helpers/openapi-validator.js';
import { reference, responseExample } from '../helpers/reference.js';
import type { Json } from '../helpers/reference.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every (path, method, status) of a document's operations; `base` is prefixed to each path. */
function operations(doc: Json, base = ''): { path: string; method: string; statuses: string[] }[] {
  return Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({
      path: `${base}${path}`,
      method,
      statuses: Object.keys(item[method].responses ?? {}),
    })),
  );
}

// The document does not depend on the storage engine: one server is enough.
describe('the OpenAPI document and the documentation page', () => {
  let srv: TestServer;
  let doc: Json;
  before(async () => {
    srv = await startTestServer();
    // No credentials: the document is public, as Sendcloud's is.
    const answer = await fetch(`${srv.url}/api/v2/openapi.json`);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
    doc = await answer.json();
  });
  after(() => srv.close());

  test('is OpenAPI 3.1 with the package as its info, served from the root', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.version, PACKAGE.version);
    assert.match(doc.info.title, /order-inbox/);
    assert.deepEqual(doc.servers, [{ url: '/' }]);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), [
      'HTTPBasicAuth',
      'OAuth2ClientCreds',
    ]);
    assert.equal(doc.components.securitySchemes.HTTPBasicAuth.scheme, 'basic');
    assert.equal(
      doc.components.securitySchemes.OAuth2ClientCreds.flows.clientCredentials.tokenUrl,
      '/oauth2/token',
    );
  });

  test("every path, method and status of Sendcloud's reference exists in ours, with its operationId", () => {
    const ref = reference();
    // The reference's paths are relative to its server `…/api/v2`.
    const base = new URL(ref.servers[0].url).pathname.replace(/\/$/, '');
    assert.equal(base, '/api/v2');
    const expected = operations(ref, base);
    assert.ok(expected.length >= 11, 'the reference lists the eleven /api/v2 operations');
    const missing: string[] = [];
    for (const { path, method, statuses } of expected) {
      const ours = doc.paths[path]?.[method];
      if (!ours) {
        missing.push(`${method.toUpperCase()} ${path}`);
        continue;
      }
      assert.equal(ours.operationId, ref.paths[path.slice(base.length)][method].operationId, path);
      for (const status of statuses) {
        if (!ours.responses[status]) missing.push(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test('the token endpoint (on another host at Sendcloud) is ours at /oauth2/token', () => {
    const tokenUrl = new URL(
      reference().components.securitySchemes.OAuth2ClientCreds.flows.clientCredentials.tokenUrl,
    );
    assert.equal(tokenUrl.pathname.replace(/\/$/, ''), '/oauth2/token');
    const token = doc.paths['/oauth2/token']?.post;
    assert.ok(token, 'POST /oauth2/token is documented');
    assert.deepEqual(Object.keys(token.responses).sort(), ['200', '400', '401', '503']);
    assert.ok(token.requestBody.content['application/x-www-form-urlencoded'], 'form-encoded body');
    assert.equal(
      token.responses['400'].content['application/json'].schema.$ref,
      '#/components/schemas/OAuth2Error',
    );
  });

  test('every API operation declares security and every error it can give, 429 without a body', () => {
    for (const { path, method, statuses } of operations(doc)) {
      if (!path.startsWith('/api/v2/')) continue;
      const operation = doc.paths[path][method];
      const name = `${method.toUpperCase()} ${path}`;
      assert.deepEqual(operation.security, [{ HTTPBasicAuth: [] }, { OAuth2ClientCreds: ['api'] }], name);
      assert.ok(operation.tags?.length, name);
      for (const status of ['401', '404', '405', '429'])
        assert.ok(statuses.includes(status), `${name} ${status}`);
      if (operation.requestBody) {
        for (const status of ['400', '413', '415']) assert.ok(statuses.includes(status), `${name} ${status}`);
      }
      const throttled = operation.responses['429'];
      assert.equal(throttled.content, undefined, `${name}: 429 has no content`);
      assert.ok(throttled.headers['Retry-After'], `${name}: 429 has Retry-After`);
      assert.equal(
        operation.responses['404'].content['application/json'].schema.$ref,
        '#/components/schemas/ErrorEnvelope',
        name,
      );
    }
    const upsert = doc.paths['/api/v2/integrations/{id}/shipments'].post;
    assert.ok(upsert.responses['403'], 'only partners may upsert');
    assert.equal(
      doc.paths['/api/v2/integrations/{id}/shipments/delete'].post.responses['204'].content,
      undefined,
    );
  });

  test('internal routes stay out: no OPTIONS, HEAD, health, metrics or documentation routes', () => {
    const listed = operations(doc).map((o) => `${o.method.toUpperCase()} ${o.path}`);
    assert.equal(listed.length, 12, listed.join('\n'));
    assert.ok(!listed.some((l) => /^(OPTIONS|HEAD) /.test(l)), listed.join('\n'));
    assert.ok(!listed.some((l) => /healthz|readyz|metrics|openapi|docs/.test(l)), listed.join('\n'));
  });

  test("the reference's documented answers fit our schemas", () => {
    const path = '/integrations/{id}';
    const cases: [string, string, number, Json][] = [
      [
        'GET',
        '/api/v2/integrations',
        200,
        responseExample('/integrations', 'get', '200', 'RetrieveIntegrationList'),
      ],
      ['GET', '/api/v2/integrations/123', 200, responseExample(path, 'get', '200', 'RetrieveIntegration')],
      ['PUT', '/api/v2/integrations/123', 200, responseExample(path, 'put', '200', 'UpdateIntegration')],
      ['GET', '/api/v2/integrations/123', 404, responseExample(path, 'get', '404', 'NotFound')],
      ['PATCH', '/api/v2/integrations/123', 400, responseExample(path, 'patch', '400', 'WrongFieldValue')],
      [
        'POST',
        '/api/v2/integrations/1/shipments/delete',
        400,
        responseExample('/integrations/{id}/shipments/delete', 'post', '400', 'invalid_uuid'),
      ],
      [
        'POST',
        '/api/v2/integrations/1/shipments',
        200,
        responseExample('/integrations/{id}/shipments', 'post', '200', 'CreateUpdateShipments'),
      ],
      [
        'GET',
        '/api/v2/integrations/1/shipments',
        404,
        responseExample('/integrations/{id}/shipments', 'get', '404', 'ShipmentNotFound'),
      ],
    ];
    for (const [method, url, status, body] of cases) validateResponse(doc, method, url, status, body);
  });

  test('the validator finds operations by template and refuses what the document does not say', () => {
    assert.equal(findPath(doc, '/api/v2/integrations/logs/'), '/api/v2/integrations/logs');
    assert.equal(findPath(doc, '/api/v2/integrations/7/logs'), '/api/v2/integrations/{id}/logs');
    const integration = responseExample('/integrations/{id}', 'get', '200', 'RetrieveIntegration');
    assert.throws(
      () => validateResponse(doc, 'GET', '/api/v2/integrations/1', 200, { ...integration, id: '123' }),
      /OpenAPI mismatch: GET \/api\/v2\/integrations\/1 → 200: .*\/id must be integer/,
    );
    assert.throws(
      () => validateResponse(doc, 'GET', '/api/v2/integrations/1', 200, { ...integration, secret: 'x' }),
      /must NOT have additional properties/,
    );
    assert.throws(
      () => validateResponse(doc, 'GET', '/api/v2/integrations/1', 418, integration),
      /status not documented for sc-public-v2-orders-get-retrieve_an_integration/,
    );
    assert.throws(
      () => validateResponse(doc, 'DELETE', '/api/v2/integrations/1', 204, undefined, { text: '{}' }),
      /no content/,
    );
    assert.throws(
      () =>
        validateResponse(doc, 'GET', '/api/v2/integrations/1', 429, undefined, {
          text: '',
          headers: new Headers(),
        }),
      /header Retry-After is documented but absent/,
    );
    assert.throws(
      () => validateResponse(doc, 'GET', '/api/v2/nothing', 404, { detail: 'Not found.' }),
      /ErrorEnvelope/,
    );
    // Another method on a documented path is checked against that path's 405.
    const notAllowed = {
      error: { code: 405, request: 'api/v2/integrations', message: 'Method "POST" not allowed.' },
    };
    validateResponse(doc, 'POST', '/api/v2/integrations', 405, notAllowed);
  });

  test('the documentation page is HTML with its assets served from the package, not a CDN', async () => {
    const page = await fetch(`${srv.url}/api/v2/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /swagger-ui/);
    assert.doesNotMatch(html, /(src|href)="https?:\/\//);
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] as string);
    assert.ok(scripts.length > 0, 'the page loads scripts');
    for (const script of scripts) {
      const asset = await fetch(new URL(script, `${srv.url}/api/v2/docs/`));
      assert.equal(asset.status, 200, script);
      assert.match(asset.headers.get('content-type') ?? '', /javascript/, script);
    }
    // The page's own copy of the document is the same document.
    const json = await fetch(`${srv.url}/api/v2/docs/json`);
    assert.deepEqual(await json.json(), doc);
  });
});

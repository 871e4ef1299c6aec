import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { referenceDocument } from '../helpers/reference.js';
import type { Json } from '../helpers/reference.js';

/**
 * The served v3 document: a second document beside v2's, on the same documentation page, naming every
 * v3 operation of the reference this server implements, with the reference's security; and v2's
 * document does not absorb the v3 routes.
 */
describe('the v3 OpenAPI document', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  test('served without credentials at /api/v3/openapi.json, with the reference paths and security this server implements', async () => {
    const answer = await call(`${srv.url}/api/v3/openapi.json`);
    assert.equal(answer.status, 200);
    const doc: Json = answer.body;
    assert.equal(doc.openapi, '3.1.0');
    const reference = referenceDocument('sendcloud-v3-orders');
    const served = Object.entries<Json>(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const documented = Object.entries<Json>(reference.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'parameters')
        .map((m) => `${m.toUpperCase()} /api/v3${path}`),
    );
    const ours = documented.filter((op) => !op.includes('/orders'));
    for (const op of ours) assert.ok(served.includes(op), `${op} is in the served document`);
    for (const op of served) assert.ok(documented.includes(op), `${op} is one of the reference's`);
    for (const [path, ops] of Object.entries<Json>(doc.paths)) {
      for (const [method, op] of Object.entries<Json>(ops)) {
        const ref = reference.paths[path.replace('/api/v3', '')][method];
        const schemes = (s: Json[]) => s.map((x) => Object.keys(x)[0]).sort();
        // The reference's OAuth2ClientCreds and our scheme name agree; its Basic-only operations stay Basic only.
        assert.deepEqual(schemes(op.security), schemes(ref.security), `${method} ${path}`);
        for (const status of Object.keys(ref.responses))
          assert.ok(op.responses[status], `${method} ${path} ${status}`);
        assert.ok(op.responses['401'] && op.responses['405'], `${method} ${path} documents 401 and 405`);
      }
    }
  });

  test("v2's document keeps v2 alone; the documentation page offers both", async () => {
    const v2 = (await call(`${srv.url}/api/v2/openapi.json`)).body;
    assert.equal(
      Object.keys(v2.paths).some((p) => p.startsWith('/api/v3')),
      false,
    );
    const init = await (await fetch(`${srv.url}/api/v2/docs/static/swagger-initializer.js`)).text();
    assert.match(init, /"url":"\/api\/v2\/openapi\.json","name":"Sendcloud API v2"/);
    assert.match(init, /"url":"\/api\/v3\/openapi\.json","name":"Sendcloud API v3"/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ENGINES,
  basicHeader,
  call,
  engineSkip,
  envelope,
  minimalOrder,
  startTestServer,
} from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

for (const engine of ENGINES) {
  describe(
    `errors, the order of checks and authentication [${engine}]`,
    { skip: await engineSkip(engine) },
    () => {
      let srv: TestServer;
      before(async () => {
        srv = await startTestServer({ bodyLimitBytes: 64 * 1024 }, engine);
      });
      after(() => srv.close());

      const challenge = 'Basic realm="api"';

      test('unknown paths and bad ids are 404 Not found. before authentication', async () => {
        for (const path of [
          'api/v2/nothing',
          'api/v2/integrations/abc/shipments',
          'api/v2/integrations/-1/shipments',
          'api/v2/integrations/1.5/shipments/delete',
          'api/v2/integrations/99999999999999999999999/shipments',
          'api/v2/integrations/9007199254740993/shipments',
          // /api/v3 is a surface of its own now (test/v3); another version is still no path.
          'api/v4/integrations',
        ]) {
          const answer = await call(`${srv.url}/${path}`);
          assert.equal(answer.status, 404, path);
          assert.deepEqual(answer.body, envelope(404, path, 'Not found.'));
        }
      });

      test('401 texts, each with WWW-Authenticate and the JSON envelope', async () => {
        const t = await srv.tenant();
        const path = `api/v2/integrations/${t.integrationId}/shipments`;
        const cases: [string | undefined, string][] = [
          [undefined, 'Authentication credentials were not provided.'],
          ['Token abc', 'Authentication credentials were not provided.'],
          ['Basic', 'Invalid basic header. No credentials provided.'],
          ['Basic abc def', 'Invalid basic header. Credentials string should not contain spaces.'],
          ['Basic abcde', 'Invalid basic header. Credentials not correctly base64 encoded.'],
          [basicHeader(t.publicKey, 'wrong'), 'Invalid username/password.'],
          [basicHeader('unknown', t.secretKey), 'Invalid username/password.'],
          [basicHeader(t.publicKey, ''), 'Invalid username/password.'],
          [`Basic ${Buffer.from(t.publicKey).toString('base64')}`, 'Invalid username/password.'],
        ];
        for (const [auth, message] of cases) {
          const answer = await call(`${srv.url}/${path}`, { auth });
          assert.equal(answer.status, 401, String(auth));
          assert.equal(answer.headers.get('www-authenticate'), challenge);
          assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
          assert.deepEqual(answer.body, envelope(401, path, message), String(auth));
        }
        // The scheme is case-insensitive, as in DRF.
        const lower = await call(`${srv.url}/${path}`, { auth: t.basic.replace('Basic', 'basic') });
        assert.equal(lower.status, 200);
      });

      test('a revoked credential is refused on the very next request', async () => {
        const t = await srv.tenant();
        const url = `${srv.url}/api/v2/integrations/${t.integrationId}/shipments`;
        assert.equal((await call(url, { auth: t.basic })).status, 200);
        assert.equal(await srv.server.store.revokeCredential(t.publicKey, Date.now() * 1000), true);
        const answer = await call(url, { auth: t.basic });
        assert.equal(answer.status, 401);
        assert.equal(answer.body.error.message, 'Invalid username/password.');
      });

      test('405 after authentication, before the integration lookup', async () => {
        const t = await srv.tenant();
        const path = `api/v2/integrations/${t.integrationId}/shipments/delete`;
        const unauthenticated = await call(`${srv.url}/${path}`, { method: 'GET' });
        assert.equal(unauthenticated.status, 401);
        const answer = await call(`${srv.url}/${path}`, { method: 'GET', auth: t.basic });
        assert.deepEqual(answer.body, envelope(405, path, 'Method "GET" not allowed.'));
        const unknownIntegration = await call(`${srv.url}/api/v2/integrations/424242/shipments`, {
          method: 'DELETE',
          auth: t.basic,
        });
        assert.deepEqual(
          unknownIntegration.body,
          envelope(405, 'api/v2/integrations/424242/shipments', 'Method "DELETE" not allowed.'),
        );
      });

      test('the integration 404 comes before body errors (415, 413, 400)', async () => {
        const t = await srv.tenant();
        const path = 'api/v2/integrations/424242/shipments';
        for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/json' }]) {
          const answer = await call(`${srv.url}/${path}`, { auth: t.basic, body: '{not json', headers });
          assert.deepEqual(answer.body, envelope(404, path, 'No Integration matches the given query.'));
        }
      });

      test('415 for another media type, with DRF’s text', async () => {
        const t = await srv.tenant();
        const path = `api/v2/integrations/${t.integrationId}/shipments`;
        const answer = await call(`${srv.url}/${path}`, {
          auth: t.basic,
          body: JSON.stringify([minimalOrder()]),
          headers: { 'content-type': 'text/plain' },
        });
        assert.deepEqual(answer.body, envelope(415, path, 'Unsupported media type "text/plain" in request.'));
        const form = await call(`${srv.url}/${path}`, {
          auth: t.basic,
          body: 'a=b',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assert.equal(form.status, 415);
        assert.equal(
          form.body.error.message,
          'Unsupported media type "application/x-www-form-urlencoded" in request.',
        );
        // Nothing was stored.
        const list = await call(`${srv.url}/${path}`, { auth: t.basic });
        assert.deepEqual(list.body.results, []);
      });

      test('malformed JSON and invalid UTF-8 are 400 JSON parse error', async () => {
        const t = await srv.tenant();
        const path = `api/v2/integrations/${t.integrationId}/shipments`;
        for (const body of ['[{"a": 1}', '{', 'nul', '  ', "{'a': 1}", '[1,]']) {
          const answer = await call(`${srv.url}/${path}`, { auth: t.basic, body });
          assert.equal(answer.status, 400, body);
          assert.equal(answer.body.error.code, 400);
          assert.equal(answer.body.error.request, path);
          assert.match(answer.body.error.message, /^JSON parse error - /);
        }
        const bad = await fetch(`${srv.url}/${path}`, {
          method: 'POST',
          headers: { authorization: t.basic, 'content-type': 'application/json' },
          body: Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]),
        });
        assert.equal(bad.status, 400);
        assert.match(
          ((await bad.json()) as { error: { message: string } }).error.message,
          /^JSON parse error - /,
        );
      });

      test('an oversized body is a 413 envelope', async () => {
        const t = await srv.tenant();
        const path = `api/v2/integrations/${t.integrationId}/shipments`;
        const answer = await call(`${srv.url}/${path}`, {
          auth: t.basic,
          body: JSON.stringify([{ name: 'x'.repeat(70_000) }]),
        });
        assert.equal(answer.status, 413);
        assert.deepEqual(
          answer.body,
          envelope(413, path, 'Request body is larger than the limit of 65536 bytes.'),
        );
      });

      test('Content-Type: application/json on a GET with no body is not an error; Accept is ignored', async () => {
        const t = await srv.tenant();
        const answer = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments`, {
          auth: t.basic,
          headers: { 'content-type': 'application/json', accept: 'text/html' },
        });
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, { next: null, previous: null, results: [] });
      });

      test('a non-partner account gets 403 on the upsert only', async () => {
        const t = await srv.tenant({ partner: false });
        const path = `api/v2/integrations/${t.integrationId}/shipments`;
        const answer = await call(`${srv.url}/${path}`, { auth: t.basic, body: [minimalOrder()] });
        assert.deepEqual(
          answer.body,
          envelope(403, path, 'You do not have permission to perform this action.'),
        );
        const list = await call(`${srv.url}/${path}`, { auth: t.basic });
        assert.deepEqual(list.body.results, []);
      });

      test('OPTIONS answers the allowed methods', async () => {
        const t = await srv.tenant();
        const answer = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments/delete`, {
          method: 'OPTIONS',
          auth: t.basic,
        });
        assert.equal(answer.status, 200);
        assert.equal(answer.headers.get('allow'), 'POST, OPTIONS');
        assert.deepEqual(answer.body.parses, ['application/json']);
      });
    },
  );
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, ManualClock, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN_TOKEN, admin } from '../admin/helpers.js';
import { assertV3Error, tokenFor } from './helpers.js';

/**
 * The v3 surface itself: one error format for every failure under /api/v3 (401, 404, 405, 415, 429,
 * unknown paths), the reference's security per operation, the journal and the access to the same
 * accounts as v2. Every answer is validated against the v3 reference by `call()`.
 */
for (const engine of ENGINES) {
  describe(`the v3 surface [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ adminToken: ADMIN_TOKEN }, engine);
    });
    after(() => srv.close());
    const v3 = (path: string) => `${srv.url}/api/v3${path}`;

    test('no credentials, wrong ones and a malformed header: 401 in v3 format with the Basic challenge', async () => {
      const none = await call(v3('/integrations'));
      assertV3Error(none, 401, {
        code: 'not_authenticated',
        title: 'Unauthorized',
        detail: 'Authentication credentials were not provided.',
      });
      assert.equal(none.headers.get('www-authenticate'), 'Basic realm="api"');
      const t = await srv.tenant();
      const wrong = await call(v3('/integrations'), {
        auth: `Basic ${Buffer.from(`${t.publicKey}:nope`).toString('base64')}`,
      });
      assertV3Error(wrong, 401, { code: 'authentication_failed', detail: 'Invalid username/password.' });
      const malformed = await call(v3(`/integrations/${t.integrationId}`), { auth: 'Basic' });
      assertV3Error(malformed, 401, {
        code: 'authentication_failed',
        detail: 'Invalid basic header. No credentials provided.',
      });
    });

    test('Integrations take Basic only: a valid OAuth2 token there is "not provided", as a Basic-only view reads it', async () => {
      const t = await srv.tenant();
      const token = await tokenFor(srv.url, t.basic);
      for (const path of ['/integrations', `/integrations/${t.integrationId}`]) {
        const answer = await call(v3(path), { auth: `Bearer ${token}` });
        assertV3Error(answer, 401, {
          code: 'not_authenticated',
          detail: 'Authentication credentials were not provided.',
        });
      }
      // The same credentials by Basic see the integration.
      const basic = await call(v3(`/integrations/${t.integrationId}`), { auth: t.basic });
      assert.equal(basic.status, 200);
      assert.equal(basic.body.data.id, t.integrationId);
    });

    test('unknown paths and ids that are no positive integer: 404 before authentication', async () => {
      for (const path of [
        '/nope',
        '/integrations/abc',
        '/integrations/0',
        '/integrations/-1',
        '/integrations/1.5',
        '/%zz',
      ]) {
        assertV3Error(await call(v3(path)), 404, {
          code: 'not_found',
          title: 'Not found',
          detail: 'Not found.',
        });
      }
      assertV3Error(await call(`${srv.url}/api/v3`), 404, { code: 'not_found', detail: 'Not found.' });
    });

    test("another account's integration is 404 exactly as an unknown one, on every method", async () => {
      const owner = await srv.tenant();
      const other = await srv.tenant();
      const unknown = await call(v3('/integrations/999999999'), { auth: other.basic });
      for (const method of ['GET', 'DELETE', 'PATCH']) {
        const answer = await call(v3(`/integrations/${owner.integrationId}`), {
          method,
          auth: other.basic,
          ...(method === 'PATCH' ? { body: { shop_name: 'Taken over' } } : {}),
        });
        assertV3Error(answer, 404, {
          code: 'not_found',
          title: 'Not found',
          detail: 'The Integration could not be found with the search criteria given',
        });
        assert.equal(answer.text, unknown.text);
      }
      const still = await call(v3(`/integrations/${owner.integrationId}`), { auth: owner.basic });
      assert.equal(still.body.data.shop_name, 'My webshop');
    });

    test('another method on a path: 405 in v3 format with Allow; OPTIONS lists the methods; HEAD is GET without a body', async () => {
      const t = await srv.tenant();
      const path = v3(`/integrations/${t.integrationId}`);
      for (const method of ['POST', 'PUT']) {
        const answer = await call(path, { method, auth: t.basic, body: {} });
        assertV3Error(answer, 405, {
          code: 'method_not_allowed',
          title: 'Method not allowed',
          detail: `Method "${method}" not allowed.`,
        });
        assert.equal(answer.headers.get('allow'), 'GET, PATCH, DELETE, HEAD, OPTIONS');
      }
      // 401 comes before 405, as in v2.
      assert.equal((await call(path, { method: 'POST' })).status, 401);
      const options = await call(path, { method: 'OPTIONS', auth: t.basic });
      assert.equal(options.status, 204);
      assert.equal(options.text, '');
      assert.equal(options.headers.get('allow'), 'GET, PATCH, DELETE, HEAD, OPTIONS');
      const list = await call(v3('/integrations'), { method: 'DELETE', auth: t.basic });
      assertV3Error(list, 405, { code: 'method_not_allowed', detail: 'Method "DELETE" not allowed.' });
      assert.equal(list.headers.get('allow'), 'GET, HEAD, OPTIONS');
      const head = await call(path, { method: 'HEAD', auth: t.basic });
      assert.equal(head.status, 200);
      assert.equal(head.text, '');
    });

    test('a body in another media type is 415 in v3 format; a JSON parse error is 400', async () => {
      const t = await srv.tenant();
      const path = v3(`/integrations/${t.integrationId}`);
      const text = await call(path, {
        method: 'PATCH',
        auth: t.basic,
        body: 'shop_name=x',
        headers: { 'content-type': 'text/plain' },
      });
      assertV3Error(text, 415, {
        code: 'unsupported_media_type',
        title: 'Unsupported media type',
        detail: 'Unsupported media type "text/plain" in request.',
      });
      const broken = await call(path, { method: 'PATCH', auth: t.basic, body: '{"shop_name": ' });
      assert.equal(broken.status, 400);
      assert.equal(broken.body.errors[0].code, 'parse_error');
      assert.match(broken.body.errors[0].detail, /^JSON parse error - /);
      const unchanged = await call(path, { auth: t.basic });
      assert.equal(unchanged.body.data.shop_name, 'My webshop');
    });

    test('real clients: Content-Type on body-less GET and DELETE, any Accept, the partner header', async () => {
      const t = await srv.tenant();
      const headers = {
        'content-type': 'application/json',
        'sendcloud-partner-id': 'not-a-uuid-but-not-checked-here',
      };
      for (const accept of ['application/json', '*/*', undefined]) {
        const answer = await call(v3('/integrations'), {
          auth: t.basic,
          headers: accept === undefined ? headers : { ...headers, accept },
        });
        assert.equal(answer.status, 200);
        assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
        assert.deepEqual(
          answer.body.data.map((i: { id: number }) => i.id),
          [t.integrationId],
        );
      }
      const extra = await srv.accounts.createIntegration(t.accountId, { shopName: 'Second' });
      const deleted = await call(v3(`/integrations/${extra.id}`), {
        method: 'DELETE',
        auth: t.basic,
        headers,
      });
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      assert.equal(await srv.server.store.getIntegration(t.accountId, extra.id), null);
    });

    test('v3 requests are journaled with their v3 operation names', async () => {
      const t = await srv.tenant();
      const testId = `v3-${process.hrtime.bigint()}`;
      const headers = { 'x-order-inbox-test': testId };
      await call(v3(`/integrations/${t.integrationId}`), { auth: t.basic, headers });
      await call(v3('/integrations/0'), { auth: t.basic, headers });
      await call(v3(`/integrations/${t.integrationId}`), {
        method: 'POST',
        auth: t.basic,
        headers,
        body: {},
      });
      const journal = await admin(srv.url, `/journal?test_id=${testId}&order=asc`);
      assert.equal(journal.status, 200, journal.text);
      assert.deepEqual(
        journal.body.entries.map((e: { operation: string; status: number; path: string }) => [
          e.operation,
          e.status,
          e.path,
        ]),
        [
          ['v3_get_integration', 200, `/api/v3/integrations/${t.integrationId}`],
          ['v3_get_integration', 404, '/api/v3/integrations/0'],
          ['v3_method_not_allowed', 405, `/api/v3/integrations/${t.integrationId}`],
        ],
      );
      assert.match(JSON.stringify(journal.body.entries[0].response.body), /"shop_name":"My webshop"/);
    });
  });

  describe(`v3 rate limits [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    const clock = new ManualClock();
    before(async () => {
      srv = await startTestServer({ rateLimit: true }, engine, clock);
    });
    after(() => srv.close());

    test('v3 shares the account budget with v2; 429 is in v3 format with Retry-After, and frees after the wait', async () => {
      const t = await srv.tenant();
      const other = await srv.tenant();
      // Unsafe methods: at most 15 a second. v2 and v3 count against one budget.
      for (let i = 0; i < 15; i++) {
        const path = i % 2 === 0 ? '/api/v3/integrations' : '/api/v2/integrations';
        const last = await call(`${srv.url}${path}`, { method: 'POST', auth: t.basic, body: {} });
        assert.equal(last.status, 405);
      }
      const throttled = await call(`${srv.url}/api/v3/integrations/${t.integrationId}`, {
        method: 'DELETE',
        auth: t.basic,
      });
      assert.equal(throttled.status, 429);
      const wait = throttled.headers.get('retry-after');
      assert.match(wait ?? '', /^[0-9]+$/);
      assertV3Error(throttled, 429, {
        code: 'throttled',
        title: 'Too many requests',
        detail: `Request was throttled. Expected available in ${wait} second${wait === '1' ? '' : 's'}.`,
      });
      // Another account is not throttled.
      assert.equal((await call(`${srv.url}/api/v3/integrations`, { auth: other.basic })).status, 200);
      clock.advance(Number(wait) * 1000);
      const again = await call(`${srv.url}/api/v3/integrations/${t.integrationId}`, { auth: t.basic });
      assert.equal(again.status, 200);
      assert.equal(again.body.data.shop_name, 'My webshop');
    });
  });
}

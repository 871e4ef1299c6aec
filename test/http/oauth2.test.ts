import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ENGINES,
  ManualClock,
  basicHeader,
  call,
  engineSkip,
  envelope,
  minimalOrder,
  startTestServer,
} from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

for (const engine of ENGINES) {
  describe(`OAuth2 client credentials [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    const clock = new ManualClock();
    before(async () => {
      srv = await startTestServer({ tokenTtlSeconds: 60 }, engine, clock);
    });
    after(() => srv.close());

    const token = (body: string, headers: Record<string, string> = {}) =>
      call(`${srv.url}/oauth2/token`, { method: 'POST', body, headers: { ...FORM, ...headers } });

    async function bearerFor(t: Tenant): Promise<string> {
      const answer = await token('grant_type=client_credentials&scope=api', { authorization: t.basic });
      assert.equal(answer.status, 200, answer.text);
      return `Bearer ${answer.body.access_token}`;
    }

    test('a token by Basic client authentication, and by form fields, with the documented fields', async () => {
      const t = await srv.tenant();
      const byBasic = await token('grant_type=client_credentials&scope=api', { authorization: t.basic });
      assert.equal(byBasic.status, 200);
      assert.deepEqual(Object.keys(byBasic.body), ['access_token', 'token_type', 'expires_in', 'scope']);
      assert.deepEqual(
        { ...byBasic.body, access_token: 'x' },
        { access_token: 'x', token_type: 'bearer', expires_in: 60, scope: 'api' },
      );
      assert.match(byBasic.body.access_token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(byBasic.headers.get('cache-control'), 'no-store');
      const byForm = await call(`${srv.url}/oauth2/token/`, {
        method: 'POST',
        headers: FORM,
        body: `grant_type=client_credentials&client_id=${t.publicKey}&client_secret=${encodeURIComponent(t.secretKey)}`,
      });
      assert.equal(byForm.status, 200);
      assert.notEqual(byForm.body.access_token, byBasic.body.access_token);
    });

    test('a token works on every operation, and dies with its credentials', async () => {
      const t = await srv.tenant();
      const auth = await bearerFor(t);
      const base = `${srv.url}/api/v2/integrations`;
      const id = t.integrationId;
      const results = [
        await call(base, { auth }),
        await call(`${base}/${id}`, { auth }),
        await call(`${base}/${id}`, { method: 'PATCH', auth, body: { shop_name: 'Renamed' } }),
        await call(`${base}/${id}`, { method: 'PUT', auth, body: { shop_name: 'Renamed again' } }),
        await call(`${base}/${id}/shipments`, { auth, body: [minimalOrder()] }),
        await call(`${base}/${id}/shipments`, { auth }),
        await call(`${base}/${id}/shipments/delete`, {
          auth,
          body: { external_order_id: '1001', external_shipment_id: null },
        }),
        await call(`${base}/logs`, { auth }),
        await call(`${base}/${id}/logs`, { auth, body: { base_url: 'https://x.example' } }),
        await call(`${base}/${id}/logs`, { auth }),
        await call(`${base}/${id}`, { method: 'DELETE', auth }),
      ];
      assert.deepEqual(
        results.map((r) => r.status),
        [200, 200, 200, 200, 200, 200, 204, 200, 201, 200, 204],
      );
      assert.equal(results[3]?.body.shop_name, 'Renamed again');
      await srv.server.store.revokeCredential(t.publicKey, clock.nowUs());
      const refused = await call(base, { auth });
      assert.deepEqual(refused.body, envelope(401, 'api/v2/integrations', 'Invalid token.'));
      assert.equal(refused.headers.get('www-authenticate'), 'Basic realm="api"');
      const again = await token('grant_type=client_credentials', { authorization: t.basic });
      assert.equal(again.status, 401);
      assert.equal(again.body.error, 'invalid_client');
    });

    test('a token expires after TOKEN_TTL_SECONDS', async () => {
      const t = await srv.tenant();
      const auth = await bearerFor(t);
      clock.advance(59_000);
      assert.equal((await call(`${srv.url}/api/v2/integrations`, { auth })).status, 200);
      clock.advance(1_000);
      const expired = await call(`${srv.url}/api/v2/integrations`, { auth });
      assert.deepEqual(expired.body, envelope(401, 'api/v2/integrations', 'Invalid token.'));
    });

    test('errors in the OAuth2 shape', async () => {
      const t = await srv.tenant();
      const cases: [string, Record<string, string>, number, string][] = [
        ['grant_type=client_credentials', {}, 401, 'invalid_client'],
        [
          'grant_type=client_credentials',
          { authorization: basicHeader(t.publicKey, 'wrong') },
          401,
          'invalid_client',
        ],
        [
          `grant_type=client_credentials&client_id=${t.publicKey}&client_secret=nope`,
          {},
          401,
          'invalid_client',
        ],
        ['scope=api', { authorization: t.basic }, 400, 'invalid_request'],
        ['grant_type=password', { authorization: t.basic }, 400, 'unsupported_grant_type'],
        ['grant_type=client_credentials&scope=admin', { authorization: t.basic }, 400, 'invalid_scope'],
      ];
      for (const [body, headers, status, error] of cases) {
        const answer = await token(body, headers);
        assert.equal(answer.status, status, body);
        assert.deepEqual(Object.keys(answer.body), ['error', 'error_description', 'status_code']);
        assert.equal(answer.body.error, error, body);
        assert.equal(answer.body.status_code, status);
      }
      const json = await call(`${srv.url}/oauth2/token`, {
        method: 'POST',
        auth: t.basic,
        body: { grant_type: 'client_credentials' },
      });
      assert.equal(json.status, 400);
      assert.equal(json.body.error, 'invalid_request');
    });

    test('malformed bearer headers and unknown tokens', async () => {
      const t = await srv.tenant();
      const url = `${srv.url}/api/v2/integrations/${t.integrationId}`;
      const path = `api/v2/integrations/${t.integrationId}`;
      for (const [auth, message] of [
        ['Bearer', 'Invalid token header. No credentials provided.'],
        ['Bearer a b', 'Invalid token header. Token string should not contain spaces.'],
        ['Bearer unknown-token', 'Invalid token.'],
      ]) {
        const answer = await call(url, { auth });
        assert.deepEqual(answer.body, envelope(401, path, message as string));
      }
    });

    test('an OAuth2-only credential: Basic is refused, tokens work', async () => {
      const t = await srv.tenant();
      const issued = await srv.accounts.issueCredential(t.accountId, true);
      const basic = basicHeader(issued.credential.publicKey, issued.secretKey);
      const url = `${srv.url}/api/v2/integrations`;
      const refused = await call(url, { auth: basic });
      assert.deepEqual(
        refused.body,
        envelope(401, 'api/v2/integrations', 'This integration requires OAuth2 authentication.'),
      );
      const granted = await token('grant_type=client_credentials&scope=api', { authorization: basic });
      const ok = await call(url, { auth: `Bearer ${granted.body.access_token}` });
      assert.equal(ok.status, 200);
      assert.equal(ok.body[0].id, t.integrationId);
    });
  });
}

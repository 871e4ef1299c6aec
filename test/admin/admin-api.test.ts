/**
 * The admin API end to end, against a real listening server on each engine: its token, its envelope,
 * tenants made over HTTP that the Sendcloud API then serves, chosen keys and their conflicts, resets and
 * account deletion (asserted on what the API lists afterwards), and secrets only in the creating answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PREFIX } from '../../src/http/admin/index.js';
import { ENGINES, call, engineSkip, envelope, minimalOrder, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN_TOKEN, BEARER, admin, createTenant } from './helpers.js';
import type { AdminTenant } from './helpers.js';

const unauthorized = {
  error: { code: 'unauthorized', message: 'The admin API needs "Authorization: Bearer <ADMIN_TOKEN>".' },
};

async function pushOrders(base: string, t: AdminTenant, ids: string[]): Promise<void> {
  const answer = await call(`${base}/api/v2/integrations/${t.integrationId}/shipments`, {
    auth: t.basic,
    body: ids.map((id) => minimalOrder({ external_order_id: id, order_number: `N-${id}` })),
  });
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    answer.body.map((r: any) => r.status),
    ids.map(() => 'created'),
  );
}

async function listedOrderIds(base: string, t: AdminTenant): Promise<string[]> {
  const answer = await call(`${base}/api/v2/integrations/${t.integrationId}/shipments`, { auth: t.basic });
  assert.equal(answer.status, 200, answer.text);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return answer.body.results.map((r: any) => r.external_order_id).sort();
}

async function createLog(base: string, t: AdminTenant): Promise<void> {
  const answer = await call(`${base}/api/v2/integrations/${t.integrationId}/logs`, {
    auth: t.basic,
    body: { base_url: 'https://shop.example/api', method: 'GET', response_code: 500 },
  });
  assert.equal(answer.status, 201, answer.text);
}

async function logCount(base: string, t: AdminTenant): Promise<number> {
  const answer = await call(`${base}/api/v2/integrations/${t.integrationId}/logs`, { auth: t.basic });
  assert.equal(answer.status, 200, answer.text);
  return answer.body.results.length;
}

const removed = (counts: Partial<Record<string, number>>) => ({
  removed: {
    accounts: 0,
    credentials: 0,
    oauth_tokens: 0,
    integrations: 0,
    shipments: 0,
    logs: 0,
    webhook_deliveries: 0,
    ...counts,
  },
});

for (const engine of ENGINES) {
  describe(`admin API [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ adminToken: ADMIN_TOKEN }, engine);
    });
    after(() => srv.close());

    test('without the token, with a wrong one, with Sendcloud credentials: 401 in the admin envelope', async () => {
      const t = await createTenant(srv.url);
      const token = await call(`${srv.url}/oauth2/token`, {
        method: 'POST',
        auth: t.basic,
        body: 'grant_type=client_credentials',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(token.status, 200, token.text);
      const attempts: (string | undefined)[] = [
        undefined,
        `Bearer ${ADMIN_TOKEN}x`,
        `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
        `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`,
        ADMIN_TOKEN,
        t.basic,
        `Bearer ${token.body.access_token}`,
      ];
      const operations = [
        ['GET', '/accounts'],
        ['POST', '/tenants'],
        ['POST', '/reset'],
        ['DELETE', `/accounts/${t.accountId}`],
        ['GET', '/openapi.json'],
        ['GET', '/no-such-operation'],
      ] as const;
      // Every failed attempt waits FAILED_AUTH_DELAY_MS before its 401; sent at once, the 42 of them
      // take one delay rather than 42 in a row, and each answer is still checked on its own.
      const answers = await Promise.all(
        attempts.flatMap((auth) =>
          operations.map(async ([method, path]) => ({
            what: `${method} ${path} with ${auth}`,
            answer: await call(`${srv.url}${ADMIN_PREFIX}${path}`, { method, auth }),
          })),
        ),
      );
      assert.equal(answers.length, attempts.length * operations.length);
      for (const { what, answer } of answers) {
        assert.equal(answer.status, 401, what);
        assert.deepEqual(answer.body, unauthorized, what);
        assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="order-inbox admin"', what);
      }
      // Nothing was done: the account and its data are all there.
      const account = await admin(srv.url, `/accounts/${t.accountId}`);
      assert.equal(account.status, 200);
      assert.equal(account.body.account_id, t.accountId);
      // The scheme is case-insensitive, as HTTP's are.
      assert.equal((await admin(srv.url, '/accounts', { auth: `bearer ${ADMIN_TOKEN}` })).status, 200);
    });

    test('a tenant per test over HTTP: the Sendcloud API serves it at once (push, list, logs)', async () => {
      const t = await createTenant(srv.url);
      assert.match(t.publicKey, /^[0-9a-f]{32}$/);
      assert.ok(t.secretKey.length >= 43);
      assert.deepEqual(t.created, {
        account_id: t.accountId,
        partner: true,
        public_key: t.publicKey,
        secret_key: t.secretKey,
        oauth_only: false,
        integration_id: t.integrationId,
        webhook_signature_key: t.created.integrations[0].webhook_signature_key,
        integrations: [
          {
            id: t.integrationId,
            shop_name: 'My webshop',
            shop_url: null,
            system: 'api',
            webhook_url: null,
            webhook_active: false,
            webhook_signature_key: t.created.webhook_signature_key,
          },
        ],
      });
      assert.match(t.created.webhook_signature_key, /^[0-9a-f]{64}$/);
      await pushOrders(srv.url, t, ['A-1', 'A-2']);
      assert.deepEqual(await listedOrderIds(srv.url, t), ['A-1', 'A-2']);
      const integration = await call(`${srv.url}/api/v2/integrations/${t.integrationId}`, { auth: t.basic });
      assert.equal(integration.status, 200);
      assert.equal(integration.body.shop_name, 'My webshop');
    });

    test('several integrations with webhook settings, a non-partner, an OAuth-only key pair', async () => {
      const t = await createTenant(srv.url, {
        partner: false,
        integrations: [
          { shop_name: 'Shop one', shop_url: 'https://one.example', system: 'woocommerce' },
          { shop_name: 'Shop two', webhook_url: 'https://hooks.example/two', webhook_active: true },
        ],
      });
      assert.equal(t.created.partner, false);
      assert.equal(t.created.integrations.length, 2);
      const [one, two] = t.created.integrations;
      assert.equal(t.integrationId, one.id);
      assert.deepEqual(
        { ...one, id: 0, webhook_signature_key: '' },
        {
          id: 0,
          shop_name: 'Shop one',
          shop_url: 'https://one.example',
          system: 'woocommerce',
          webhook_url: null,
          webhook_active: false,
          webhook_signature_key: '',
        },
      );
      assert.equal(two.webhook_url, 'https://hooks.example/two');
      assert.equal(two.webhook_active, true);
      assert.notEqual(one.webhook_signature_key, two.webhook_signature_key);
      const listed = await call(`${srv.url}/api/v2/integrations`, { auth: t.basic });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      assert.deepEqual(listed.body.map((i: any) => i.shop_name).sort(), ['Shop one', 'Shop two']);
      // Non-partner: pushing shipments is refused as Sendcloud refuses it.
      const push = await call(`${srv.url}/api/v2/integrations/${one.id}/shipments`, {
        auth: t.basic,
        body: [minimalOrder()],
      });
      assert.equal(push.status, 403);
      // The announced integration is in the outbox, as one made by the command line would be.
      const deliveries = await srv.server.store.listWebhookDeliveries(two.id);
      assert.deepEqual(
        deliveries.map((d) => [d.action, d.url]),
        [['integration_connected', 'https://hooks.example/two']],
      );

      const oauth = await createTenant(srv.url, { oauth_only: true });
      assert.equal(oauth.created.oauth_only, true);
      const basic = await call(`${srv.url}/api/v2/integrations`, { auth: oauth.basic });
      assert.equal(basic.status, 401);
    });

    test('chosen keys and integration ids are used; taken ones answer 409 and create nothing', async () => {
      const suffix = `${engine}-${Date.now()}`;
      const chosenId = 900_000 + Math.floor(Math.random() * 90_000);
      const body = {
        public_key: `fixture-public-${suffix}`,
        secret_key: `fixture-secret-${suffix}`,
        integrations: [{ id: chosenId, shop_name: 'Fixture shop' }],
      };
      const t = await createTenant(srv.url, body);
      assert.equal(t.publicKey, body.public_key);
      assert.equal(t.secretKey, body.secret_key);
      assert.equal(t.integrationId, chosenId);
      await pushOrders(srv.url, t, ['F-1']);
      assert.deepEqual(await listedOrderIds(srv.url, t), ['F-1']);

      const before = (await admin(srv.url, '/accounts')).body;
      const takenKey = await admin(srv.url, '/tenants', {
        method: 'POST',
        body: { public_key: body.public_key },
      });
      assert.equal(takenKey.status, 409);
      assert.deepEqual(takenKey.body, {
        error: { code: 'conflict', message: `The public key "${body.public_key}" is taken.` },
      });
      const takenId = await admin(srv.url, '/tenants', {
        method: 'POST',
        body: { integrations: [{ shop_name: 'new' }, { id: chosenId }] },
      });
      assert.equal(takenId.status, 409);
      assert.deepEqual(takenId.body, {
        error: { code: 'conflict', message: `The integration id ${chosenId} is taken.` },
      });
      // All or nothing: no account, key pair or integration was left behind by either attempt.
      assert.deepEqual((await admin(srv.url, '/accounts')).body, before);
      // Ids the database picks later go past a chosen one.
      const next = await createTenant(srv.url);
      assert.ok(next.integrationId > chosenId, `${next.integrationId} > ${chosenId}`);
    });

    test('invalid bodies: 400 naming the place, nothing created', async () => {
      const before = (await admin(srv.url, '/accounts')).body;
      const cases: [unknown, string][] = [
        [{ integrations: [{ idd: 1 }] }, 'body/integrations/0 must NOT have additional properties ("idd").'],
        [{ integrations: [{ id: 'x' }] }, 'body/integrations/0/id must be integer.'],
        [{ partner: 'yes' }, 'body/partner must be boolean.'],
        [{ integrations: [] }, 'body/integrations must NOT have fewer than 1 items.'],
        [{ secret_key: 'short' }, 'body/secret_key must NOT have fewer than 16 characters.'],
        [
          { public_key: 'a:b' },
          'public_key must be 1 to 128 printable ASCII characters without spaces or ":".',
        ],
        [{ integrations: [{ webhook_url: 'not a url' }] }, 'integrations/0/webhook_url must be a valid URL.'],
        [{ integrations: [{ webhook_active: true }] }, 'integrations/0: webhook_active needs a webhook_url.'],
        [{ integrations: [{ id: 5 }, { id: 5 }] }, 'integrations/1/id 5 is given twice.'],
        ['[1]', 'body must be object.'],
      ];
      for (const [body, message] of cases) {
        const answer = await admin(srv.url, '/tenants', { method: 'POST', body });
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.deepEqual(answer.body, { error: { code: 'invalid_request', message } });
      }
      const broken = await admin(srv.url, '/tenants', { method: 'POST', body: '{"partner":' });
      assert.equal(broken.status, 400);
      assert.equal(broken.body.error.code, 'invalid_request');
      assert.match(broken.body.error.message, /^JSON parse error - /);
      const text = await admin(srv.url, '/reset', {
        method: 'POST',
        body: 'x',
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(text.status, 415);
      assert.equal(text.body.error.code, 'unsupported_media_type');
      assert.deepEqual((await admin(srv.url, '/accounts')).body, before);
    });

    test("reset of one account removes its data and leaves another's", async () => {
      const a = await createTenant(srv.url, {
        integrations: [{ webhook_url: 'https://hooks.example/a', webhook_active: true }],
      });
      const b = await createTenant(srv.url);
      await pushOrders(srv.url, a, ['A-1', 'A-2', 'A-3']);
      await pushOrders(srv.url, b, ['B-1']);
      await createLog(srv.url, a);
      await createLog(srv.url, b);

      const answer = await admin(srv.url, '/reset', {
        method: 'POST',
        body: { account_id: a.accountId, keep_accounts: true },
      });
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.body, removed({ shipments: 3, logs: 1, webhook_deliveries: 1 }));
      // a's credentials and integration still work, with nothing in them; b is untouched.
      assert.deepEqual(await listedOrderIds(srv.url, a), []);
      assert.equal(await logCount(srv.url, a), 0);
      assert.deepEqual(await srv.server.store.listWebhookDeliveries(a.integrationId), []);
      assert.deepEqual(await listedOrderIds(srv.url, b), ['B-1']);
      assert.equal(await logCount(srv.url, b), 1);
      await pushOrders(srv.url, a, ['A-4']);
      assert.deepEqual(await listedOrderIds(srv.url, a), ['A-4']);
    });

    test('reset of one account without keep_accounts removes the account; its credentials stop working', async () => {
      const a = await createTenant(srv.url);
      const b = await createTenant(srv.url);
      await pushOrders(srv.url, a, ['A-1']);
      await pushOrders(srv.url, b, ['B-1']);
      const answer = await admin(srv.url, '/reset', { method: 'POST', body: { account_id: a.accountId } });
      assert.deepEqual(answer.body, removed({ accounts: 1, credentials: 1, integrations: 1, shipments: 1 }));
      const refused = await call(`${srv.url}/api/v2/integrations`, { auth: a.basic });
      assert.equal(refused.status, 401);
      assert.equal((await admin(srv.url, `/accounts/${a.accountId}`)).status, 404);
      assert.deepEqual(await listedOrderIds(srv.url, b), ['B-1']);
      const missing = await admin(srv.url, '/reset', { method: 'POST', body: { account_id: a.accountId } });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, {
        error: { code: 'account_not_found', message: `No account with id ${a.accountId}.` },
      });
    });

    test('delete an account: it and everything it owns are gone, the others stay', async () => {
      const a = await createTenant(srv.url, { integrations: [{}, {}] });
      const b = await createTenant(srv.url);
      await pushOrders(srv.url, a, ['A-1', 'A-2']);
      await pushOrders(srv.url, b, ['B-1']);
      await createLog(srv.url, a);
      const token = await call(`${srv.url}/oauth2/token`, {
        method: 'POST',
        auth: a.basic,
        body: 'grant_type=client_credentials',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(token.status, 200, token.text);

      const answer = await admin(srv.url, `/accounts/${a.accountId}`, { method: 'DELETE' });
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(
        answer.body,
        removed({ accounts: 1, credentials: 1, oauth_tokens: 1, integrations: 2, shipments: 2, logs: 1 }),
      );
      const listed = (await admin(srv.url, '/accounts')).body.accounts;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const ids = listed.map((x: any) => x.account_id);
      assert.ok(!ids.includes(a.accountId));
      assert.ok(ids.includes(b.accountId));
      assert.equal((await call(`${srv.url}/api/v2/integrations`, { auth: a.basic })).status, 401);
      const bearer = await call(`${srv.url}/api/v2/integrations`, {
        auth: `Bearer ${token.body.access_token}`,
      });
      assert.equal(bearer.status, 401);
      assert.deepEqual(await listedOrderIds(srv.url, b), ['B-1']);
      const again = await admin(srv.url, `/accounts/${a.accountId}`, { method: 'DELETE' });
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, 'account_not_found');
      const bad = await admin(srv.url, '/accounts/abc', { method: 'DELETE' });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body, {
        error: { code: 'invalid_request', message: 'params/id must match pattern "^[0-9]{1,15}$".' },
      });
    });

    test('list and inspect accounts: public keys and integrations, never a secret', async () => {
      const t = await createTenant(srv.url, {
        integrations: [{ shop_name: 'Listed', webhook_url: 'https://hooks.example/l', webhook_active: true }],
      });
      const one = await admin(srv.url, `/accounts/${t.accountId}`);
      assert.equal(one.status, 200);
      assert.deepEqual(
        { ...one.body, created_at: 'T', credentials: [{ ...one.body.credentials[0], created_at: 'T' }] },
        {
          account_id: t.accountId,
          partner: true,
          created_at: 'T',
          credentials: [{ public_key: t.publicKey, oauth_only: false, created_at: 'T', revoked_at: null }],
          integrations: [
            {
              id: t.integrationId,
              shop_name: 'Listed',
              shop_url: null,
              system: 'api',
              webhook_url: 'https://hooks.example/l',
              webhook_active: true,
              created_at: one.body.integrations[0].created_at,
            },
          ],
        },
      );
      assert.ok(!Number.isNaN(Date.parse(one.body.created_at)));
      const all = await admin(srv.url, '/accounts');
      const listed = (all.body.accounts as { account_id: number }[]).find(
        (a) => a.account_id === t.accountId,
      );
      assert.deepEqual(listed, one.body);
      // No answer but the creating one carries the secret or the signing key.
      const reset = await admin(srv.url, '/reset', {
        method: 'POST',
        body: { account_id: t.accountId, keep_accounts: true },
      });
      const deleted = await admin(srv.url, `/accounts/${t.accountId}`, { method: 'DELETE' });
      assert.equal(deleted.status, 200);
      for (const answer of [one, all, reset, deleted, await admin(srv.url, '/openapi.json')]) {
        assert.ok(!answer.text.includes(t.secretKey), 'secret key in an answer');
        assert.ok(!answer.text.includes(t.created.webhook_signature_key), 'signing key in an answer');
      }
    });

    test('the digest of a secret never leaves either', async () => {
      const t = await createTenant(srv.url);
      const digest = (await srv.server.store.findCredential(t.publicKey))?.secretHash;
      assert.match(String(digest), /^[0-9a-f]{64}$/);
      for (const path of ['/accounts', `/accounts/${t.accountId}`]) {
        const answer = await admin(srv.url, path);
        assert.ok(!answer.text.includes(String(digest)), path);
        assert.ok(!answer.text.includes(t.secretKey), path);
      }
    });

    test('its own OpenAPI document, versioned, kept out of the Sendcloud document', async () => {
      const doc = await admin(srv.url, '/openapi.json');
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, '3.1.0');
      assert.equal(doc.body.info.title, 'order-inbox admin API');
      assert.match(doc.body.info.version, /^\d+\.\d+\.\d+$/);
      assert.deepEqual(Object.keys(doc.body.paths).sort(), [
        '/__admin/accounts',
        '/__admin/accounts/{id}',
        '/__admin/clock',
        '/__admin/coverage',
        '/__admin/faults',
        '/__admin/faults/operations',
        '/__admin/faults/{id}',
        '/__admin/journal',
        '/__admin/openapi.json',
        '/__admin/reset',
        '/__admin/snapshot',
        '/__admin/tenants',
        '/__admin/webhooks',
      ]);
      assert.deepEqual(Object.keys(doc.body.paths['/__admin/accounts/{id}']).sort(), ['delete', 'get']);
      assert.equal(
        doc.body.paths['/__admin/tenants'].post.responses['201'].content[
          'application/json'
        ].schema.required.includes('secret_key'),
        true,
      );
      assert.ok(doc.body.paths['/__admin/tenants'].post.responses['409']);
      assert.deepEqual(doc.body.components.securitySchemes.AdminToken, {
        type: 'http',
        scheme: 'bearer',
        description: 'The value of `ADMIN_TOKEN` (or `serve --admin-token`).',
      });
      const sendcloud = await call(`${srv.url}/api/v2/openapi.json`);
      assert.ok(!Object.keys(sendcloud.body.paths).some((p) => p.startsWith('/__admin')));
    });

    test('fast enough for one tenant per test: 50 in a row create, and all are listed', async () => {
      const made = [];
      for (let i = 0; i < 50; i++) made.push(await createTenant(srv.url));
      const listed = new Set(
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (await admin(srv.url, '/accounts')).body.accounts.map((a: any) => a.account_id),
      );
      for (const t of made) assert.ok(listed.has(t.accountId));
      assert.equal(new Set(made.map((t) => t.publicKey)).size, 50);
    });
  });

  describe(`admin API: reset of everything [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ adminToken: ADMIN_TOKEN }, engine);
    });
    after(() => srv.close());

    test('keep_accounts: every shipment and log goes, every account and key pair stays', async () => {
      const a = await createTenant(srv.url);
      const b = await createTenant(srv.url);
      await pushOrders(srv.url, a, ['A-1']);
      await pushOrders(srv.url, b, ['B-1', 'B-2']);
      await createLog(srv.url, b);
      const answer = await admin(srv.url, '/reset', { method: 'POST', body: { keep_accounts: true } });
      assert.deepEqual(answer.body, removed({ shipments: 3, logs: 1 }));
      assert.deepEqual(await listedOrderIds(srv.url, a), []);
      assert.deepEqual(await listedOrderIds(srv.url, b), []);
      assert.equal(await logCount(srv.url, b), 0);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const ids = (await admin(srv.url, '/accounts')).body.accounts.map((x: any) => x.account_id);
      assert.deepEqual(ids, [a.accountId, b.accountId]);
    });

    test('no body: everything goes, accounts included; the server keeps serving', async () => {
      const a = await createTenant(srv.url);
      await pushOrders(srv.url, a, ['A-9']);
      const before = (await admin(srv.url, '/accounts')).body.accounts.length;
      const answer = await admin(srv.url, '/reset', { method: 'POST' });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.removed.accounts, before);
      assert.equal(answer.body.removed.credentials, before);
      assert.equal(answer.body.removed.shipments, 1);
      assert.deepEqual((await admin(srv.url, '/accounts')).body, { accounts: [] });
      assert.equal((await call(`${srv.url}/api/v2/integrations`, { auth: a.basic })).status, 401);
      const fresh = await createTenant(srv.url);
      await pushOrders(srv.url, fresh, ['N-1']);
      assert.deepEqual(await listedOrderIds(srv.url, fresh), ['N-1']);
    });
  });
}

describe('admin API off, and on the operations port', () => {
  test('without a token there is no admin API: 404 in the Sendcloud envelope', async () => {
    const srv = await startTestServer({});
    try {
      for (const path of ['/__admin/accounts', '/__admin/openapi.json']) {
        const answer = await call(`${srv.url}${path}`, { auth: BEARER });
        assert.equal(answer.status, 404);
        assert.deepEqual(answer.body, envelope(404, path.slice(1), 'Not found.'));
      }
      const post = await call(`${srv.url}/__admin/tenants`, { auth: BEARER, body: {} });
      assert.equal(post.status, 404);
      assert.equal(await srv.server.store.countAccounts(), 0);
    } finally {
      await srv.close();
    }
  });

  test('with OPS_PORT it is served on the operations port only', async () => {
    const srv = await startTestServer({ adminToken: ADMIN_TOKEN, opsPort: 0 });
    try {
      const ops = srv.server.ops?.url as string;
      assert.ok(ops);
      const onApi = await call(`${srv.url}/__admin/accounts`, { auth: BEARER });
      assert.equal(onApi.status, 404);
      assert.equal(onApi.body.error.request, '__admin/accounts');
      const t = await createTenant(ops);
      // (Plain fetch: the response check of `call` reads the document from the same port, and with
      // OPS_PORT the document is on the operations port.)
      const listed = await fetch(`${srv.url}/api/v2/integrations`, { headers: { authorization: t.basic } });
      assert.equal(listed.status, 200);
      const ids = ((await listed.json()) as { id: number }[]).map((i) => i.id);
      assert.deepEqual(ids, [t.integrationId]);
      assert.equal((await call(`${ops}/__admin/accounts`)).status, 401);
      const empty = await call(`${ops}/__admin/tenants`, {
        auth: BEARER,
        method: 'POST',
        body: '',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(empty.status, 201, empty.text);
      const reset = await admin(ops, '/reset', { method: 'POST', body: { account_id: t.accountId } });
      assert.equal(reset.body.removed.accounts, 1);
    } finally {
      await srv.close();
    }
  });

  test('a short admin token is refused at start-up', async () => {
    const { loadConfig } = await import('../../src/config.js');
    assert.throws(
      () => loadConfig({ ADMIN_TOKEN: 'short' }),
      /ADMIN_TOKEN must be at least 16 characters long, without white space/,
    );
    assert.throws(() => loadConfig({ ADMIN_TOKEN: `${ADMIN_TOKEN} x` }), /without white space/);
    assert.equal(loadConfig({ ADMIN_TOKEN: ADMIN_TOKEN }).adminToken, ADMIN_TOKEN);
    assert.equal(loadConfig({}).adminToken, null);
  });
});

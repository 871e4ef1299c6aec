/**
 * The admin API's command-line twins against a running server: what they print is the admin API's
 * answer, a failure is the admin error's message with exit status 1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basicHeader, call, minimalOrder, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN_TOKEN, runCliAsync } from './helpers.js';

describe('order-inbox admin … (command line, over HTTP)', () => {
  let srv: TestServer;
  let target: string[];
  before(async () => {
    srv = await startTestServer({ adminToken: ADMIN_TOKEN });
    target = ['--url', srv.url, '--token', ADMIN_TOKEN];
  });
  after(() => srv.close());

  const admin = async (args: string[], env: Record<string, string> = {}) => {
    const run = await runCliAsync(['admin', ...args], env);
    return { ...run, json: run.status === 0 ? JSON.parse(run.stdout) : null };
  };

  test('tenants create, with chosen keys; the tenant works on the Sendcloud API', async () => {
    const publicKey = `cli-public-${Date.now()}`;
    const created = await admin([
      'tenants',
      'create',
      ...target,
      '--public-key',
      publicKey,
      '--secret-key',
      'cli-secret-0123456789',
      '--shop-name',
      'CLI shop',
      '--webhook-url',
      'https://hooks.example/cli',
    ]);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(created.json.public_key, publicKey);
    assert.equal(created.json.secret_key, 'cli-secret-0123456789');
    assert.deepEqual(
      { ...created.json.integrations[0], id: 0, webhook_signature_key: '' },
      {
        id: 0,
        shop_name: 'CLI shop',
        shop_url: null,
        system: 'api',
        webhook_url: 'https://hooks.example/cli',
        webhook_active: true,
        webhook_signature_key: '',
      },
    );
    const auth = basicHeader(publicKey, 'cli-secret-0123456789');
    const push = await call(`${srv.url}/api/v2/integrations/${created.json.integration_id}/shipments`, {
      auth,
      body: [minimalOrder()],
    });
    assert.equal(push.status, 200, push.text);

    const again = await admin(['tenants', 'create', ...target, '--public-key', publicKey]);
    assert.equal(again.status, 1);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, new RegExp(`409 conflict: The public key "${publicKey}" is taken\\.`));
  });

  test('tenants create --body for several integrations; accounts list and show never print a secret', async () => {
    const created = await admin([
      'tenants',
      'create',
      ...target,
      '--body',
      JSON.stringify({ integrations: [{ shop_name: 'a' }, { shop_name: 'b' }], partner: false }),
    ]);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(created.json.partner, false);
    const names = (created.json.integrations as { shop_name: string }[]).map((i) => i.shop_name);
    assert.deepEqual(names, ['a', 'b']);
    // The token from the environment, as a CI step would pass it.
    const listed = await admin(['accounts', 'list', '--url', srv.url], { ADMIN_TOKEN });
    assert.equal(listed.status, 0, listed.stderr);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const mine = listed.json.accounts.find((a: any) => a.account_id === created.json.account_id);
    assert.equal(mine.integrations.length, 2);
    const shown = await admin(['accounts', 'show', String(created.json.account_id), ...target]);
    assert.deepEqual(shown.json, mine);
    for (const out of [listed.stdout, shown.stdout]) {
      assert.ok(!out.includes(created.json.secret_key));
      assert.ok(!out.includes(created.json.webhook_signature_key));
    }
  });

  test('reset --account --keep-accounts, then accounts delete', async () => {
    const created = await admin(['tenants', 'create', ...target]);
    const id = String(created.json.account_id);
    const auth = basicHeader(created.json.public_key, created.json.secret_key);
    const shipments = `${srv.url}/api/v2/integrations/${created.json.integration_id}/shipments`;
    await call(shipments, { auth, body: [minimalOrder()] });
    const reset = await admin(['reset', '--account', id, '--keep-accounts', ...target]);
    assert.equal(reset.status, 0, reset.stderr);
    assert.equal(reset.json.removed.shipments, 1);
    assert.equal(reset.json.removed.accounts, 0);
    assert.deepEqual((await call(shipments, { auth })).body.results, []);
    const deleted = await admin(['accounts', 'delete', id, ...target]);
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.equal(deleted.json.removed.accounts, 1);
    assert.equal((await call(shipments, { auth })).status, 401);
    const missing = await admin(['accounts', 'delete', id, ...target]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, new RegExp(`404 account_not_found: No account with id ${id}\\.`));
  });

  test('a wrong token, no token, an unreachable server: exit 1 with the reason', async () => {
    const wrong = await admin(['accounts', 'list', '--url', srv.url, '--token', 'x'.repeat(20)]);
    assert.equal(wrong.status, 1);
    assert.match(
      wrong.stderr,
      /401 unauthorized: The admin API needs "Authorization: Bearer <ADMIN_TOKEN>"\./,
    );
    const none = await admin(['accounts', 'list', '--url', srv.url], { ADMIN_TOKEN: '' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /an admin token is needed: --token or ADMIN_TOKEN/);
    const down = await admin(['reset', '--url', 'http://127.0.0.1:9', '--token', ADMIN_TOKEN]);
    assert.equal(down.status, 1);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:9\/__admin\/reset/);
  });
});

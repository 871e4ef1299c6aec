/**
 * Outgoing webhooks through the admin API, against a real listening server on each engine: capture mode
 * records connected, updated and deleted with the exact body and a signature that verifies, while a real
 * receiver at the webhook URL sees no connection at all; send mode still POSTs, and its attempts are
 * listed as they happened; the list's filters and their errors; the command-line twin and the banner.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signWebhook } from '../../src/domain/webhooks/payload.js';
import { serve } from '../helpers/cli.js';
import { ENGINES, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { receiver } from '../helpers/webhook-receiver.js';
import type { Receiver } from '../helpers/webhook-receiver.js';
import { ADMIN_TOKEN, admin, createTenant, runCliAsync } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The deliveries of the query once none is pending any more (bounded: 10 s). */
async function settled(base: string, query: string, count: number): Promise<any[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await admin(base, `/webhooks${query}`);
    assert.equal(answer.status, 200, answer.text);
    const deliveries: any[] = answer.body.deliveries;
    if (deliveries.length >= count && deliveries.every((d) => d.status !== 'pending')) return deliveries;
    if (Date.now() > deadline) throw new Error(`deliveries did not settle: ${answer.text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const engine of ENGINES) {
  describe(`outgoing webhooks in capture mode [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    let hook: Receiver;
    before(async () => {
      hook = await receiver();
      srv = await startTestServer(
        { adminToken: ADMIN_TOKEN, webhookDelivery: 'capture', webhookPollMs: 25 },
        engine,
      );
    });
    after(async () => {
      await srv.close();
      hook.server.close();
    });

    test('connected, updated and deleted are recorded with body and signature; the receiver sees nothing', async () => {
      const t = await createTenant(srv.url, {
        integrations: [{ shop_name: 'Captured', webhook_url: hook.url, webhook_active: true }],
      });
      const key: string = t.created.webhook_signature_key;
      const url = `${srv.url}/api/v2/integrations/${t.integrationId}`;
      await settled(srv.url, `?integration_id=${t.integrationId}`, 1);
      const patched = await call(url, { method: 'PATCH', auth: t.basic, body: { shop_name: 'Renamed' } });
      assert.equal(patched.status, 200, patched.text);
      await settled(srv.url, `?integration_id=${t.integrationId}`, 2);
      assert.equal((await call(url, { method: 'DELETE', auth: t.basic })).status, 204);
      const deliveries = await settled(srv.url, `?integration_id=${t.integrationId}`, 3);

      // Newest first.
      assert.deepEqual(
        deliveries.map((d) => [d.action, d.payload.action, d.payload.integration.shop_name]),
        [
          ['integration_deleted', 'integration_deleted', 'Renamed'],
          ['integration_updated', 'integration_updated', 'Renamed'],
          ['integration_connected', 'integration_connected', 'Captured'],
        ],
      );
      for (const d of deliveries) {
        assert.equal(d.status, 'delivered');
        assert.equal(d.captured, true);
        assert.equal(d.url, hook.url);
        assert.equal(d.account_id, t.accountId);
        assert.equal(d.integration_id, t.integrationId);
        assert.equal(d.next_attempt_at, null);
        assert.match(d.delivered_at, /^\d{4}-\d\d-\d\dT/);
        // The signature verifies with the integration's key over the exact body.
        assert.equal(d.signature, signWebhook(d.body, key));
        assert.deepEqual(d.payload, JSON.parse(d.body));
        assert.deepEqual(Object.keys(d.payload), ['action', 'timestamp', 'integration']);
        assert.equal(d.payload.integration.id, t.integrationId);
        assert.equal(d.attempts.length, 1);
        assert.deepEqual(
          { ...d.attempts[0], attempted_at: 'at', duration_ms: 0 },
          {
            attempted_at: 'at',
            status_code: null,
            error: null,
            duration_ms: 0,
            outcome: 'captured',
            captured: true,
          },
        );
      }
      // Python's json.dumps separators, as a sent webhook carries.
      assert.ok(deliveries[2].body.startsWith('{"action": "integration_connected", "timestamp": '));
      // Every delivery is recorded as delivered, so nothing is left that could still be sent.
      assert.equal(hook.connections(), 0);
      assert.deepEqual(hook.received, []);
      // No secret of the integration in the answer: the signature key signs, it is not shown.
      const text = (await admin(srv.url, `/webhooks?integration_id=${t.integrationId}`)).text;
      assert.ok(!text.includes(key));
      assert.ok(!text.includes(t.secretKey));
    });

    test('filters: account_id, integration_id, limit; 404 for an unknown account, 400 for a bad query', async () => {
      const a = await createTenant(srv.url, {
        integrations: [
          { shop_name: 'A1', webhook_url: hook.url, webhook_active: true },
          { shop_name: 'A2', webhook_url: hook.url, webhook_active: true },
        ],
      });
      const b = await createTenant(srv.url, {
        integrations: [{ shop_name: 'B1', webhook_url: hook.url, webhook_active: true }],
      });
      const a2: number = a.created.integrations[1].id;
      const ofA = await settled(srv.url, `?account_id=${a.accountId}`, 2);
      assert.deepEqual(
        ofA.map((d) => [d.account_id, d.payload.integration.shop_name]),
        [
          [a.accountId, 'A2'],
          [a.accountId, 'A1'],
        ],
      );
      const ofB = await settled(srv.url, `?account_id=${b.accountId}`, 1);
      assert.deepEqual(
        ofB.map((d) => [d.integration_id, d.action]),
        [[b.integrationId, 'integration_connected']],
      );
      const ofA2 = await settled(srv.url, `?integration_id=${a2}`, 1);
      assert.deepEqual(
        ofA2.map((d) => d.payload.integration.shop_name),
        ['A2'],
      );
      // Both filters at once: an integration of another account matches nothing.
      const none = await admin(srv.url, `/webhooks?account_id=${b.accountId}&integration_id=${a2}`);
      assert.deepEqual(none.body, { deliveries: [] });
      // limit keeps the newest.
      const newest = await admin(srv.url, '/webhooks?limit=1');
      assert.equal(newest.status, 200, newest.text);
      assert.deepEqual(
        newest.body.deliveries.map((d: any) => d.integration_id),
        [b.integrationId],
      );

      const unknown = await admin(srv.url, '/webhooks?account_id=999999999');
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.body, {
        error: { code: 'account_not_found', message: 'No account with id 999999999.' },
      });
      const bad = await admin(srv.url, '/webhooks?integration_id=abc');
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body, {
        error: {
          code: 'invalid_request',
          message: 'querystring/integration_id must match pattern "^[0-9]{1,15}$".',
        },
      });
      const extra = await admin(srv.url, '/webhooks?shop=1');
      assert.equal(extra.status, 400);
      assert.equal(extra.body.error.code, 'invalid_request');
      assert.match(extra.body.error.message, /\("shop"\)/);
      const tooMany = await admin(srv.url, '/webhooks?limit=1001');
      assert.equal(tooMany.status, 400);
      const anonymous = await call(`${srv.url}/__admin/webhooks`);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error.code, 'unauthorized');

      // A reset of the account removes its deliveries from the list.
      const reset = await admin(srv.url, '/reset', { method: 'POST', body: { account_id: a.accountId } });
      assert.equal(reset.status, 200, reset.text);
      assert.equal(reset.body.removed.webhook_deliveries, 2);
      const afterReset = await admin(srv.url, `/webhooks?integration_id=${a2}`);
      assert.deepEqual(afterReset.body, { deliveries: [] });
      assert.equal(hook.connections(), 0);
    });

    test('the admin OpenAPI document describes the operation and its query', async () => {
      const doc = await admin(srv.url, '/openapi.json');
      assert.equal(doc.status, 200);
      const operation = doc.body.paths['/__admin/webhooks'].get;
      assert.equal(operation.operationId, 'listWebhooks');
      assert.deepEqual(
        operation.parameters.map((p: any) => [p.name, p.in]),
        [
          ['account_id', 'query'],
          ['integration_id', 'query'],
          ['limit', 'query'],
        ],
      );
      assert.deepEqual(Object.keys(operation.responses).sort(), ['200', '400', '401', '404', '503']);
    });
  });

  describe(`outgoing webhooks in send mode [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer(
        { adminToken: ADMIN_TOKEN, webhookRetryBaseMs: 50, webhookPollMs: 25 },
        engine,
      );
    });
    after(() => srv.close());

    test('sent for real; every attempt listed with its status, the body and signature the receiver got', async () => {
      assert.equal(srv.config.webhookDelivery, 'send');
      const hook = await receiver(1);
      try {
        const t = await createTenant(srv.url, {
          integrations: [{ webhook_url: hook.url, webhook_active: true }],
        });
        const [delivery] = await settled(srv.url, `?integration_id=${t.integrationId}`, 1);
        assert.equal(delivery.status, 'delivered');
        assert.equal(delivery.captured, false);
        assert.deepEqual(
          delivery.attempts.map((a: any) => [a.status_code, a.error, a.outcome, a.captured]),
          [
            [500, null, 'retry', false],
            [200, null, 'delivered', false],
          ],
        );
        assert.equal(hook.received.length, 1);
        assert.equal(hook.received[0]?.body, delivery.body);
        assert.equal(hook.received[0]?.signature, delivery.signature);
        assert.equal(delivery.signature, signWebhook(delivery.body, t.created.webhook_signature_key));
      } finally {
        hook.server.close();
      }
    });

    test('a delivery that cannot be sent fails at once: its attempt listed with the reason', async () => {
      const t = await createTenant(srv.url, {
        integrations: [{ webhook_url: 'ftp://hooks.example/x', webhook_active: true }],
      });
      const [delivery] = await settled(srv.url, `?integration_id=${t.integrationId}`, 1);
      assert.equal(delivery.status, 'failed');
      assert.equal(delivery.captured, false);
      assert.equal(delivery.delivered_at, null);
      assert.deepEqual(
        delivery.attempts.map((a: any) => [a.status_code, a.error, a.outcome]),
        [[null, 'unsupported webhook url scheme "ftp:"', 'failed']],
      );
    });
  });
}

describe('outgoing webhooks on the command line', () => {
  test('admin webhooks prints the admin answer; serve prints capture mode in its banner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-capture-'));
    const server = await serve(['--database', join(dir, 'cli.db'), '--admin-token', ADMIN_TOKEN], {
      WEBHOOK_DELIVERY: 'capture',
    });
    try {
      assert.match(
        server.output(),
        /^webhooks: captured, never sent \(WEBHOOK_DELIVERY=capture\); see GET \/__admin\/webhooks$/m,
      );
      const t = await createTenant(server.url, {
        integrations: [{ webhook_url: 'https://hooks.example/cli', webhook_active: true }],
      });
      const listed = await settled(server.url, `?integration_id=${t.integrationId}`, 1);
      const webhooks = (...args: string[]) =>
        runCliAsync(['admin', 'webhooks', '--url', server.url, '--token', ADMIN_TOKEN, ...args]);
      const run = await webhooks('--integration', String(t.integrationId));
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { deliveries: listed });
      assert.equal(listed[0].captured, true);
      const wrong = await webhooks('--account', '424242');
      assert.equal(wrong.status, 1);
      assert.match(wrong.stderr, /404 account_not_found: No account with id 424242\./);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

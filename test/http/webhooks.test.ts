import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signWebhook } from '../../src/domain/webhooks/payload.js';
import { ENGINES, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { receiver, until } from '../helpers/webhook-receiver.js';

for (const engine of ENGINES) {
  describe(`webhooks through the API [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ webhookRetryBaseMs: 50, webhookPollMs: 25 }, engine);
    });
    after(() => srv.close());

    test('connected, updated and deleted arrive signed with the integration’s key; a failing receiver is retried', async () => {
      const hook = await receiver(2);
      try {
        const t = await srv.tenant();
        const integration = await srv.accounts.createIntegration(t.accountId, {
          shopName: 'Hooked',
          webhookActive: true,
          webhookUrl: hook.url,
        });
        const url = `${srv.url}/api/v2/integrations/${integration.id}`;
        const connected = await until(() => hook.received[0], 'integration_connected');
        const updated = await call(url, { method: 'PATCH', auth: t.basic, body: { shop_name: 'Renamed' } });
        assert.equal(updated.status, 200);
        await until(() => hook.received[1], 'integration_updated');
        assert.equal((await call(url, { method: 'DELETE', auth: t.basic })).status, 204);
        await until(() => hook.received[2], 'integration_deleted');

        for (const delivery of hook.received) {
          assert.equal(delivery.signature, signWebhook(delivery.body, integration.webhookSignatureKey));
        }
        const bodies = hook.received.map((r) => JSON.parse(r.body));
        assert.deepEqual(
          bodies.map((b) => [b.action, b.integration.id, b.integration.shop_name]),
          [
            ['integration_connected', integration.id, 'Hooked'],
            ['integration_updated', integration.id, 'Renamed'],
            ['integration_deleted', integration.id, 'Renamed'],
          ],
        );
        for (const b of bodies) {
          assert.equal(typeof b.timestamp, 'number');
          assert.ok(Math.abs(b.timestamp - Date.now()) < 60_000);
          assert.deepEqual(Object.keys(b), ['action', 'timestamp', 'integration']);
        }
        // Python's json.dumps separators, as Sendcloud's signing example shows.
        assert.ok(connected.body.startsWith('{"action": "integration_connected", "timestamp": '));

        // The receiver answers before the dispatcher records the attempt: wait for the records.
        const store = srv.server.store;
        const deadline = Date.now() + 10_000;
        let deliveries = await store.listWebhookDeliveries(integration.id);
        while (deliveries.some((d) => d.status !== 'delivered') && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
          deliveries = await store.listWebhookDeliveries(integration.id);
        }
        assert.deepEqual(
          deliveries.map((d) => [d.action, d.status]),
          [
            ['integration_connected', 'delivered'],
            ['integration_updated', 'delivered'],
            ['integration_deleted', 'delivered'],
          ],
        );
        // The first delivery met the two failures: three attempts recorded, in order.
        assert.deepEqual(
          deliveries[0]?.attemptLog.map((a) => a.statusCode),
          [500, 500, 200],
        );
      } finally {
        hook.server.close();
      }
    });

    test('no webhook while webhook_active is off, after the change', async () => {
      const hook = await receiver();
      try {
        const t = await srv.tenant();
        const url = `${srv.url}/api/v2/integrations/${t.integrationId}`;
        const on = await call(url, {
          method: 'PATCH',
          auth: t.basic,
          body: { webhook_url: hook.url, webhook_active: true },
        });
        assert.equal(on.status, 200);
        await until(() => hook.received[0], 'integration_updated');
        const off = await call(url, { method: 'PATCH', auth: t.basic, body: { webhook_active: false } });
        assert.equal(off.status, 200);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(hook.received.length, 1);
        assert.equal(JSON.parse(hook.received[0]?.body ?? '{}').integration.webhook_active, true);
        assert.equal((await srv.server.store.listWebhookDeliveries(t.integrationId)).length, 1);
      } finally {
        hook.server.close();
      }
    });
  });
}

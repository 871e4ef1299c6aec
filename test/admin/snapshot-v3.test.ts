/**
 * Snapshots carry API v3's data on each engine: orders, shop order statuses (deleted ones too), the
 * status mapping and an integration's feedback type come back from an import exactly as they were
 * answered before; a version-1 document (the release before v3) still imports, with none of them and
 * the `eager` feedback type.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { basicOrder } from '../v3/order-fixtures.js';
import { ADMIN_TOKEN, admin } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

for (const engine of ENGINES) {
  describe(`admin snapshots with API v3 data [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ adminToken: ADMIN_TOKEN }, engine);
    });
    after(() => srv.close());
    const v3 = (path: string) => `${srv.url}/api/v3${path}`;
    const ok = async (url: string, t: Tenant, init: { method?: string; body?: unknown } = {}) => {
      const answer = await call(url, { auth: t.basic, ...init });
      assert.ok(answer.status >= 200 && answer.status < 300, `${url}: ${answer.status} ${answer.text}`);
      return answer;
    };

    /** A tenant with two v3 orders, three declared statuses (one deleted later), a mapping and `delayed`. */
    async function seed(): Promise<{ t: Tenant; orderIds: number[] }> {
      const t = await srv.tenant();
      const created = await ok(v3('/orders'), t, {
        method: 'POST',
        body: [basicOrder(t.integrationId, 'SNAP-1'), basicOrder(t.integrationId, 'SNAP-2')],
      });
      const orderIds = created.body.data.map((o: Json) => o.id as number);
      const declare = (ids: string[]) =>
        ok(v3('/shop-order-statuses'), t, {
          method: 'POST',
          body: {
            integration_id: t.integrationId,
            statuses: ids.map((id) => ({
              external_id: id,
              translations: [
                { status: `Status ${id}`, language: 'en-gb' },
                { status: `Toestand ${id}`, language: 'nl-nl' },
              ],
            })),
          },
        });
      await declare(['11', '12', '13']);
      await declare(['11', '12']);
      await ok(v3('/shop-order-statuses/mapping'), t, {
        method: 'POST',
        body: {
          integration_id: t.integrationId,
          mapping: [
            { status_category: 'READY_TO_SEND', external_id: '11' },
            { status_category: 'IN_TRANSIT', external_id: '12' },
            { status_category: 'DELIVERED', external_id: '13' },
            { status_category: 'CANCEL', external_id: null },
          ],
        },
      });
      await ok(v3(`/integrations/${t.integrationId}`), t, {
        method: 'PATCH',
        body: { feedback_type: 'delayed' },
      });
      return { t, orderIds };
    }

    /** Every v3 answer the tenant's data shows, byte for byte. */
    async function v3State(t: Tenant, orderIds: number[]): Promise<string[]> {
      const texts = [(await ok(v3('/orders'), t)).text];
      for (const id of orderIds) texts.push((await ok(v3(`/orders/${id}`), t)).text);
      texts.push(
        (await ok(v3(`/shop-order-statuses?integration_id=${t.integrationId}&show_deleted=true`), t)).text,
      );
      texts.push((await ok(v3(`/shop-order-statuses/mapping?integration_id=${t.integrationId}`), t)).text);
      texts.push((await ok(v3(`/integrations/${t.integrationId}`), t)).text);
      return texts;
    }

    async function exportDoc(accountId?: number): Promise<Json> {
      const answer = await admin(
        srv.url,
        `/snapshot${accountId === undefined ? '' : `?account_id=${accountId}`}`,
      );
      assert.equal(answer.status, 200, answer.text);
      return JSON.parse(answer.text);
    }

    test('orders, statuses, mapping and feedback type come back exactly after a change and an import', async () => {
      const { t, orderIds } = await seed();
      const before = await v3State(t, orderIds);
      assert.deepEqual(
        JSON.parse(before[0] ?? 'null')
          .data.map((o: Json) => o.order_id)
          .sort(),
        ['SNAP-1', 'SNAP-2'],
      );
      const doc = await exportDoc(t.accountId);
      assert.equal(doc.version, 2);
      const integration = doc.accounts[0].integrations[0];
      assert.equal(integration.feedback_type, 'delayed');
      assert.deepEqual(
        integration.orders.map((o: Json) => [o.id, o.order_id, o.version]),
        orderIds.map((id, i) => [id, `SNAP-${i + 1}`, 1]),
      );
      assert.deepEqual(
        integration.shop_order_statuses.map((s: Json) => [s.external_id, s.deleted_at_us === null]),
        [
          ['11', true],
          ['12', true],
          ['13', false],
        ],
      );
      assert.deepEqual(integration.shop_order_statuses[0].translations, [
        { status: 'Status 11', language: 'en-gb' },
        { status: 'Toestand 11', language: 'nl-nl' },
      ]);
      assert.deepEqual(
        integration.shop_order_status_mappings.map((m: Json) => [m.status_category, m.external_id]),
        [
          ['CANCEL', null],
          ['DELIVERED', '13'],
          ['IN_TRANSIT', '12'],
          ['READY_TO_SEND', '11'],
        ],
      );

      // Change everything, then wipe the account's data: the import must bring each piece back.
      await ok(v3(`/orders/${orderIds[0]}`), t, { method: 'DELETE' });
      await ok(v3(`/integrations/${t.integrationId}`), t, {
        method: 'PATCH',
        body: { feedback_type: 'none' },
      });
      await ok(v3('/shop-order-statuses'), t, {
        method: 'POST',
        body: {
          integration_id: t.integrationId,
          statuses: [{ external_id: '99', translations: [{ status: 'Other', language: 'en-gb' }] }],
        },
      });
      const changed = await v3State(t, orderIds.slice(1));
      assert.equal(JSON.parse(changed[0] ?? 'null').data.length, 1);
      assert.notEqual(changed.at(-2), before.at(-2), 'the mapping changed: its statuses were declared anew');
      assert.notEqual(changed.at(-1), before.at(-1), 'the feedback type changed');
      const reset = await admin(srv.url, '/reset', { method: 'POST', body: { account_id: t.accountId } });
      assert.equal(reset.status, 200, reset.text);

      const imported = await admin(srv.url, '/snapshot', { method: 'POST', body: doc });
      assert.equal(imported.status, 200, imported.text);
      assert.deepEqual(imported.body.imported, {
        accounts: 1,
        credentials: 1,
        integrations: 1,
        shipments: 0,
        orders: 2,
        shop_order_statuses: 3,
        shop_order_status_mappings: 4,
        logs: 0,
        webhook_deliveries: 0,
        webhook_attempts: 0,
      });
      assert.deepEqual(await v3State(t, orderIds), before);
      // The same document comes back out, and a new order gets an id past the imported ones.
      assert.deepEqual(await exportDoc(t.accountId), doc);
      const next = await ok(v3('/orders'), t, {
        method: 'POST',
        body: [basicOrder(t.integrationId, 'SNAP-3')],
      });
      assert.ok(next.body.data[0].id > Math.max(...orderIds));
    });

    test('a version-1 document (before API v3) still imports: no orders or statuses, feedback type eager', async () => {
      const { t, orderIds } = await seed();
      const doc = await exportDoc(t.accountId);
      doc.version = 1;
      for (const integration of doc.accounts[0].integrations) {
        for (const member of [
          'feedback_type',
          'orders',
          'shop_order_statuses',
          'shop_order_status_mappings',
        ]) {
          delete integration[member];
        }
      }
      const imported = await admin(srv.url, '/snapshot', { method: 'POST', body: doc });
      assert.equal(imported.status, 200, imported.text);
      assert.equal(imported.body.imported.integrations, 1);
      assert.equal(imported.body.imported.orders, 0);
      assert.equal(imported.body.imported.shop_order_statuses, 0);
      assert.deepEqual((await ok(v3('/orders'), t)).body.data, []);
      assert.equal((await call(v3(`/orders/${orderIds[0]}`), { auth: t.basic })).status, 404);
      const statuses = await ok(
        v3(`/shop-order-statuses?integration_id=${t.integrationId}&show_deleted=true`),
        t,
      );
      assert.deepEqual(statuses.body.data, []);
      const integration = await ok(v3(`/integrations/${t.integrationId}`), t);
      assert.equal(integration.body.data.feedback_type, 'eager');
      // Exported again, it is a version-2 document with the v3 members present and empty.
      const again = (await exportDoc(t.accountId)).accounts[0].integrations[0];
      assert.deepEqual(
        [again.feedback_type, again.orders, again.shop_order_statuses, again.shop_order_status_mappings],
        ['eager', [], [], []],
      );

      // A version-1 document that holds a v3 member is refused: the version says its shape.
      doc.accounts[0].integrations[0].feedback_type = 'none';
      const refused = await admin(srv.url, '/snapshot', { method: 'POST', body: doc });
      assert.equal(refused.status, 400, refused.text);
      assert.equal(
        refused.body.error.message,
        'body/accounts/0/integrations/0 must NOT have additional properties ("feedback_type").',
      );
    });
  });
}

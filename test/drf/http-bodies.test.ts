/**
 * The DRF-fidelity rules that live at the HTTP edge, over a real listening server on both engines:
 * no body and empty bodies (DRF parses no empty stream), null bodies, numbers kept as their JSON text
 * through the store, and the years 1 and 9999 stored and answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, call, engineSkip, envelope, minimalOrder, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';

for (const engine of ENGINES) {
  describe(`request bodies as DRF reads them (${engine})`, { skip: await engineSkip(engine) }, () => {
    let server: TestServer;
    let tenant: Tenant;
    let base: string;
    before(async () => {
      server = await startTestServer({}, engine);
      tenant = await server.tenant();
      base = `${server.url}/api/v2/integrations/${tenant.integrationId}`;
    });
    after(() => server.close());

    test('no body and no Content-Type reads as {}: the upsert says it got a dict, PATCH is 200', async () => {
      const upsert = await call(`${base}/shipments`, { method: 'POST', auth: tenant.basic });
      assert.equal(upsert.status, 400);
      assert.deepEqual(
        upsert.body,
        envelope(
          400,
          `api/v2/integrations/${tenant.integrationId}/shipments`,
          'Expected a list of items but got type "dict".',
        ),
      );
      const before = await call(base, { auth: tenant.basic });
      const patch = await call(base, { method: 'PATCH', auth: tenant.basic });
      assert.equal(patch.status, 200);
      assert.equal(patch.body.shop_name, before.body.shop_name);
    });

    test('an empty body with another Content-Type is no body: PATCH with empty text/plain is 200', async () => {
      const patch = await call(base, {
        method: 'PATCH',
        auth: tenant.basic,
        body: '',
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(patch.status, 200);
      assert.equal(typeof patch.body.shop_name, 'string');
      const refused = await call(base, {
        method: 'PATCH',
        auth: tenant.basic,
        body: 'shop_name=x',
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(refused.status, 415);
      assert.deepEqual(
        refused.body,
        envelope(
          415,
          `api/v2/integrations/${tenant.integrationId}`,
          'Unsupported media type "text/plain" in request.',
        ),
      );
      const untyped = await fetch(base, {
        method: 'PATCH',
        headers: { authorization: tenant.basic },
        body: new Uint8Array([0x7b, 0x7d]),
      });
      assert.equal(untyped.status, 415);
      assert.equal(
        ((await untyped.json()) as { error: { message: string } }).error.message,
        'Unsupported media type "" in request.',
      );
      assert.equal((await call(base, { auth: tenant.basic })).body.shop_name, patch.body.shop_name);
    });

    test('a null body: `No data provided`', async () => {
      const upsert = await call(`${base}/shipments`, { auth: tenant.basic, body: 'null' });
      assert.deepEqual(
        upsert.body,
        envelope(400, `api/v2/integrations/${tenant.integrationId}/shipments`, 'No data provided'),
      );
      const patch = await call(base, { method: 'PATCH', auth: tenant.basic, body: 'null' });
      assert.deepEqual(
        patch.body,
        envelope(
          400,
          `api/v2/integrations/${tenant.integrationId}`,
          "{'non_field_errors': ['No data provided']}",
        ),
      );
    });

    test('a null item is an error result; the others are stored', async () => {
      const answer = await call(`${base}/shipments`, { auth: tenant.basic, body: [null, minimalOrder()] });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body[0], {
        error: { non_field_errors: ['No data provided'] },
        external_order_id: '',
        external_shipment_id: '',
        status: 'error',
      });
      assert.equal(answer.body[1].status, 'created');
    });

    test('"address_2": 1.0 is stored "1.0"; the years 1 and 9999 are stored and answered', async () => {
      const order = JSON.stringify(
        minimalOrder({
          external_order_id: 'years',
          created_at: '0001-01-01',
          updated_at: '9999-12-31T23:59:59Z',
        }),
      );
      const answer = await call(`${base}/shipments`, {
        auth: tenant.basic,
        body: `[${order.slice(0, -1)}, "address_2": 1.0}]`,
      });
      assert.equal(answer.body[0].status, 'created');
      const list = await call(`${base}/shipments?external_order_ids=years`, { auth: tenant.basic });
      assert.equal(list.body.results.length, 1);
      const stored = list.body.results[0];
      assert.equal(stored.address_2, '1.0');
      assert.equal(stored.shipment_created_at, '0001-01-01T00:00:00Z');
      assert.equal(stored.shipment_updated_at, '9999-12-31T23:59:59Z');
      // The same updated_at again changes nothing and keeps the uuid.
      const again = await call(`${base}/shipments`, { auth: tenant.basic, body: `[${order}]` });
      assert.deepEqual(again.body[0], { ...answer.body[0], status: 'updated' });
      const unchanged = await call(`${base}/shipments?external_order_ids=years`, { auth: tenant.basic });
      assert.equal(unchanged.body.results[0].address_2, '1.0');
    });

    test('a delete with "external_shipment_id": 1.0 names the key "1.0"', async () => {
      const order = JSON.stringify(minimalOrder({ external_order_id: 'del' }));
      await call(`${base}/shipments`, {
        auth: tenant.basic,
        body: `[${order.slice(0, -1)}, "external_shipment_id": 1.0}]`,
      });
      const wrong = await call(`${base}/shipments/delete`, {
        auth: tenant.basic,
        body: '{"external_order_id": "del", "external_shipment_id": "1"}',
      });
      assert.equal(wrong.status, 404);
      const deleted = await call(`${base}/shipments/delete`, {
        auth: tenant.basic,
        body: '{"external_order_id": "del", "external_shipment_id": 1.0}',
      });
      assert.equal(deleted.status, 204);
      const list = await call(`${base}/shipments?external_order_ids=del`, { auth: tenant.basic });
      assert.deepEqual(list.body.results, []);
    });
  });
}

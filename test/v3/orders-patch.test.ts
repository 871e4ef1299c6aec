import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Json } from '../helpers/reference.js';
import { ENGINES, call, engineSkip, minimalOrder, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { assertV3Error } from './helpers.js';
import { basicOrder, errorExample, requestExamples } from './order-fixtures.js';

/**
 * PATCH /api/v3/orders/{id}: the documented examples, the merge (nested members, items by `name`),
 * `order_id` immutable, read-only members ignored (a client PATCHes the whole order back), concurrent
 * batches on one order; and whether v2 shipments and v3 orders see each other (they do not).
 */
for (const engine of ENGINES) {
  describe(`v3 orders PATCH, concurrency, v2 and v3 [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({}, engine);
    });
    after(() => srv.close());
    const v3 = (path: string) => `${srv.url}/api/v3${path}`;
    const get = async (t: Tenant, id: number): Promise<Json> =>
      (await call(v3(`/orders/${id}`), { auth: t.basic })).body.data;
    const patch = (t: Tenant, id: number, body: unknown) =>
      call(v3(`/orders/${id}`), { method: 'PATCH', auth: t.basic, body });
    async function created(t: Tenant, orderId: string): Promise<number> {
      const order = basicOrder(t.integrationId, orderId);
      order.order_details.order_items.push({
        name: 'Other item',
        quantity: 3,
        total_price: { value: 1, currency: 'EUR' },
      });
      const answer = await call(v3('/orders'), { auth: t.basic, body: [order] });
      assert.equal(answer.status, 201, answer.text);
      return answer.body.data[0].id;
    }

    test('UpdateOrderStatus: 200 {id, order_id, order_number}; status and tags set, the rest kept', async () => {
      const t = await srv.tenant();
      const id = await created(t, '555413');
      const before = await get(t, id);
      const body = requestExamples('/orders/{id}', 'patch').UpdateOrderStatus;
      body.id = String(id);
      body.order_details.status = { code: 'shipped', message: 'Shipped' };
      const answer = await patch(t, id, body);
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.body, { data: { id, order_id: '555413', order_number: before.order_number } });
      const after = await get(t, id);
      assert.deepEqual(after.order_details.status, { code: 'shipped', message: 'Shipped' });
      assert.deepEqual(after.order_details.tags, ['october_campaign']);
      assert.deepEqual(after.order_details.order_items, before.order_details.order_items);
      assert.deepEqual(after.payment_details, before.payment_details);
      assert.equal(after.created_at, before.created_at);
      const listed = await call(v3('/orders?status=SHIPPED'), { auth: t.basic });
      assert.deepEqual(
        listed.body.data.map((o: Json) => o.id),
        [String(id)],
      );
    });

    test('UpdateOrderItem: the item of the same name is merged, the others kept', async () => {
      const t = await srv.tenant();
      const id = await created(t, '555413');
      const body = requestExamples('/orders/{id}', 'patch').UpdateOrderItem;
      const answer = await patch(t, id, body);
      assert.equal(answer.status, 200, answer.text);
      const items = (await get(t, id)).order_details.order_items;
      assert.equal(items.length, 2);
      assert.equal(items[0].name, 'Cylinder candle');
      assert.equal(items[0].quantity, 2);
      assert.deepEqual(items[0].unit_price, { value: 7, currency: 'EUR' });
      assert.equal(items[0].mid_code, 'US1234567');
      assert.deepEqual(items[1], {
        name: 'Other item',
        quantity: 3,
        total_price: { value: 1, currency: 'EUR' },
      });
    });

    test('an item name the order has not is the documented 400, nothing changed', async () => {
      const t = await srv.tenant();
      const id = await created(t, 'P-1');
      const before = await get(t, id);
      const answer = await patch(t, id, { order_details: { order_items: [{ name: 'Nope', quantity: 1 }] } });
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.body.errors, [
        errorExample('/orders/{id}', 'patch', 400, 'MissingRequiredField'),
      ]);
      assert.deepEqual(await get(t, id), before);
    });

    test('order_id is immutable; validation errors point into the body; nested members merge', async () => {
      const t = await srv.tenant();
      const id = await created(t, 'P-2');
      assertV3Error(await patch(t, id, { order_id: 'other' }), 400, {
        code: 'invalid',
        detail: 'Order id P-2 cannot be changed',
        source: { pointer: '/data/attributes/order_id' },
      });
      assertV3Error(await patch(t, id, { shipping_address: { country_code: '' } }), 400, {
        code: 'invalid',
        detail: 'String should have at least 1 character',
        source: { pointer: '/data/attributes/shipping_address/country_code' },
      });
      assertV3Error(await patch(t, id, { order_details: { integration: { id: 0 } } }), 400, {
        code: 'invalid',
        detail: 'Input should be greater than or equal to 1',
        source: { pointer: '/data/attributes/order_details/integration/id' },
      });
      const ok = await patch(t, id, { shipping_address: { city: 'Breda' }, order_number: 'P-2b' });
      assert.equal(ok.status, 200, ok.text);
      const after = await get(t, id);
      assert.equal(after.shipping_address.city, 'Breda');
      assert.equal(after.shipping_address.name, 'John Doe');
      assert.equal(after.order_number, 'P-2b');
    });

    test('the whole order PATCHed back, read-only members included, changes nothing but modified_at', async () => {
      const t = await srv.tenant();
      const id = await created(t, 'P-3');
      const before = await get(t, id);
      const answer = await patch(t, id, { ...before, created_at: 'not a date', modified_at: 5 });
      assert.equal(answer.status, 200, answer.text);
      const after = await get(t, id);
      assert.deepEqual({ ...after, modified_at: null }, { ...before, modified_at: null });
    });

    test("another account's integration as the new integration is 400 does not exist", async () => {
      const t = await srv.tenant();
      const other = await srv.tenant();
      const id = await created(t, 'P-4');
      assertV3Error(
        await patch(t, id, { order_details: { integration: { id: other.integrationId } } }),
        400,
        {
          code: 'invalid',
          detail: `Integration with id ${other.integrationId} does not exist`,
          source: { pointer: '/data/attributes/order_details/integration/id' },
        },
      );
    });

    test('concurrent batches on the same order never make two; each answer is 201 or "still processing"', async () => {
      const t = await srv.tenant();
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call(v3('/orders'), {
            auth: t.basic,
            body: [basicOrder(t.integrationId, 'SAME', { order_number: `N-${i}` })],
          }),
        ),
      );
      const listed = (await call(v3('/orders'), { auth: t.basic })).body.data;
      assert.equal(listed.length, 1);
      for (const answer of answers) {
        if (answer.status === 201) assert.equal(String(answer.body.data[0].id), listed[0].id);
        else
          assert.deepEqual(answer.body.errors, [
            errorExample('/orders', 'post', 400, 'DuplicateOrderProcessing'),
          ]);
      }
    });

    test('v2 shipments and v3 orders are separate resources: neither lists the other; deleting the integration removes both', async () => {
      const t = await srv.tenant();
      const shipment = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments`, {
        auth: t.basic,
        body: [minimalOrder({ external_order_id: 'SHARED-1' })],
      });
      assert.equal(shipment.status, 200, shipment.text);
      assert.deepEqual((await call(v3('/orders'), { auth: t.basic })).body, { data: [] });
      const order = await call(v3('/orders'), {
        auth: t.basic,
        body: [basicOrder(t.integrationId, 'SHARED-1')],
      });
      assert.equal(order.status, 201);
      const v2 = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments`, { auth: t.basic });
      assert.deepEqual(
        v2.body.results.map((s: Json) => s.external_order_id),
        ['SHARED-1'],
      );
      assert.equal(v2.body.results.length, 1);
      const deleted = await call(`${srv.url}/api/v2/integrations/${t.integrationId}`, {
        method: 'DELETE',
        auth: t.basic,
      });
      assert.equal(deleted.status, 204);
      assert.equal((await call(v3(`/orders/${order.body.data[0].id}`), { auth: t.basic })).status, 404);
    });
  });
}

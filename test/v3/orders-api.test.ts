import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { referenceDocument } from '../helpers/reference.js';
import type { Json } from '../helpers/reference.js';
import { ENGINES, ManualClock, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { formatTimestamp } from '../../src/domain/v3/time.js';
import { assertV3Error, tokenFor } from './helpers.js';
import { basicOrder, errorExample, requestExamples } from './order-fixtures.js';

/**
 * The Orders API under /api/v3 on both engines: every documented request example replayed (and the
 * documented answers' shapes), the documented errors byte for byte, all-or-nothing batches proven by
 * the state, PATCH's merge, account scope. Every answer is validated against the reference by `call()`.
 */
const doc = (): Json => referenceDocument('sendcloud-v3-orders');

for (const engine of ENGINES) {
  describe(`v3 orders [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    const clock = new ManualClock(Date.UTC(2025, 0, 2, 3, 4, 5, 678) * 1000);
    before(async () => {
      srv = await startTestServer({}, engine, clock);
    });
    after(() => srv.close());
    const v3 = (path: string) => `${srv.url}/api/v3${path}`;
    const post = (t: Tenant, body: unknown, headers: Record<string, string> = {}) =>
      call(v3('/orders'), { method: 'POST', auth: t.basic, body, headers });
    const list = async (t: Tenant, query = '') => call(v3(`/orders${query}`), { auth: t.basic });
    const ids = async (t: Tenant, query = ''): Promise<string[]> => {
      const answer = await list(t, query);
      assert.equal(answer.status, 200, answer.text);
      return answer.body.data.map((o: Json) => o.id);
    };

    test('every documented create example is accepted: 201, one {id, order_id, order_number} per order', async () => {
      const t = await srv.tenant();
      const examples = requestExamples('/orders', 'post');
      for (const [name, batch] of Object.entries(examples) as [string, Json][]) {
        if (name === 'UpdateBatchOrders') continue;
        for (const order of batch) order.order_details.integration.id = t.integrationId;
        batch[0].order_id = `${name}-1`;
        const answer = await post(t, batch);
        assert.equal(answer.status, 201, `${name}: ${answer.text}`);
        const createdId: number = answer.body.data[0].id;
        assert.deepEqual(answer.body, {
          data: [{ id: createdId, order_id: `${name}-1`, order_number: batch[0].order_number }],
        });
        assert.equal(typeof createdId, 'number');
        const got = await call(v3(`/orders/${createdId}`), { auth: t.basic });
        assert.equal(got.status, 200, got.text);
        // Every member sent is stored and answered (timestamps in the answer's form).
        assert.equal(got.body.data.id, String(createdId));
        assert.deepEqual(got.body.data.payment_details.total_price, batch[0].payment_details.total_price);
        assert.deepEqual(got.body.data.shipping_address, batch[0].shipping_address);
        for (const member of [
          'customs_details',
          'billing_address',
          'customer_details',
          'service_point_details',
        ]) {
          assert.deepEqual(got.body.data[member], batch[0][member], `${name}: ${member}`);
        }
        if (batch[0].shipping_details !== undefined) {
          assert.deepEqual(got.body.data.shipping_details, batch[0].shipping_details);
        }
        const item = got.body.data.order_details.order_items[0];
        assert.deepEqual(item, batch[0].order_details.order_items[0]);
      }
    });

    test('the UpdateBatchOrders example updates by explicit string ids, in request order', async () => {
      const t = await srv.tenant();
      const [first, second] = requestExamples('/orders', 'post').UpdateBatchOrders;
      for (const order of [first, second]) {
        order.order_details.integration.id = t.integrationId;
        delete order.id;
      }
      const created = await post(t, [first, second]);
      assert.equal(created.status, 201, created.text);
      const [a, b] = created.body.data.map((r: Json) => r.id);
      clock.advance(1000);
      const update = requestExamples('/orders', 'post').UpdateBatchOrders;
      update[0].id = String(b);
      update[0].order_id = second.order_id;
      update[1].id = String(a);
      update[1].order_id = first.order_id;
      for (const order of update) order.order_details.integration.id = t.integrationId;
      update[0].order_number = 'RENUMBERED';
      const answer = await post(t, update);
      assert.equal(answer.status, 201, answer.text);
      assert.deepEqual(answer.body.data, [
        { id: b, order_id: second.order_id, order_number: 'RENUMBERED' },
        { id: a, order_id: first.order_id, order_number: update[1].order_number },
      ]);
      const got = await call(v3(`/orders/${b}`), { auth: t.basic });
      assert.equal(got.body.data.order_number, 'RENUMBERED');
      assert.notEqual(got.body.data.created_at, got.body.data.modified_at);
      assert.deepEqual(await ids(t), [String(b), String(a)]);
    });

    test('upsert on order_id + integration: the same key again updates the same order', async () => {
      const t = await srv.tenant();
      const one = await post(t, [basicOrder(t.integrationId, 'K-1')]);
      const again = await post(t, [basicOrder(t.integrationId, 'K-1', { order_number: 'N2' })]);
      assert.equal(again.status, 201);
      assert.equal(again.body.data[0].id, one.body.data[0].id);
      const all = (await list(t)).body.data;
      assert.equal(all.length, 1);
      assert.equal(all[0].order_number, 'N2');
    });

    test('the same order_id twice in one batch: one order, each item answered, the later one stored', async () => {
      const t = await srv.tenant();
      const answer = await post(t, [
        basicOrder(t.integrationId, 'D-1', { order_number: 'first' }),
        basicOrder(t.integrationId, 'D-2', { order_number: 'other' }),
        basicOrder(t.integrationId, 'D-1', { order_number: 'second' }),
      ]);
      assert.equal(answer.status, 201, answer.text);
      const [a, b] = answer.body.data.map((r: Json) => r.id);
      assert.ok(a < b);
      assert.deepEqual(answer.body.data, [
        { id: a, order_id: 'D-1', order_number: 'first' },
        { id: b, order_id: 'D-2', order_number: 'other' },
        { id: a, order_id: 'D-1', order_number: 'second' },
      ]);
      const all = (await list(t)).body.data;
      assert.deepEqual(
        all.map((o: Json) => [o.id, o.order_id, o.order_number]),
        [
          [String(b), 'D-2', 'other'],
          [String(a), 'D-1', 'second'],
        ],
      );
    });

    test('an empty batch, as [] or as no body at all, is 201 with no data', async () => {
      const t = await srv.tenant();
      assert.deepEqual((await post(t, [])).body, { data: [] });
      const bare = await call(v3('/orders'), {
        method: 'POST',
        auth: t.basic,
        headers: { 'content-type': 'application/json', 'content-length': '0' },
      });
      assert.equal(bare.status, 201, bare.text);
      assert.deepEqual(bare.body, { data: [] });
    });

    test('documented errors: wrong format, batch size, missing field, greater than 0, id type, unknown integration', async () => {
      const t = await srv.tenant();
      const wrong = await post(t, { order_id: 'x' });
      assert.equal(wrong.status, 400);
      assert.deepEqual(wrong.body.errors, [
        errorExample('/orders', 'post', 400, 'WrongPayloadFormatRequested'),
      ]);

      const many = Array.from({ length: 101 }, (_, i) => basicOrder(t.integrationId, `M-${i}`));
      const tooMany = await post(t, many);
      assert.deepEqual(tooMany.body.errors, [errorExample('/orders', 'post', 400, 'BatchSizeLimitExceeded')]);

      const missing = basicOrder(t.integrationId, 'E-2');
      delete missing.order_details.integration;
      const missingAnswer = await post(t, [basicOrder(t.integrationId, 'E-1'), missing]);
      assert.deepEqual(missingAnswer.body.errors, [
        errorExample('/orders', 'post', 400, 'MissingRequiredField'),
      ]);

      const zero = basicOrder(t.integrationId, 'E-3');
      zero.order_details.order_items[0].quantity = 0;
      assert.deepEqual((await post(t, [zero])).body.errors, [
        errorExample('/orders', 'post', 400, 'InvalidFieldValue'),
      ]);

      const numericId = basicOrder(t.integrationId, 'E-4', { id: 669 });
      assert.deepEqual((await post(t, [numericId])).body.errors, [
        errorExample('/orders', 'post', 400, 'InvalidIdType'),
      ]);

      const shipWith = basicOrder(t.integrationId, 'E-5');
      shipWith.shipping_details.ship_with = {};
      assert.deepEqual(
        (await post(t, [shipWith])).body.errors,
        doc().paths['/orders'].post.responses['400'].content['application/json'].examples
          .MultipleValidationErrors.value.errors,
      );

      const other = await srv.tenant();
      const foreign = await post(t, [basicOrder(other.integrationId, 'E-6')]);
      assertV3Error(foreign, 400, {
        code: 'invalid',
        detail: `Integration with id ${other.integrationId} does not exist`,
        source: { pointer: '/data/attributes/[0]/order_details/integration/id' },
      });
      const unknown = await post(t, [basicOrder(99999, 'E-7')]);
      assert.deepEqual(unknown.body.errors, [errorExample('/orders', 'post', 400, 'IntegrationNotFound')]);
      // Nothing of any refused batch was written.
      assert.deepEqual(await ids(t), []);
    });

    test('ImmutableFieldChange: an explicit id with another order_id is refused with the current one', async () => {
      const t = await srv.tenant();
      const created = await post(t, [basicOrder(t.integrationId, 'abc-123')]);
      const id = created.body.data[0].id;
      const answer = await post(t, [basicOrder(t.integrationId, 'other', { id: String(id) })]);
      assert.deepEqual(answer.body.errors, [errorExample('/orders', 'post', 400, 'ImmutableFieldChange')]);
      const unknownId = await post(t, [basicOrder(t.integrationId, 'abc-123', { id: '987654321' })]);
      assertV3Error(unknownId, 400, {
        code: 'invalid',
        detail: 'Order with id 987654321 does not exist',
        source: { pointer: '/data/attributes/[0]/id' },
      });
    });

    test('all or nothing: one invalid order among valid ones writes nothing, updates included', async () => {
      const t = await srv.tenant();
      const created = await post(t, [basicOrder(t.integrationId, 'A-1')]);
      const before = (await list(t)).body.data;
      const bad = basicOrder(t.integrationId, 'A-3');
      bad.payment_details.total_price.currency = 'JPY';
      const answer = await post(t, [
        basicOrder(t.integrationId, 'A-1', { order_number: 'CHANGED' }),
        basicOrder(t.integrationId, 'A-2'),
        bad,
      ]);
      assertV3Error(answer, 400, {
        code: 'invalid',
        detail: "Input should be 'EUR', 'GBP' or 'USD'",
        source: { pointer: '/data/attributes/[2]/payment_details/total_price/currency' },
      });
      assert.deepEqual((await list(t)).body.data, before);
      assert.equal(before[0].id, String(created.body.data[0].id));
      // Errors of several orders are all reported, in batch order.
      const two = await post(t, [
        basicOrder(t.integrationId, 'A-4', { order_number: '' }),
        basicOrder(t.integrationId, 'A-5', { order_id: 5 }),
      ]);
      assert.deepEqual(
        two.body.errors.map((e: Json) => [e.detail, e.source.pointer]),
        [
          ['String should have at least 1 character', '/data/attributes/[0]/order_number'],
          ['Input should be a valid string', '/data/attributes/[1]/order_id'],
        ],
      );
    });

    test('lax coercions and timestamps: "5" is 5, offsets kept, answers always with fraction and zone', async () => {
      const t = await srv.tenant();
      const order = basicOrder(t.integrationId, 'C-1');
      order.order_details.order_items[0].quantity = '2';
      order.order_details.integration.id = String(t.integrationId);
      order.order_details.order_created_at = '2022-12-31T23:59:59.999999+02:00';
      order.order_details.order_updated_at = '2023-01-01T10:00:00+00:00';
      order.shipping_details.is_local_pickup = 'false';
      order.unknown_member = 'ignored';
      const answer = await post(t, [order]);
      assert.equal(answer.status, 201, answer.text);
      const got = (await call(v3(`/orders/${answer.body.data[0].id}`), { auth: t.basic })).body.data;
      assert.equal(got.order_details.order_items[0].quantity, 2);
      assert.equal(got.order_details.integration.id, t.integrationId);
      assert.equal(got.order_details.order_created_at, '2022-12-31T23:59:59.999999+02:00');
      assert.equal(got.order_details.order_updated_at, '2023-01-01T10:00:00.000000+00:00');
      assert.equal(got.shipping_details.is_local_pickup, false);
      assert.equal(got.unknown_member, undefined);
      assert.equal(got.created_at, formatTimestamp(clock.nowUs()));
      assert.match(got.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.678000\+00:00$/);
      assert.match(got.modified_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      const bad = basicOrder(t.integrationId, 'C-2');
      bad.order_details.order_created_at = 'yesterday at noon';
      assertV3Error(await post(t, [bad]), 400, {
        code: 'invalid',
        detail: 'Input should be a valid datetime or date, invalid character in year',
        source: { pointer: '/data/attributes/[0]/order_details/order_created_at' },
      });
    });

    test('OAuth2 tokens are accepted on Orders; a Sendcloud-Partner-Id that is no UUID is refused', async () => {
      const t = await srv.tenant();
      const token = await tokenFor(srv.url, t.basic);
      const answer = await call(v3('/orders'), {
        method: 'POST',
        auth: `Bearer ${token}`,
        body: [basicOrder(t.integrationId, 'O-1')],
      });
      assert.equal(answer.status, 201, answer.text);
      const listed = await call(v3('/orders'), { auth: `Bearer ${token}` });
      assert.equal(listed.body.data.length, 1);
      const partner = await post(t, [basicOrder(t.integrationId, 'O-2')], { 'sendcloud-partner-id': 'nope' });
      assert.equal(partner.status, 400, partner.text);
      assert.deepEqual(await ids(t), [String(answer.body.data[0].id)]);
    });

    test("GET, PATCH and DELETE of an unknown or another account's order: the documented 404s", async () => {
      const t = await srv.tenant();
      const other = await srv.tenant();
      const created = await post(other, [basicOrder(other.integrationId, 'X-1')]);
      const id = created.body.data[0].id;
      for (const target of [id, 987654321]) {
        const got = await call(v3(`/orders/${target}`), { auth: t.basic });
        assert.deepEqual(got.body.errors, [errorExample('/orders/{id}', 'get', 404, 'OrderDoesNotExist')]);
        const patched = await call(v3(`/orders/${target}`), { method: 'PATCH', auth: t.basic, body: {} });
        assert.deepEqual(patched.body.errors, [errorExample('/orders/{id}', 'patch', 404, 'OrderNotFound')]);
        const deleted = await call(v3(`/orders/${target}`), { method: 'DELETE', auth: t.basic });
        assert.equal(deleted.status, 404);
        assert.deepEqual(deleted.body.errors, [
          errorExample('/orders/{id}', 'delete', 404, 'OrderDoesNotExist'),
        ]);
      }
      // Still there for its owner.
      assert.equal((await call(v3(`/orders/${id}`), { auth: other.basic })).status, 200);
    });

    test('DELETE is 204 and the order is gone; POST /orders/{id} is 405, not a delete', async () => {
      const t = await srv.tenant();
      const id = (await post(t, [basicOrder(t.integrationId, 'D-1')])).body.data[0].id;
      const viaPost = await call(v3(`/orders/${id}`), { method: 'POST', auth: t.basic });
      assert.equal(viaPost.status, 405);
      assert.equal((await call(v3(`/orders/${id}`), { auth: t.basic })).status, 200);
      const deleted = await call(v3(`/orders/${id}`), {
        method: 'DELETE',
        auth: t.basic,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      assert.equal((await call(v3(`/orders/${id}`), { auth: t.basic })).status, 404);
    });
  });
}

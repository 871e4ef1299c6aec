import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requestExample, responseExample } from '../helpers/reference.js';
import { ENGINES, call, engineSkip, envelope, minimalOrder, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';

const REF_PATH = '/integrations/{id}/shipments';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const engine of ENGINES) {
  describe(
    `POST /api/v2/integrations/{id}/shipments (upsert) [${engine}]`,
    { skip: await engineSkip(engine) },
    () => {
      let srv: TestServer;
      before(async () => {
        srv = await startTestServer({}, engine);
      });
      after(() => srv.close());

      const url = (t: Tenant) => `${srv.url}/api/v2/integrations/${t.integrationId}/shipments`;
      const post = (t: Tenant, body: unknown) => call(url(t), { auth: t.basic, body });
      const list = async (t: Tenant, query = '') => {
        const answer = await call(`${url(t)}${query}`, { auth: t.basic });
        assert.equal(answer.status, 200, answer.text);
        return answer.body.results as Record<string, unknown>[];
      };

      test('the reference request example: its placeholders give the field errors its schema implies', async () => {
        const t = await srv.tenant();
        const example = requestExample(REF_PATH, 'post', 'CreateUpdateShipments');
        const answer = await post(t, example);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, [
          {
            error: {
              // The reference describes delivery_method_type as one of three values; its example's
              // placeholder is none of them.
              checkout_payload: { delivery_method_type: ['"string" is not a valid choice.'] },
              total_order_value: ['A valid number is required.'],
              weight: ['A valid number is required.'],
              width: ['A valid number is required.'],
              height: ['A valid number is required.'],
              length: ['A valid number is required.'],
            },
            external_order_id: '555413',
            external_shipment_id: '777413',
            status: 'error',
          },
        ]);
        assert.deepEqual(await list(t), []);
      });

      test('the reference example with real values is created, and listed with every field stored', async () => {
        const t = await srv.tenant();
        const order = requestExample(REF_PATH, 'post', 'CreateUpdateShipments')[0];
        Object.assign(order, {
          total_order_value: '19.99',
          weight: '1.5',
          width: 10,
          height: '20.25',
          length: '5',
        });
        order.checkout_payload.delivery_method_type = 'nominated_day_delivery';
        const answer = await post(t, [order]);
        assert.equal(answer.status, 200);
        const [result] = answer.body;
        // The reference's response example shape: these four keys, a v4 uuid, status created.
        const shape = responseExample(REF_PATH, 'post', '200', 'CreateUpdateShipments')[0];
        assert.deepEqual(Object.keys(result).sort(), Object.keys(shape).sort());
        assert.match(result.shipment_uuid, UUID_V4);
        assert.deepEqual(
          { ...result, shipment_uuid: 'x' },
          {
            external_order_id: '555413',
            external_shipment_id: '777413',
            shipment_uuid: 'x',
            status: 'created',
          },
        );

        const [stored] = await list(t);
        assert.ok(stored);
        const listShape = responseExample(REF_PATH, 'get', '200', 'RetrieveShipmentList').results[0];
        assert.deepEqual(Object.keys(stored).sort(), Object.keys(listShape).sort());
        assert.equal(stored.shipment_uuid, result.shipment_uuid);
        assert.equal(stored.integration, t.integrationId);
        assert.equal(stored.total_order_value, '19.99');
        assert.equal(stored.weight, '1.500');
        assert.equal(stored.width, '10.000');
        assert.equal(stored.height, '20.250');
        assert.equal(stored.length, '5.000');
        assert.equal(stored.shipment_created_at, '2019-08-24T14:15:22Z');
        assert.equal(stored.shipment_updated_at, '2019-08-24T14:15:22Z');
        assert.match(String(stored.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);
        assert.deepEqual(stored.allowed_shipping_methods, []);
        assert.equal(stored.barcode, null);
        assert.equal(stored.sender_address, null);
        assert.deepEqual(stored.order_status, { id: 'fulfilled', message: 'Fulfilled' });
        assert.deepEqual(stored.payment_status, { id: 'paid', message: 'Paid' });
        assert.equal(stored.country, 'AW');
        assert.equal(stored.currency, 'EUR');
        assert.equal(stored.customs_shipment_type, 0);
        assert.equal(stored.shipping_method, 12345);
        const items = stored.parcel_items as Record<string, unknown>[];
        assert.equal(items.length, 1);
        assert.equal(items[0]?.quantity, 2);
        assert.equal(items[0]?.value, '3.50');
        assert.equal(items[0]?.weight, '1.000');
        assert.deepEqual(items[0]?.properties, { size: 'small', colour: 'red' });
        assert.equal(
          (stored.checkout_payload as { shipping_product: { code: string } }).shipping_product.code,
          'postnl:standard',
        );
      });

      test('the response example error item: a missing delivery_date nested like the payload', async () => {
        const t = await srv.tenant();
        const expected = responseExample(REF_PATH, 'post', '200', 'CreateUpdateShipments')[1];
        const order = minimalOrder({
          external_order_id: expected.external_order_id,
          external_shipment_id: expected.external_shipment_id,
          checkout_payload: {
            sender_address_id: 0,
            shipping_product: {
              code: 'postnl:standard',
              name: 'PostNL Standard',
              selected_functionalities: {},
            },
            delivery_method_type: 'nominated_day_delivery',
            delivery_method_data: {
              formatted_delivery_date: 'May 7',
              parcel_handover_date: '2024-05-06T10:00:00Z',
            },
          },
        });
        const answer = await post(t, [order]);
        assert.deepEqual(answer.body, [expected]);
      });

      test('minimal orders as real clients send them are accepted', async () => {
        const t = await srv.tenant();
        const answer = await post(t, [
          minimalOrder({ external_order_id: 'min' }),
          minimalOrder({
            external_order_id: 4711, // an integer where a string is expected
            external_shipment_id: '',
            unknown_field: { nested: true },
            to_state: null, // explicit nulls where the schema allows them
            shipping_method_checkout_name: 'Home',
            email: '',
            total_order_value: 12.5, // a decimal as a JSON number
            weight: 1.25,
            currency: '', // "" in a nullable choice field reads as null
            customs_shipment_type: '2', // an integer as a string
            shipping_method: '8.0',
            created_at: '2024-03-01 10:00:00.123456', // naive, with microseconds: read as UTC
            updated_at: '2024-03-01T11:00:00.1234567+02:00', // fractions truncated to microseconds
            parcel_items: [{ description: 'Mug', quantity: '3', value: 4, origin_country: '', sku: 1234 }],
            name: '  Jane Roe  ',
          }),
        ]);
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual(
          answer.body.map((r: { status: string }) => r.status),
          ['created', 'created'],
          answer.text,
        );
        assert.equal(answer.body[1].external_order_id, '4711');
        const rows = await list(t);
        const row = rows.find((r) => r.external_order_id === '4711');
        assert.ok(row);
        assert.equal(row.total_order_value, '12.50');
        assert.equal(row.weight, '1.250');
        assert.equal(row.currency, null);
        assert.equal(row.customs_shipment_type, 2);
        assert.equal(row.shipping_method, 8);
        assert.equal(row.name, 'Jane Roe');
        assert.equal(row.email, '');
        assert.equal(row.shipment_created_at, '2024-03-01T10:00:00.123456Z');
        assert.equal(row.shipment_updated_at, '2024-03-01T09:00:00.123456Z');
        assert.equal(Object.hasOwn(row, 'unknown_field'), false);
        const [item] = row.parcel_items as Record<string, unknown>[];
        assert.equal(item?.quantity, 3);
        assert.equal(item?.value, '4.00');
        assert.equal(item?.origin_country, null);
        assert.equal(item?.sku, '1234');
        const minimal = rows.find((r) => r.external_order_id === 'min');
        assert.ok(minimal);
        assert.equal(minimal.company_name, '');
        assert.equal(minimal.currency, null);
        assert.equal(minimal.parcel_items, null);
      });

      test('a body that is not a list, including the {"shipments": [...]} wrapper, is rejected as DRF does', async () => {
        const t = await srv.tenant();
        const path = `api/v2/integrations/${t.integrationId}/shipments`;
        for (const [body, type] of [
          [{ shipments: [minimalOrder()] }, 'dict'],
          [minimalOrder(), 'dict'],
          ['"text"', 'str'],
          ['12', 'int'],
          ['1.5', 'float'],
          ['true', 'bool'],
          ['', 'dict'],
        ] as const) {
          const answer = await post(t, body);
          assert.equal(answer.status, 400, String(body));
          assert.deepEqual(
            answer.body,
            envelope(400, path, `Expected a list of items but got type "${type}".`),
          );
        }
        // DRF's ListSerializer.errors for a null body.
        assert.deepEqual((await post(t, 'null')).body, envelope(400, path, 'No data provided'));
        assert.deepEqual(await list(t), []);
      });

      test('[] is 200 []; 101 items are 400; 100 items are accepted', async () => {
        const t = await srv.tenant();
        const path = `api/v2/integrations/${t.integrationId}/shipments`;
        const empty = await post(t, []);
        assert.equal(empty.status, 200);
        assert.deepEqual(empty.body, []);
        const orders = Array.from({ length: 101 }, (_, i) => minimalOrder({ external_order_id: `o${i}` }));
        const tooMany = await post(t, orders);
        assert.deepEqual(
          tooMany.body,
          envelope(400, path, 'Ensure this field has no more than 100 elements.'),
        );
        assert.deepEqual(await list(t), []);
        const hundred = await post(t, orders.slice(0, 100));
        assert.equal(hundred.body.length, 100);
        assert.ok(hundred.body.every((r: { status: string }) => r.status === 'created'));
        assert.equal((await list(t)).length, 100);
      });

      test('idempotent on the key: same updated_at changes nothing, another updated_at replaces the order', async () => {
        const t = await srv.tenant();
        const order = minimalOrder({ external_order_id: 'idem', external_shipment_id: 'S1', name: 'First' });
        const created = await post(t, [order]);
        assert.equal(created.body[0].status, 'created');
        const uuid = created.body[0].shipment_uuid;

        const same = await post(t, [{ ...order, name: 'Ignored: updated_at did not change' }]);
        assert.deepEqual(same.body, [
          { external_order_id: 'idem', external_shipment_id: 'S1', shipment_uuid: uuid, status: 'updated' },
        ]);
        let [row] = await list(t);
        assert.equal(row?.name, 'First');
        const firstUpdatedAt = row?.updated_at;
        const importedAt = row?.created_at;

        // Older or newer: the reference says "changed", so either replaces the stored order.
        for (const [updatedAt, name] of [
          ['2024-03-02T10:00:00Z', 'Newer'],
          ['2020-01-01T00:00:00Z', 'Older'],
          ['2020-01-01T00:00:00.000001Z', 'One microsecond later'],
        ]) {
          const changed = await post(t, [{ ...order, updated_at: updatedAt, name }]);
          assert.deepEqual(changed.body[0], {
            external_order_id: 'idem',
            external_shipment_id: 'S1',
            shipment_uuid: uuid,
            status: 'updated',
          });
          [row] = await list(t);
          assert.equal(row?.name, name);
        }
        const rows = await list(t);
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.created_at, importedAt);
        assert.notEqual(rows[0]?.updated_at, undefined);
        assert.ok(String(rows[0]?.updated_at) >= String(firstUpdatedAt));
        assert.equal(rows[0]?.shipment_updated_at, '2020-01-01T00:00:00.000001Z');
      });

      test('null and "" external_shipment_id are one key; a key twice in one batch sees the first', async () => {
        const t = await srv.tenant();
        const answer = await post(t, [
          minimalOrder({ external_order_id: 'K', external_shipment_id: null }),
          minimalOrder({
            external_order_id: 'K',
            external_shipment_id: '',
            updated_at: '2024-05-01T00:00:00Z',
          }),
          minimalOrder({ external_order_id: 'K', external_shipment_id: 'other' }),
        ]);
        assert.deepEqual(
          answer.body.map((r: { status: string }) => r.status),
          ['created', 'updated', 'created'],
        );
        assert.equal(answer.body[0].shipment_uuid, answer.body[1].shipment_uuid);
        assert.notEqual(answer.body[0].shipment_uuid, answer.body[2].shipment_uuid);
        assert.equal((await list(t)).length, 2);
      });

      test('an invalid item does not stop the others; results come in request order', async () => {
        const t = await srv.tenant();
        const answer = await post(t, [
          minimalOrder({ external_order_id: 'ok-1' }),
          7,
          minimalOrder({ external_order_id: 'bad', order_status: {} }),
          minimalOrder({
            external_order_id: 'bad-items',
            parcel_items: [
              { description: 'fine', quantity: 1, value: '1.00' },
              { description: 'broken', quantity: 0, value: '1.00' },
            ],
          }),
          minimalOrder({ external_order_id: 'ok-2', country: 'NL' }),
        ]);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body[1], {
          error: { non_field_errors: ['Invalid data. Expected a dictionary, but got int.'] },
          external_order_id: '',
          external_shipment_id: '',
          status: 'error',
        });
        assert.deepEqual(answer.body[2].error, {
          order_status: { id: ['This field is required.'], message: ['This field is required.'] },
        });
        assert.equal(answer.body[2].status, 'error');
        assert.equal(answer.body[2].external_order_id, 'bad');
        assert.deepEqual(answer.body[3].error, {
          parcel_items: [{}, { quantity: ['Ensure this value is greater than or equal to 1.'] }],
        });
        assert.deepEqual(
          [answer.body[0].status, answer.body[4].status, answer.body[4].external_order_id],
          ['created', 'created', 'ok-2'],
        );
        const ids = (await list(t)).map((r) => r.external_order_id).sort();
        assert.deepEqual(ids, ['ok-1', 'ok-2']);
      });

      test('required fields and documented messages per field', async () => {
        const t = await srv.tenant();
        const answer = await post(t, [
          {},
          minimalOrder({ external_order_id: 'x', country: 'XX', currency: 'JPY', email: 'nope', name: '' }),
          minimalOrder({ external_order_id: 'y', weight: '1.2345', total_order_value: '1.999', name: null }),
          minimalOrder({ external_order_id: 'z', created_at: 'yesterday', updated_at: 12 }),
        ]);
        assert.deepEqual(answer.body[0].error, {
          external_order_id: ['This field is required.'],
          external_shipment_id: ['This field is required.'],
          name: ['This field is required.'],
          address: ['This field is required.'],
          city: ['This field is required.'],
          postal_code: ['This field is required.'],
          country: ['This field is required.'],
          order_number: ['This field is required.'],
          created_at: ['This field is required.'],
          updated_at: ['This field is required.'],
        });
        assert.deepEqual(answer.body[1].error, {
          country: ['"XX" is not a valid choice.'],
          currency: ['"JPY" is not a valid choice.'],
          email: ['Enter a valid email address.'],
          name: ['This field may not be blank.'],
        });
        assert.deepEqual(answer.body[2].error, {
          name: ['This field may not be null.'],
          total_order_value: ['Ensure that there are no more than 2 decimal places.'],
          weight: ['Ensure that there are no more than 3 decimal places.'],
        });
        const datetime =
          'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';
        assert.deepEqual(answer.body[3].error, { created_at: [datetime], updated_at: [datetime] });
        assert.deepEqual(await list(t), []);
      });

      test('concurrent upserts of one key never make two shipments', async () => {
        const t = await srv.tenant();
        const answers = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            post(t, [
              minimalOrder({
                external_order_id: 'race',
                updated_at: `2024-03-01T10:00:${String(i).padStart(2, '0')}Z`,
              }),
            ]),
          ),
        );
        const uuids = new Set(answers.map((a) => a.body[0].shipment_uuid));
        assert.equal(uuids.size, 1);
        assert.equal(answers.filter((a) => a.body[0].status === 'created').length, 1);
        assert.equal((await list(t)).length, 1);
      });
    },
  );
}

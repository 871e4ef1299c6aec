import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requestExample, responseExample } from '../helpers/reference.js';
import { ENGINES, call, engineSkip, envelope, minimalOrder, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';

const REF_PATH = '/integrations/{id}/shipments/delete';

for (const engine of ENGINES) {
  describe(
    `POST /api/v2/integrations/{id}/shipments/delete (the seed) [${engine}]`,
    { skip: await engineSkip(engine) },
    () => {
      let srv: TestServer;
      before(async () => {
        srv = await startTestServer({}, engine);
      });
      after(() => srv.close());

      const paths = (t: Tenant) => ({
        upsert: `${srv.url}/api/v2/integrations/${t.integrationId}/shipments`,
        list: `${srv.url}/api/v2/integrations/${t.integrationId}/shipments`,
        del: `${srv.url}/api/v2/integrations/${t.integrationId}/shipments/delete`,
        request: `api/v2/integrations/${t.integrationId}/shipments/delete`,
      });

      async function upsert(t: Tenant, order: Record<string, unknown>): Promise<string> {
        const answer = await call(paths(t).upsert, { auth: t.basic, body: [order] });
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.body[0].status, 'created', answer.text);
        return answer.body[0].shipment_uuid;
      }

      async function listedUuids(t: Tenant): Promise<string[]> {
        const answer = await call(paths(t).list, { auth: t.basic });
        assert.equal(answer.status, 200);
        return answer.body.results.map((r: { shipment_uuid: string }) => r.shipment_uuid);
      }

      test('DeleteByUUID example: 204 with an empty body, and the shipment is gone from the list', async () => {
        const t = await srv.tenant();
        const example = requestExample(REF_PATH, 'post', 'DeleteByUUID');
        // The example's uuid does not exist here yet: it must answer the documented 404 first.
        const missing = await call(paths(t).del, { auth: t.basic, body: example });
        assert.equal(missing.status, 404);
        assert.deepEqual(
          missing.body,
          envelope(404, paths(t).request, 'No ShipmentBlob matches the given query.'),
        );

        const uuid = await upsert(t, minimalOrder());
        const keep = await upsert(t, minimalOrder({ external_order_id: 'keep' }));
        const answer = await call(paths(t).del, { auth: t.basic, body: { shipment_uuid: uuid } });
        assert.equal(answer.status, 204);
        assert.equal(answer.text, '');
        assert.deepEqual(await listedUuids(t), [keep]);
      });

      test('DeleteByOrderIdShipmentId example: 204 with an empty body', async () => {
        const t = await srv.tenant();
        const example = requestExample(REF_PATH, 'post', 'DeleteByOrderIdShipmentId');
        await upsert(t, minimalOrder(example));
        const answer = await call(paths(t).del, { auth: t.basic, body: example });
        assert.equal(answer.status, 204);
        assert.equal(answer.text, '');
        assert.deepEqual(await listedUuids(t), []);
      });

      test('RequiredFieldMissing and invalid_uuid examples reproduced byte for byte', async () => {
        const t = await srv.tenant();
        for (const [name, body] of [
          ['RequiredFieldMissing', {}],
          ['invalid_uuid', { shipment_uuid: 'not-a-uuid' }],
        ] as const) {
          const expected = responseExample(REF_PATH, 'post', '400', name);
          const answer = await call(paths(t).del, { auth: t.basic, body });
          assert.equal(answer.status, 400);
          assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
          assert.deepEqual(
            answer.body,
            envelope(expected.error.code, paths(t).request, expected.error.message),
          );
        }
      });

      test('404 examples: unknown shipment, unknown integration, another account’s integration', async () => {
        const t = await srv.tenant();
        const other = await srv.tenant();
        const shipmentMissing = responseExample(REF_PATH, 'post', '404', 'ShipmentNotFound').error.message;
        const integrationMissing = responseExample(REF_PATH, 'post', '404', 'IntegrationNotFound').error
          .message;

        const a = await call(paths(t).del, {
          auth: t.basic,
          body: { external_order_id: 'nope', external_shipment_id: 'x' },
        });
        assert.deepEqual(a.body, envelope(404, paths(t).request, shipmentMissing));

        const b = await call(`${srv.url}/api/v2/integrations/999999/shipments/delete`, {
          auth: t.basic,
          body: { shipment_uuid: '39874b59-2a68-4a3d-8e00-aeb9e0540d00' },
        });
        assert.equal(b.status, 404);
        assert.deepEqual(
          b.body,
          envelope(404, 'api/v2/integrations/999999/shipments/delete', integrationMissing),
        );

        // Another account's integration is a 404 as well, never 403, and its shipment stays.
        const uuid = await upsert(other, minimalOrder());
        const c = await call(paths(other).del, { auth: t.basic, body: { shipment_uuid: uuid } });
        assert.equal(c.status, 404);
        assert.deepEqual(c.body, envelope(404, paths(other).request, integrationMissing));
        // And this account's credentials on its own integration cannot reach the other's shipment.
        const d = await call(paths(t).del, { auth: t.basic, body: { shipment_uuid: uuid } });
        assert.deepEqual(d.body, envelope(404, paths(t).request, shipmentMissing));
        assert.deepEqual(await listedUuids(other), [uuid]);
      });

      test('both forms in one body: a present shipment_uuid wins over the pair', async () => {
        const t = await srv.tenant();
        const byUuid = await upsert(t, minimalOrder({ external_order_id: 'A' }));
        const byPair = await upsert(t, minimalOrder({ external_order_id: 'B' }));
        const answer = await call(paths(t).del, {
          auth: t.basic,
          body: { shipment_uuid: byUuid, external_order_id: 'B', external_shipment_id: null },
        });
        assert.equal(answer.status, 204);
        assert.deepEqual(await listedUuids(t), [byPair]);
        // A uuid that is present and invalid is an error even when a valid pair is there too.
        const invalid = await call(paths(t).del, {
          auth: t.basic,
          body: { shipment_uuid: 'zzz', external_order_id: 'B', external_shipment_id: null },
        });
        assert.deepEqual(invalid.body, envelope(400, paths(t).request, 'Must be a valid UUID.'));
        // shipment_uuid: null counts as absent, so the pair is used.
        const viaPair = await call(paths(t).del, {
          auth: t.basic,
          body: { shipment_uuid: null, external_order_id: 'B', external_shipment_id: '' },
        });
        assert.equal(viaPair.status, 204);
        assert.deepEqual(await listedUuids(t), []);
      });

      test('half a pair, or a body that is not an object, is the Missing message', async () => {
        const t = await srv.tenant();
        const message = 'Missing shipment_uuid or the pair external_order_id and external_shipment_id';
        for (const body of [
          { external_order_id: '1001' },
          { external_shipment_id: 'S1' },
          { shipment_uuid: null },
          [],
          [{ shipment_uuid: '39874b59-2a68-4a3d-8e00-aeb9e0540d00' }],
          'null',
          '"39874b59-2a68-4a3d-8e00-aeb9e0540d00"',
          '42',
        ]) {
          const answer = await call(paths(t).del, { auth: t.basic, body });
          assert.equal(answer.status, 400, JSON.stringify(body));
          assert.deepEqual(answer.body, envelope(400, paths(t).request, message));
        }
        // An empty body reads as {} (docs/behaviour.md).
        const empty = await call(paths(t).del, { auth: t.basic, body: '' });
        assert.deepEqual(empty.body, envelope(400, paths(t).request, message));
      });

      test('a null or empty external_shipment_id names the null key; numbers are read as strings', async () => {
        const t = await srv.tenant();
        await upsert(t, minimalOrder({ external_order_id: '7', external_shipment_id: null }));
        await upsert(t, minimalOrder({ external_order_id: '8', external_shipment_id: '' }));
        await upsert(t, minimalOrder({ external_order_id: '9', external_shipment_id: '12' }));
        const first = await call(paths(t).del, {
          auth: t.basic,
          body: { external_order_id: 7, external_shipment_id: '' },
        });
        assert.equal(first.status, 204);
        const second = await call(paths(t).del, {
          auth: t.basic,
          body: { external_order_id: '8', external_shipment_id: null },
        });
        assert.equal(second.status, 204);
        const third = await call(paths(t).del, {
          auth: t.basic,
          body: { external_order_id: 9, external_shipment_id: 12 },
        });
        assert.equal(third.status, 204);
        assert.deepEqual(await listedUuids(t), []);
      });

      test('UUIDs in upper case, without hyphens, in braces or as a URN name the same shipment', async () => {
        const t = await srv.tenant();
        const forms = [
          (u: string) => u.toUpperCase(),
          (u: string) => u.replaceAll('-', ''),
          (u: string) => `{${u}}`,
          (u: string) => `urn:uuid:${u}`,
        ];
        for (const [i, form] of forms.entries()) {
          const uuid = await upsert(t, minimalOrder({ external_order_id: `u${i}` }));
          const answer = await call(paths(t).del, { auth: t.basic, body: { shipment_uuid: form(uuid) } });
          assert.equal(answer.status, 204, form(uuid));
        }
        assert.deepEqual(await listedUuids(t), []);
      });

      test('a repeat delete is 404; re-upserting the same keys creates a new shipment with a new uuid', async () => {
        const t = await srv.tenant();
        const order = minimalOrder({ external_order_id: 'R1', external_shipment_id: 'S1' });
        const uuid = await upsert(t, order);
        const body = { external_order_id: 'R1', external_shipment_id: 'S1' };
        assert.equal((await call(paths(t).del, { auth: t.basic, body })).status, 204);
        const again = await call(paths(t).del, { auth: t.basic, body });
        assert.deepEqual(
          again.body,
          envelope(404, paths(t).request, 'No ShipmentBlob matches the given query.'),
        );
        const byUuid = await call(paths(t).del, { auth: t.basic, body: { shipment_uuid: uuid } });
        assert.equal(byUuid.status, 404);
        const fresh = await upsert(t, order);
        assert.notEqual(fresh, uuid);
        assert.deepEqual(await listedUuids(t), [fresh]);
      });

      test('the path with a trailing slash is served directly, and `request` keeps the slash', async () => {
        const t = await srv.tenant();
        const answer = await call(`${paths(t).del}/`, { auth: t.basic, body: {} });
        assert.equal(answer.status, 400);
        assert.equal(answer.body.error.request, `${paths(t).request}/`);
      });
    },
  );
}

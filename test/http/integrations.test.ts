import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requestExample, responseExample } from '../helpers/reference.js';
import {
  ENGINES,
  call,
  engineSkip,
  envelope,
  minimalOrder,
  startTestServer,
  storedShipments,
} from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/;

for (const engine of ENGINES) {
  describe(`integrations [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({}, engine);
    });
    after(() => srv.close());

    const one = (t: Tenant, id = t.integrationId) => `${srv.url}/api/v2/integrations/${id}`;

    test('RetrieveIntegrationList: a bare array of Integration with the example’s keys and types', async () => {
      const t = await srv.tenant();
      const answer = await call(`${srv.url}/api/v2/integrations`, { auth: t.basic });
      assert.equal(answer.status, 200);
      const example = responseExample('/integrations', 'get', '200', 'RetrieveIntegrationList')[0];
      assert.ok(Array.isArray(answer.body));
      assert.equal(answer.body.length, 1);
      const [integration] = answer.body;
      assert.deepEqual(Object.keys(integration), Object.keys(example));
      assert.equal(integration.id, t.integrationId);
      assert.equal(integration.system, 'api');
      assert.equal(typeof integration.service_point_enabled, 'boolean');
      assert.equal(typeof integration.webhook_active, 'boolean');
      assert.deepEqual(integration.service_point_carriers, []);
      assert.match(integration.last_updated_at, TIME);
    });

    test('RetrieveIntegration: the same shape; another account’s integration is the documented 404', async () => {
      const t = await srv.tenant();
      const other = await srv.tenant();
      const answer = await call(one(t), { auth: t.basic });
      const example = responseExample('/integrations/{id}', 'get', '200', 'RetrieveIntegration');
      assert.deepEqual(Object.keys(answer.body), Object.keys(example));
      assert.equal(answer.body.id, t.integrationId);
      const notFound = responseExample('/integrations/{id}', 'get', '404', 'NotFound');
      const foreign = await call(one(other), { auth: t.basic });
      assert.deepEqual(
        foreign.body,
        envelope(404, `api/v2/integrations/${other.integrationId}`, notFound.error.message),
      );
    });

    test('PUT with the UpdateIntegration example: 200 IntegrationUpdate, last_updated_at moves', async () => {
      const t = await srv.tenant();
      const before = (await call(one(t), { auth: t.basic })).body;
      const body = requestExample('/integrations/{id}', 'put', 'UpdateIntegration');
      const answer = await call(one(t), { method: 'PUT', auth: t.basic, body });
      assert.equal(answer.status, 200, answer.text);
      const example = responseExample('/integrations/{id}', 'put', '200', 'UpdateIntegration');
      assert.deepEqual(Object.keys(answer.body), Object.keys(example));
      assert.deepEqual({ ...answer.body, last_updated_at: 'x' }, { ...example, last_updated_at: 'x' });
      assert.ok(answer.body.last_updated_at > before.last_updated_at);
      const stored = (await call(one(t), { auth: t.basic })).body;
      assert.equal(stored.shop_name, 'Integration #1');
      assert.deepEqual(stored.service_point_carriers, ['ups']);
      assert.equal(stored.webhook_url, 'https://example.com');
    });

    test('PATCH with both documented request examples; a read-only field in the body is ignored', async () => {
      const t = await srv.tenant();
      const partial = requestExample('/integrations/{id}', 'patch', 'partial_update');
      const a = await call(one(t), { method: 'PATCH', auth: t.basic, body: partial });
      assert.equal(a.status, 200, a.text);
      const partialExample = responseExample('/integrations/{id}', 'patch', '200', 'partial_update');
      assert.equal(a.body.service_point_enabled, partialExample.service_point_enabled);
      assert.deepEqual(a.body.service_point_carriers, partialExample.service_point_carriers);
      assert.equal(a.body.shop_name, 'My webshop'); // omitted fields keep their values
      const full = requestExample('/integrations/{id}', 'patch', 'UpdateIntegration');
      const b = await call(one(t), { method: 'PATCH', auth: t.basic, body: full });
      assert.equal(b.status, 200, b.text);
      assert.notEqual(b.body.last_updated_at, full.last_updated_at);
      assert.equal(b.body.webhook_active, true);
    });

    test('the documented 400 (WrongFieldValue), byte for byte, and the other update rules', async () => {
      const t = await srv.tenant();
      const path = `api/v2/integrations/${t.integrationId}`;
      const example = responseExample('/integrations/{id}', 'put', '400', 'WrongFieldValue');
      const answer = await call(one(t), {
        method: 'PUT',
        auth: t.basic,
        body: { webhook_active: null, webhook_url: null },
      });
      assert.deepEqual(answer.body, envelope(400, path, example.error.message));
      const cases: [unknown, string][] = [
        [
          { service_point_enabled: true },
          "{'service_point_carriers': ['At least one carrier must be provided if the service point delivery is enabled.']}",
        ],
        [
          { service_point_enabled: true, service_point_carriers: [] },
          "{'service_point_carriers': ['At least one carrier must be provided if the service point delivery is enabled.']}",
        ],
        [{ webhook_active: true }, "{'settings': ['webhook_url: This field is required.']}"],
        [{ webhook_url: 'not a url' }, "{'settings': ['webhook_url: Enter a valid URL.']}"],
        [{ shop_name: '' }, "{'shop_name': ['This field may not be blank.']}"],
        [{ shop_url: 'ftp:/nope' }, "{'shop_url': ['Enter a valid URL.']}"],
        [{ service_point_enabled: 'maybe' }, "{'service_point_enabled': ['Must be a valid boolean.']}"],
        [
          { service_point_carriers: 'ups' },
          `{'service_point_carriers': ['Expected a list of items but got type "str".']}`,
        ],
        [[], "{'non_field_errors': ['Invalid data. Expected a dictionary, but got list.']}"],
      ];
      for (const [body, message] of cases) {
        const bad = await call(one(t), { method: 'PATCH', auth: t.basic, body });
        assert.deepEqual(bad.body, envelope(400, path, message), JSON.stringify(body));
      }
      // Nothing was changed by the refused updates.
      const stored = (await call(one(t), { auth: t.basic })).body;
      assert.equal(stored.service_point_enabled, false);
      assert.equal(stored.webhook_active, false);
      assert.equal(stored.shop_name, 'My webshop');
    });

    test('ordering: each documented field, descending with -, unknown values ignored', async () => {
      const t = await srv.tenant();
      for (const name of ['Charlie', 'Alpha'])
        await srv.accounts.createIntegration(t.accountId, {
          shopName: name,
          system: name === 'Alpha' ? 'shopify' : 'woo',
        });
      const names = async (ordering: string) =>
        (await call(`${srv.url}/api/v2/integrations?ordering=${ordering}`, { auth: t.basic })).body.map(
          (i: { shop_name: string }) => i.shop_name,
        );
      assert.deepEqual(await names('shop_name'), ['Alpha', 'Charlie', 'My webshop']);
      assert.deepEqual(await names('-shop_name'), ['My webshop', 'Charlie', 'Alpha']);
      assert.deepEqual(await names('-id'), ['Alpha', 'Charlie', 'My webshop']);
      assert.deepEqual(await names('system,shop_name'), ['My webshop', 'Alpha', 'Charlie']);
      assert.deepEqual(await names('nonsense'), ['My webshop', 'Charlie', 'Alpha']);
      assert.deepEqual(await names(''), ['My webshop', 'Charlie', 'Alpha']);
    });

    test('DELETE: 204, then 404; its shipments and logs go, credentials and other integrations stay', async () => {
      const t = await srv.tenant();
      const other = await srv.accounts.createIntegration(t.accountId);
      const base = `${srv.url}/api/v2/integrations`;
      await call(`${base}/${t.integrationId}/shipments`, { auth: t.basic, body: [minimalOrder()] });
      await call(`${base}/${other.id}/shipments`, { auth: t.basic, body: [minimalOrder()] });
      await call(`${base}/${t.integrationId}/logs`, {
        auth: t.basic,
        body: { base_url: 'https://shop.example' },
      });
      const intruder = await srv.tenant();
      assert.equal((await call(one(t), { method: 'DELETE', auth: intruder.basic })).status, 404);
      const answer = await call(one(t), { method: 'DELETE', auth: t.basic });
      assert.equal(answer.status, 204);
      assert.equal(answer.text, '');
      assert.equal((await call(one(t), { auth: t.basic })).status, 404);
      assert.equal((await call(one(t), { method: 'DELETE', auth: t.basic })).status, 404);
      const store = srv.server.store;
      const rows = await storedShipments(store, t.integrationId);
      assert.deepEqual(rows, []);
      const logs = await call(`${base}/logs`, { auth: t.basic });
      assert.deepEqual(logs.body.results, []);
      const remaining = await call(`${base}/${other.id}/shipments`, { auth: t.basic });
      assert.equal(remaining.body.results.length, 1);
      assert.deepEqual(
        (await call(base, { auth: t.basic })).body.map((i: { id: number }) => i.id),
        [other.id],
      );
    });
  });
}

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ENGINES, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { referenceDocument } from '../helpers/reference.js';
import type { Json } from '../helpers/reference.js';
import { receiver, until } from '../helpers/webhook-receiver.js';
import { assertV3Error } from './helpers.js';

/**
 * v3's Integrations over the same integrations as v2: the reference's examples replayed, its renames,
 * `sort`, Pydantic's validation, changes seen through both versions, and the webhooks a v3 change fires.
 */
const doc = referenceDocument('sendcloud-v3-orders');
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;

const requestExample = (name: string): Json =>
  structuredClone(
    doc.paths['/integrations/{id}'].patch.requestBody.content['application/json'].examples[name].value,
  );
const responseExample = (path: string, method: string, status: string, name: string): Json =>
  structuredClone(doc.paths[path][method].responses[status].content['application/json'].examples[name].value);

for (const engine of ENGINES) {
  describe(`v3 integrations [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({}, engine);
    });
    after(() => srv.close());
    const v3 = (path: string) => `${srv.url}/api/v3${path}`;
    const v2 = (path: string) => `${srv.url}/api/v2${path}`;

    test("the list and the retrieve answer the reference example's members, under v3's names, timestamps with a fraction and a zone", async () => {
      const t = await srv.tenant();
      await call(v2(`/integrations/${t.integrationId}`), {
        method: 'PATCH',
        auth: t.basic,
        body: {
          shop_url: 'https://www.my-shop-integration.com/',
          service_point_enabled: true,
          service_point_carriers: ['ups', 'dhl'],
          webhook_active: true,
          webhook_url: 'https://my-shop-integration.integrator/api/webhooks/sendcloud',
        },
      });
      const list = await call(v3('/integrations'), { auth: t.basic });
      assert.equal(list.status, 200);
      const [example] = responseExample('/integrations', 'get', '200', 'Response').data;
      const [item] = list.body.data;
      // Every member of the example, except the two timestamps of a fetching shop this one never had.
      const expectedKeys = Object.keys(example).filter(
        (k) => k !== 'started_failing_at' && k !== 'last_fetched_at',
      );
      assert.deepEqual(Object.keys(item).sort(), expectedKeys.sort());
      const stored = (await srv.server.store.getIntegration(t.accountId, t.integrationId))!;
      assert.deepEqual(item, {
        id: t.integrationId,
        shop_name: 'My webshop',
        shop_url: 'https://www.my-shop-integration.com/',
        type: 'api',
        created_at: item.created_at,
        updated_at: item.updated_at,
        service_point_enabled: true,
        service_point_carriers: ['ups', 'dhl'],
        webhook_active: true,
        webhook_url: 'https://my-shop-integration.integrator/api/webhooks/sendcloud',
        feedback_type: 'eager',
      });
      assert.match(item.created_at, TIMESTAMP);
      assert.match(item.updated_at, TIMESTAMP);
      assert.equal(Date.parse(item.updated_at) * 1000, Math.floor(stored.lastUpdatedAtUs / 1000) * 1000);
      const one = await call(v3(`/integrations/${t.integrationId}`), { auth: t.basic });
      assert.deepEqual(one.body, { data: item });
    });

    test('v2 and v3 show one integration: renamed members carry the same values', async () => {
      const t = await srv.tenant();
      const v2Before = (await call(v2(`/integrations/${t.integrationId}`), { auth: t.basic })).body;
      const v3Before = (await call(v3(`/integrations/${t.integrationId}`), { auth: t.basic })).body.data;
      assert.equal(v3Before.type, v2Before.system);
      assert.equal(Date.parse(v3Before.updated_at), Date.parse(v2Before.last_updated_at));
      assert.equal('started_failing_at' in v3Before, v2Before.failing_since !== null);
      assert.equal('last_fetched_at' in v3Before, v2Before.last_fetch !== null);
      assert.equal('shop_url' in v3Before, false, 'a null v2 member is left out in v3');
      assert.equal(v2Before.shop_url, null);
    });

    test('every documented PATCH example: 204, no body, and seen changed through v3 and v2', async () => {
      const t = await srv.tenant();
      const path = `/integrations/${t.integrationId}`;
      const expectations: Record<string, (v3Data: Json, v2Data: Json) => void> = {
        UpdatingShopName: (a, b) => {
          assert.equal(a.shop_name, 'My Webshop');
          assert.equal(b.shop_name, 'My Webshop');
        },
        EnableServicePointsIntegration: (a, b) => {
          assert.deepEqual([a.service_point_enabled, a.service_point_carriers], [true, ['ups', 'dhl']]);
          assert.deepEqual([b.service_point_enabled, b.service_point_carriers], [true, ['ups', 'dhl']]);
        },
        EnableWebhooksForAnIntegration: (a, b) => {
          assert.deepEqual([a.webhook_active, a.webhook_url], [true, 'https://mywebshop.com/feedback']);
          assert.deepEqual([b.webhook_active, b.webhook_url], [true, 'https://mywebshop.com/feedback']);
        },
        UpdateFeedbackType: (a, b) => {
          assert.equal(a.feedback_type, 'none');
          assert.equal('feedback_type' in b, false, 'v2 does not show it');
        },
      };
      const names = Object.keys(
        doc.paths['/integrations/{id}'].patch.requestBody.content['application/json'].examples,
      );
      assert.deepEqual(names.sort(), Object.keys(expectations).sort());
      let previous = (await call(v3(path), { auth: t.basic })).body.data.updated_at;
      for (const name of names) {
        const answer = await call(v3(path), { method: 'PATCH', auth: t.basic, body: requestExample(name) });
        assert.equal(answer.status, 204, `${name}: ${answer.text}`);
        assert.equal(answer.text, '');
        const a = (await call(v3(path), { auth: t.basic })).body.data;
        const b = (await call(v2(path), { auth: t.basic })).body;
        expectations[name]!(a, b);
        assert.ok(a.updated_at >= previous, 'an update moves updated_at');
        previous = a.updated_at;
      }
    });

    test("the reference's 400 and 404 examples, byte for byte", async () => {
      const t = await srv.tenant();
      const path = `/integrations/${t.integrationId}`;
      const missingUrl = await call(v3(path), {
        method: 'PATCH',
        auth: t.basic,
        body: { webhook_active: true },
      });
      assert.equal(missingUrl.status, 400);
      assert.deepEqual(
        missingUrl.body,
        responseExample('/integrations/{id}', 'patch', '400', 'WebhookDoesNotExist'),
      );
      for (const [method, name] of [
        ['get', 'OrderDoesNotExist'],
        ['delete', 'OrderDoesNotExist'],
        ['patch', 'IntegrationDoesNotExist'],
      ] as const) {
        const answer = await call(v3('/integrations/999999999'), {
          method: method.toUpperCase(),
          auth: t.basic,
          ...(method === 'patch' ? { body: { shop_name: 'x' } } : {}),
        });
        assert.equal(answer.status, 404);
        assert.deepEqual(answer.body, responseExample('/integrations/{id}', method, '404', name));
      }
      const unchanged = (await call(v3(path), { auth: t.basic })).body.data;
      assert.equal(unchanged.webhook_active, false);
    });

    test("invalid members: Pydantic's messages, every one at its pointer, and nothing changes", async () => {
      const t = await srv.tenant();
      const path = v3(`/integrations/${t.integrationId}`);
      const before = (await call(path, { auth: t.basic })).body.data;
      const answer = await call(path, {
        method: 'PATCH',
        auth: t.basic,
        body: {
          shop_name: '',
          service_point_enabled: 'maybe',
          feedback_type: 'later',
          webhook_url: 'nope',
          unknown: 1,
        },
      });
      assert.equal(answer.status, 400);
      assert.deepEqual(
        answer.body.errors.map((e: Json) => [e.code, e.detail, e.source.pointer]),
        [
          ['invalid', 'String should have at least 1 character', '/data/attributes/shop_name'],
          [
            'invalid',
            'Input should be a valid boolean, unable to interpret input',
            '/data/attributes/service_point_enabled',
          ],
          [
            'invalid',
            'Input should be a valid URL, relative URL without a base',
            '/data/attributes/webhook_url',
          ],
          ['invalid', "Input should be 'eager', 'delayed' or 'none'", '/data/attributes/feedback_type'],
        ],
      );
      const carriers = await call(path, {
        method: 'PATCH',
        auth: t.basic,
        body: { service_point_enabled: true },
      });
      assertV3Error(carriers, 400, {
        code: 'invalid',
        title: 'Invalid',
        detail: 'At least one carrier must be provided if the service point delivery is enabled.',
        source: { pointer: '/data/attributes/service_point_carriers' },
      });
      for (const body of ['[]', '"shop"', '7']) {
        const wrong = await call(path, { method: 'PATCH', auth: t.basic, body });
        assertV3Error(wrong, 400, {
          code: 'non_field_errors',
          title: 'Wrong format',
          detail: 'Wrong request format, expected object',
        });
      }
      assert.deepEqual((await call(path, { auth: t.basic })).body.data, before);
    });

    test('changes made through v2 are seen through v3, and a v3 delete is a v2 delete', async () => {
      const t = await srv.tenant();
      const put = await call(v2(`/integrations/${t.integrationId}`), {
        method: 'PUT',
        auth: t.basic,
        body: { shop_name: 'Renamed in v2', shop_url: 'https://shop.example/' },
      });
      assert.equal(put.status, 200);
      const seen = (await call(v3(`/integrations/${t.integrationId}`), { auth: t.basic })).body.data;
      assert.equal(seen.shop_name, 'Renamed in v2');
      assert.equal(seen.shop_url, 'https://shop.example/');
      assert.equal(Date.parse(seen.updated_at), Date.parse(put.body.last_updated_at));
      const deleted = await call(v3(`/integrations/${t.integrationId}`), { method: 'DELETE', auth: t.basic });
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      const gone = await call(v2(`/integrations/${t.integrationId}`), { auth: t.basic });
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.message, 'No Integration matches the given query.');
      assertV3Error(
        await call(v3(`/integrations/${t.integrationId}`), { method: 'DELETE', auth: t.basic }),
        404,
        {
          code: 'not_found',
          title: 'Not found',
          detail: 'The Integration could not be found with the search criteria given',
        },
      );
      assert.deepEqual((await call(v3('/integrations'), { auth: t.basic })).body, { data: [] });
    });

    test('sort: the documented keys, "-" for descending, unknown keys ignored; default last_fetch then created_at', async () => {
      // The server's times have millisecond resolution (as Sendcloud's do): each step waits for the next
      // millisecond, so no two of these times tie and the order below is the sort's, not the tie-break's.
      const nextMillisecond = async () => {
        const now = Date.now();
        while (Date.now() === now) await new Promise((resolve) => setTimeout(resolve, 1));
      };
      const t = await srv.tenant();
      await nextMillisecond();
      const b = await srv.accounts.createIntegration(t.accountId, { shopName: 'B', system: 'woocommerce' });
      await nextMillisecond();
      const c = await srv.accounts.createIntegration(t.accountId, { shopName: 'C', system: 'api' });
      await nextMillisecond();
      // B is touched last: updated_at order is a, c, b.
      await call(v3(`/integrations/${b.id}`), { method: 'PATCH', auth: t.basic, body: { shop_name: 'B2' } });
      const ids = async (sort?: string) =>
        (
          await call(v3(`/integrations${sort === undefined ? '' : `?sort=${sort}`}`), { auth: t.basic })
        ).body.data.map((i: Json) => i.id);
      const a = t.integrationId;
      // No shop has been fetched: the default falls back to created_at.
      assert.deepEqual(await ids(), [a, b.id, c.id]);
      assert.deepEqual(await ids('-created_at'), [c.id, b.id, a]);
      assert.deepEqual(await ids('updated_at'), [a, c.id, b.id]);
      assert.deepEqual(await ids('-updated_at'), [b.id, c.id, a]);
      assert.deepEqual(await ids('-integration_type,created_at'), [b.id, a, c.id]);
      assert.deepEqual(await ids('nonsense'), [a, b.id, c.id]);
      assert.deepEqual(await ids('-created_at,created_at'), [c.id, b.id, a]);
    });

    test('a v3 PATCH fires integration_updated as v2 does: signed, with the integration as v2 shows it', async () => {
      const hook = await receiver();
      try {
        const t = await srv.tenant();
        const path = v3(`/integrations/${t.integrationId}`);
        const on = await call(path, {
          method: 'PATCH',
          auth: t.basic,
          body: { webhook_active: true, webhook_url: hook.url },
        });
        assert.equal(on.status, 204);
        const first = await until(() => hook.received[0], 'integration_updated');
        const payload = JSON.parse(first.body);
        assert.equal(payload.action, 'integration_updated');
        assert.equal(payload.integration.id, t.integrationId);
        assert.equal(payload.integration.webhook_url, hook.url);
        const key = (await srv.server.store.getIntegration(t.accountId, t.integrationId))!
          .webhookSignatureKey;
        assert.equal(first.signature, createHmac('sha256', key).update(first.body).digest('hex'));
        const renamed = await call(path, {
          method: 'PATCH',
          auth: t.basic,
          body: { shop_name: 'Renamed in v3' },
        });
        assert.equal(renamed.status, 204);
        const second = await until(() => hook.received[1], 'the second integration_updated');
        assert.equal(JSON.parse(second.body).integration.shop_name, 'Renamed in v3');
        const deliveries = await srv.server.store.listWebhookDeliveries(t.integrationId);
        assert.deepEqual(
          deliveries.map((d) => d.action),
          ['integration_updated', 'integration_updated'],
        );
      } finally {
        hook.server.close();
      }
    });
  });
}

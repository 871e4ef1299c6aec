import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAdminClient, createSendcloudClient } from 'order-inbox/client';
import type { AdminClient, SendcloudClient } from 'order-inbox/client';
import {
  ENGINES,
  basicHeader,
  call,
  engineSkip,
  startTestServer,
  storedShipments,
} from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { checkedAgainstDocument, order } from '../helpers/typed-client.js';

/**
 * The package's typed client (`order-inbox/client`, as built and exported) against a real listening
 * server: both surfaces, answers read as the generated types say, state read back past the API.
 */
const ADMIN_TOKEN = 'typed-client-admin-token-0123456789';

/**
 * Never called: compiled by `npm run typecheck`, where each `@ts-expect-error` fails the build if the
 * generated types stop rejecting the mistake below it.
 */
async function _mistakesTheTypesReject(sendcloud: SendcloudClient, admin: AdminClient): Promise<void> {
  // @ts-expect-error a path the API does not have
  await sendcloud.GET('/integrations/{id}/orders', { params: { path: { id: 1 } } });
  // @ts-expect-error the path parameter is missing
  await sendcloud.GET('/integrations/{id}', {});
  // @ts-expect-error an id is a number, not a string
  await sendcloud.GET('/integrations/{id}', { params: { path: { id: '1' } } });
  await sendcloud.POST('/integrations/{id}/shipments', {
    params: { path: { id: 1 } },
    // @ts-expect-error `country` is an ISO 3166-1 alpha-2 code
    body: [order('1', { country: 'Netherlands' })],
  });
  await sendcloud.POST('/integrations/{id}/shipments/delete', {
    params: { path: { id: 1 } },
    // @ts-expect-error a shipment's uuid is a string
    body: { shipment_uuid: 42 },
  });
  // @ts-expect-error `partner` is a boolean
  await admin.POST('/tenants', { body: { partner: 'yes' } });
  const { data } = await sendcloud.GET('/integrations/{id}', { params: { path: { id: 1 } } });
  // @ts-expect-error an integration has no `shop_title`
  void data?.shop_title;
}
void _mistakesTheTypesReject;

for (const engine of ENGINES) {
  describe(`typed client (${engine})`, async () => {
    const skip = await engineSkip(engine);
    let ts: TestServer;
    before(async () => {
      if (skip === false) ts = await startTestServer({ adminToken: ADMIN_TOKEN }, engine);
    });
    after(() => ts?.close());

    test(
      'admin client creates a tenant; Sendcloud client pushes, lists and deletes its shipments; reset removes it',
      { skip },
      async () => {
        const admin = createAdminClient({ baseUrl: `${ts.url}/__admin`, token: ADMIN_TOKEN });
        const created = await admin.POST('/tenants', {
          body: { integrations: [{ shop_name: 'Typed shop', system: 'api' }] },
        });
        assert.equal(created.response.status, 201);
        assert.ok(created.data, JSON.stringify(created.error));
        const tenant = created.data;
        assert.equal(tenant.partner, true);
        assert.match(tenant.public_key, /^[0-9a-f]{32}$/);
        assert.deepEqual(
          tenant.integrations.map((i) => [i.id, i.shop_name, i.system]),
          [[tenant.integration_id, 'Typed shop', 'api']],
        );

        // Configured as Sendcloud's clients are: the `/api/v2` base that `order-inbox exec` exports.
        const sendcloud = createSendcloudClient({
          baseUrl: `${ts.url}/api/v2`,
          publicKey: tenant.public_key,
          secretKey: tenant.secret_key,
        });
        sendcloud.use(checkedAgainstDocument);
        const id = tenant.integration_id;
        const integration = await sendcloud.GET('/integrations/{id}', { params: { path: { id } } });
        assert.equal(integration.response.status, 200);
        assert.equal(integration.data?.id, id);
        assert.equal(integration.data?.shop_name, 'Typed shop');

        const pushed = await sendcloud.POST('/integrations/{id}/shipments', {
          params: { path: { id } },
          body: [order('T1'), order('T2', { email: 'jane@example.com' })],
        });
        assert.equal(pushed.response.status, 200);
        assert.ok(pushed.data);
        assert.deepEqual(
          pushed.data.map((r) => ('status' in r ? [r.status, r.external_order_id] : r)),
          [
            ['created', 'T1'],
            ['created', 'T2'],
          ],
        );
        const uuids = pushed.data.map((r) => ('shipment_uuid' in r ? r.shipment_uuid : null));
        const stored = await storedShipments(ts.server.store, id);
        assert.deepEqual(stored.map((s) => s.uuid).sort(), [...uuids].sort());

        const listed = await sendcloud.GET('/integrations/{id}/shipments', {
          params: { path: { id }, query: { external_order_ids: ['T1', 'T2'] } },
        });
        assert.equal(listed.response.status, 200);
        assert.deepEqual(
          listed.data?.results.map((s) => [s.external_order_id, s.shipment_uuid, s.email]),
          [
            ['T2', uuids[1], 'jane@example.com'],
            ['T1', uuids[0], ''],
          ],
        );
        assert.equal(listed.data?.next, null);

        const deleted = await sendcloud.POST('/integrations/{id}/shipments/delete', {
          params: { path: { id } },
          body: { shipment_uuid: uuids[0] as string },
        });
        assert.equal(deleted.response.status, 204);
        assert.equal(deleted.data, undefined);
        assert.deepEqual(
          (await storedShipments(ts.server.store, id)).map((s) => s.uuid),
          [uuids[1]],
        );

        // An error answer is the `error` of the result, typed as the envelope.
        const again = await sendcloud.POST('/integrations/{id}/shipments/delete', {
          params: { path: { id } },
          body: { shipment_uuid: uuids[0] as string },
        });
        assert.equal(again.response.status, 404);
        assert.deepEqual(again.error, {
          error: {
            code: 404,
            request: `api/v2/integrations/${id}/shipments/delete`,
            message: 'No ShipmentBlob matches the given query.',
          },
        });

        const account = await admin.GET('/accounts/{id}', {
          params: { path: { id: String(tenant.account_id) } },
        });
        assert.equal(account.data?.account_id, tenant.account_id);
        assert.deepEqual(
          account.data?.credentials.map((c) => c.public_key),
          [tenant.public_key],
        );

        const reset = await admin.POST('/reset', { body: { account_id: tenant.account_id } });
        assert.equal(reset.response.status, 200);
        assert.deepEqual(reset.data?.removed, {
          accounts: 1,
          credentials: 1,
          oauth_tokens: 0,
          integrations: 1,
          shipments: 1,
          logs: 0,
          webhook_deliveries: 0,
        });
        assert.deepEqual(await storedShipments(ts.server.store, id), []);
        const gone = await sendcloud.GET('/integrations/{id}', { params: { path: { id } } });
        assert.equal(gone.response.status, 401);
        assert.equal(gone.error?.error.message, 'Invalid username/password.');
        const missing = await admin.GET('/accounts/{id}', {
          params: { path: { id: String(tenant.account_id) } },
        });
        assert.equal(missing.response.status, 404);
        assert.equal(missing.error?.error.code, 'account_not_found');
      },
    );

    test(
      'a bare origin, a trailing slash and the surface base all reach the same API',
      { skip },
      async () => {
        const admin = createAdminClient({ baseUrl: `${ts.url}/`, token: ADMIN_TOKEN });
        const { data: tenant } = await admin.POST('/tenants', {});
        assert.ok(tenant);
        for (const baseUrl of [ts.url, `${ts.url}/`, `${ts.url}/api/v2`, `${ts.url}/api/v2/`]) {
          const sendcloud = createSendcloudClient({
            baseUrl,
            publicKey: tenant.public_key,
            secretKey: tenant.secret_key,
          });
          const { data, response } = await sendcloud.GET('/integrations');
          assert.equal(response.url, `${ts.url}/api/v2/integrations`, baseUrl);
          assert.deepEqual(
            data?.map((i) => i.id),
            [tenant.integration_id],
            baseUrl,
          );
        }
      },
    );

    test(
      'an OAuth2 access token instead of the key pair; caller headers are sent, authorization is ours',
      { skip },
      async () => {
        const admin = createAdminClient({ baseUrl: ts.url, token: ADMIN_TOKEN });
        const { data: tenant } = await admin.POST('/tenants', {});
        assert.ok(tenant);
        const issued = await call(`${ts.url}/oauth2/token`, {
          method: 'POST',
          auth: basicHeader(tenant.public_key, tenant.secret_key),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&scope=api',
        });
        assert.equal(issued.status, 200);
        const seen: Headers[] = [];
        const sendcloud = createSendcloudClient({
          baseUrl: ts.url,
          accessToken: issued.body.access_token,
          headers: { Authorization: 'Basic overridden', 'X-Request-Tag': 'typed' },
          fetch: (request) => {
            seen.push(request.headers);
            return fetch(request);
          },
        });
        const { data, response } = await sendcloud.GET('/integrations/{id}', {
          params: { path: { id: tenant.integration_id } },
        });
        assert.equal(response.status, 200);
        assert.equal(data?.id, tenant.integration_id);
        assert.equal(seen[0]?.get('authorization'), `Bearer ${issued.body.access_token}`);
        assert.equal(seen[0]?.get('x-request-tag'), 'typed');
      },
    );

    test('a wrong admin token is the admin API’s 401, as its error type', { skip }, async () => {
      const admin = createAdminClient({ baseUrl: `${ts.url}/__admin`, token: 'not-the-admin-token-at-all' });
      const { data, error, response } = await admin.GET('/accounts');
      assert.equal(response.status, 401);
      assert.equal(data, undefined);
      assert.deepEqual(error, {
        error: {
          code: 'unauthorized',
          message: 'The admin API needs "Authorization: Bearer <ADMIN_TOKEN>".',
        },
      });
    });
  });
}

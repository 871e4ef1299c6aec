import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAdminClient, createSendcloudV3Client } from 'order-inbox/client';
import type { Middleware } from 'order-inbox/client';
import { ENGINES, engineSkip, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { validateV3Response } from '../helpers/v3-validator.js';
import { basicOrder } from '../v3/order-fixtures.js';

/**
 * The package's v3 client (`createSendcloudV3Client`, typed from the served v3 document) against a real
 * listening server, and a fault rule naming one of v3's documented errors, answered in v3's format.
 */
const ADMIN_TOKEN = 'typed-client-v3-admin-token-0123456789';

/** Every answer the client receives is held to Sendcloud's v3 reference, as `call()` holds the others. */
const checkedAgainstReference: Middleware = {
  async onResponse({ request, response }) {
    const text = await response.clone().text();
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    const path = new URL(request.url).pathname;
    validateV3Response(
      request.method,
      path,
      response.status,
      body,
      text,
      response.headers.get('content-type'),
    );
    return undefined;
  },
};

for (const engine of ENGINES) {
  describe(`typed v3 client (${engine})`, async () => {
    const skip = await engineSkip(engine);
    let ts: TestServer;
    before(async () => {
      if (skip === false) ts = await startTestServer({ adminToken: ADMIN_TOKEN }, engine);
    });
    after(() => ts?.close());

    test(
      'pushes a batch, lists, reads and deletes orders; a v3 fault rule answers in JSON:API',
      { skip },
      async () => {
        const admin = createAdminClient({ baseUrl: ts.url, token: ADMIN_TOKEN });
        const created = await admin.POST('/tenants', {
          body: { integrations: [{ shop_name: 'Typed v3 shop', system: 'api' }] },
        });
        assert.ok(created.data, JSON.stringify(created.error));
        const tenant = created.data;
        const v3 = createSendcloudV3Client({
          baseUrl: `${ts.url}/api/v3`,
          publicKey: tenant.public_key,
          secretKey: tenant.secret_key,
        });
        v3.use(checkedAgainstReference);

        const pushed = await v3.POST('/orders', {
          body: [basicOrder(tenant.integration_id, 'V3-1'), basicOrder(tenant.integration_id, 'V3-2')],
        });
        assert.equal(pushed.response.status, 201, JSON.stringify(pushed.error));
        const results = pushed.data?.data ?? [];
        assert.deepEqual(
          results.map((r) => r.order_id),
          ['V3-1', 'V3-2'],
        );
        assert.ok(results.every((r) => Number.isInteger(r.id)));

        const listed = await v3.GET('/orders', { params: { query: { order_id: 'v3-1' } } });
        assert.equal(listed.response.status, 200);
        const page = listed.data?.data ?? [];
        assert.deepEqual(
          page.map((o) => [o.id, o.order_id]),
          [[String(results[0]?.id), 'V3-1']],
        );

        // A test's own fault: the documented "still processing" answer, only for its X-Order-Inbox-Test id.
        const rule = await admin.POST('/faults', {
          body: {
            operation: 'v3_upsert_orders',
            test_id: 'v3-client',
            effect: { error: 'still_processing' },
            times: 1,
          },
        });
        assert.equal(rule.response.status, 201, JSON.stringify(rule.error));
        const refused = await v3.POST('/orders', {
          body: [basicOrder(tenant.integration_id, 'V3-3')],
          headers: { 'x-order-inbox-test': 'v3-client' },
        });
        assert.equal(refused.response.status, 400);
        assert.deepEqual(
          (refused.error as { errors: { detail: string }[] }).errors.map((e) => e.detail),
          ['We are still processing a previous request. Please try again in a moment.'],
        );
        const after = await v3.GET('/orders', { params: { query: { order_id: 'V3-3' } } });
        assert.deepEqual(after.data?.data, [], 'the refused batch stored nothing');

        const id = Number(results[1]?.id);
        const deleted = await v3.DELETE('/orders/{id}', { params: { path: { id } } });
        assert.equal(deleted.response.status, 204);
        const gone = await v3.GET('/orders/{id}', { params: { path: { id } } });
        assert.equal(gone.response.status, 404);
        assert.equal((gone.error as { errors: { status: string }[] }).errors[0]?.status, '404');
      },
    );
  });
}

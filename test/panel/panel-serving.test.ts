/**
 * How the panel is served, without a browser: on by default at /panel with no credentials, its headers,
 * off with PANEL=off, and on the operations port with OPS_PORT, where the page's API calls are answered
 * by the API app itself (same bodies, same errors, same journal).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PANEL_CSP } from '../../src/http/panel.js';
import { call, startTestServer } from '../helpers/server.js';

const ADMIN_TOKEN = 'panel-serving-admin-token-0001';

describe('the panel is served', () => {
  test('at /panel and /panel/ by default, with no credentials, as a page that revalidates and a CSP', async () => {
    const srv = await startTestServer();
    try {
      for (const path of ['/panel', '/panel/']) {
        const answer = await fetch(`${srv.url}${path}`);
        assert.equal(answer.status, 200);
        assert.match(answer.headers.get('content-type') ?? '', /^text\/html/);
        assert.equal(answer.headers.get('cache-control'), 'no-cache');
        assert.equal(answer.headers.get('content-security-policy'), PANEL_CSP);
        assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
        assert.match(await answer.text(), /<div id="app"><\/div>/);
      }
      // An unknown file under /panel is a 404 in the API's envelope, not the page.
      const missing = await fetch(`${srv.url}/panel/assets/missing-00000000.js`);
      assert.equal(missing.status, 404);
      assert.deepEqual(await missing.json(), {
        error: { code: 404, request: 'panel/assets/missing-00000000.js', message: 'Not found.' },
      });
      // The API's own answers carry none of the panel's headers.
      const api = await fetch(`${srv.url}/api/v2/integrations`);
      assert.equal(api.status, 401);
      assert.equal(api.headers.get('content-security-policy'), null);
    } finally {
      await srv.close();
    }
  });

  test('not at all with PANEL=off', async () => {
    const srv = await startTestServer({ panel: false });
    try {
      const answer = await fetch(`${srv.url}/panel`);
      assert.equal(answer.status, 404);
      assert.deepEqual(await answer.json(), {
        error: { code: 404, request: 'panel', message: 'Not found.' },
      });
    } finally {
      await srv.close();
    }
  });

  test('with OPS_PORT on the operations port only, its API calls answered by the API app', async () => {
    const srv = await startTestServer({ adminToken: ADMIN_TOKEN, opsPort: 0 });
    try {
      const ops = srv.server.ops!.url;
      assert.equal((await fetch(`${srv.url}/panel`)).status, 404);
      const page = await fetch(`${ops}/panel`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('content-security-policy'), PANEL_CSP);

      const tenant = await srv.tenant();
      // (Plain fetch on the API port: with OPS_PORT its document is on the operations port.)
      const direct = await (
        await fetch(`${srv.url}/api/v2/integrations`, { headers: { authorization: tenant.basic } })
      ).json();
      const forwarded = await call(`${ops}/api/v2/integrations`, { auth: tenant.basic });
      assert.equal(forwarded.status, 200);
      assert.deepEqual(forwarded.body, direct);
      const pushed = await call(`${ops}/api/v2/integrations/${tenant.integrationId}/shipments`, {
        auth: tenant.basic,
        body: [
          {
            external_order_id: 'ops-1',
            external_shipment_id: 'ops-1',
            name: 'Ops Person',
            address: 'Street 1',
            city: 'Oss',
            postal_code: '5341',
            country: 'NL',
            order_number: 'OPS-1',
            created_at: '2026-11-30T10:00:00Z',
            updated_at: '2026-11-30T10:00:00Z',
          },
        ],
      });
      assert.equal(pushed.status, 200, pushed.text);
      assert.equal(pushed.body[0].status, 'created');
      const listed = (await (
        await fetch(`${srv.url}/api/v2/integrations/${tenant.integrationId}/shipments`, {
          headers: { authorization: tenant.basic },
        })
      ).json()) as { results: { order_number: string }[] };
      assert.deepEqual(
        listed.results.map((r: { order_number: string }) => r.order_number),
        ['OPS-1'],
      );
      // Errors are the API's, byte for byte.
      const refused = await call(`${ops}/api/v2/integrations`);
      assert.equal(refused.status, 401);
      assert.deepEqual(refused.body, {
        error: {
          code: 401,
          request: 'api/v2/integrations',
          message: 'Authentication credentials were not provided.',
        },
      });
      assert.equal(refused.headers.get('www-authenticate'), 'Basic realm="api"');
    } finally {
      await srv.close();
    }
  });
});

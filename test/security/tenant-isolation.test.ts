import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ENGINES,
  ManualClock,
  basicHeader,
  call,
  engineSkip,
  envelope,
  minimalOrder,
  startTestServer,
} from '../helpers/server.js';
import type { Answer, Tenant, TestServer } from '../helpers/server.js';

/**
 * Issue 6 item 2: the tenant isolation matrix. For every operation and both auth schemes (Basic, and
 * Bearer tokens from POST /oauth2/token), another account's credentials against this account's
 * integration, shipments (by uuid and by external ids), logs and tokens answer 404 `No Integration
 * matches the given query.` (or 401 where the credentials themselves are refused), and this account's
 * state — read back with its own credentials — is exactly what it was. Revoked credentials and expired
 * tokens are 401 on every operation. Rate limits are off (`startTestServer`).
 */

const NO_INTEGRATION = 'No Integration matches the given query.';
const NO_SHIPMENT = 'No ShipmentBlob matches the given query.';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const TTL_SECONDS = 60;

interface Op {
  name: string;
  method: string;
  /** Path under the server root. */
  path: string;
  body?: unknown;
}

/** Every /api/v2 operation aimed at integration `id`, with bodies that would succeed for its owner. */
function operationsOn(id: number, victim: { uuid: string; orderId: string }): Op[] {
  const base = `/api/v2/integrations/${id}`;
  return [
    { name: 'GET /integrations/{id}', method: 'GET', path: base },
    { name: 'PUT /integrations/{id}', method: 'PUT', path: base, body: { shop_name: 'taken over' } },
    {
      name: 'PATCH /integrations/{id}',
      method: 'PATCH',
      path: base,
      body: { webhook_active: true, webhook_url: 'http://127.0.0.1:9/steal' },
    },
    { name: 'DELETE /integrations/{id}', method: 'DELETE', path: base },
    { name: 'GET /integrations/{id}/shipments', method: 'GET', path: `${base}/shipments` },
    {
      name: 'GET /integrations/{id}/shipments (filtered on the victim’s ids)',
      method: 'GET',
      path: `${base}/shipments?external_order_ids=${victim.orderId}&order_number=ORDER-${victim.orderId}`,
    },
    {
      name: 'POST /integrations/{id}/shipments (overwrite the victim’s order)',
      method: 'POST',
      path: `${base}/shipments`,
      body: [
        minimalOrder({
          external_order_id: victim.orderId,
          name: 'Mallory',
          updated_at: '2030-01-01T00:00:00Z',
        }),
      ],
    },
    {
      name: 'POST /integrations/{id}/shipments/delete (by uuid)',
      method: 'POST',
      path: `${base}/shipments/delete`,
      body: { shipment_uuid: victim.uuid },
    },
    {
      name: 'POST /integrations/{id}/shipments/delete (by external ids)',
      method: 'POST',
      path: `${base}/shipments/delete`,
      body: { external_order_id: victim.orderId, external_shipment_id: null },
    },
    { name: 'GET /integrations/{id}/logs', method: 'GET', path: `${base}/logs` },
    {
      name: 'POST /integrations/{id}/logs',
      method: 'POST',
      path: `${base}/logs`,
      body: { base_url: 'https://attacker.example', exception: 'planted' },
    },
  ];
}

/** The account-wide operations (no {id}). */
const ACCOUNT_WIDE: Op[] = [
  { name: 'GET /integrations', method: 'GET', path: '/api/v2/integrations' },
  { name: 'GET /integrations/logs', method: 'GET', path: '/api/v2/integrations/logs' },
];

for (const engine of ENGINES) {
  describe(`tenant isolation matrix [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    const clock = new ManualClock();
    before(async () => {
      srv = await startTestServer({ tokenTtlSeconds: TTL_SECONDS, pageSize: 1 }, engine, clock);
    });
    after(() => srv.close());

    const at = (path: string, op: Omit<Op, 'name' | 'path'>, auth?: string): Promise<Answer> =>
      call(`${srv.url}${path}`, { method: op.method, auth, body: op.body });

    async function tokenFor(t: Tenant): Promise<string> {
      const answer = await call(`${srv.url}/oauth2/token`, {
        method: 'POST',
        headers: { ...FORM, authorization: t.basic },
        body: 'grant_type=client_credentials&scope=api',
      });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.token_type, 'bearer');
      return `Bearer ${answer.body.access_token}`;
    }

    interface Victim {
      tenant: Tenant;
      second: number;
      uuids: string[];
      orderId: string;
      token: string;
    }

    /** An account with two integrations, shipments (two pages at page size 1) and logs on each. */
    async function victim(): Promise<Victim> {
      const tenant = await srv.tenant();
      const second = (await srv.accounts.createIntegration(tenant.accountId, { shopName: 'Second shop' })).id;
      const orderId = `victim-${tenant.accountId}`;
      const uuids: string[] = [];
      for (const id of [tenant.integrationId, second]) {
        const answer = await call(`${srv.url}/api/v2/integrations/${id}/shipments`, {
          auth: tenant.basic,
          body: [
            minimalOrder({ external_order_id: orderId }),
            minimalOrder({ external_order_id: `${orderId}-b`, external_shipment_id: 'S1' }),
          ],
        });
        assert.equal(answer.status, 200, answer.text);
        uuids.push(...answer.body.map((r: { shipment_uuid: string }) => r.shipment_uuid));
        const log = await call(`${srv.url}/api/v2/integrations/${id}/logs`, {
          auth: tenant.basic,
          body: { base_url: 'https://victim.example', exception: `boom ${id}` },
        });
        assert.equal(log.status, 201, log.text);
      }
      return { tenant, second, uuids, orderId, token: await tokenFor(tenant) };
    }

    /** Everything the account can see with its own credentials, every page followed. */
    async function stateOf(t: Tenant, auth = t.basic): Promise<unknown> {
      const read = async (url: string): Promise<unknown[]> => {
        const rows: unknown[] = [];
        let next: string | null = url;
        while (next !== null) {
          const answer: Answer = await call(next, { auth });
          assert.equal(answer.status, 200, answer.text);
          rows.push(...answer.body.results);
          next = answer.body.next;
        }
        return rows;
      };
      const integrations = await call(`${srv.url}/api/v2/integrations`, { auth });
      assert.equal(integrations.status, 200, integrations.text);
      const perIntegration = [];
      for (const integration of integrations.body as { id: number }[]) {
        const one = await call(`${srv.url}/api/v2/integrations/${integration.id}`, { auth });
        assert.equal(one.status, 200, one.text);
        perIntegration.push({
          integration: one.body,
          shipments: await read(`${srv.url}/api/v2/integrations/${integration.id}/shipments`),
          logs: await read(`${srv.url}/api/v2/integrations/${integration.id}/logs`),
        });
      }
      const store = srv.server.store;
      return {
        integrations: integrations.body,
        perIntegration,
        allLogs: await read(`${srv.url}/api/v2/integrations/logs`),
        webhooks: await Promise.all(
          (integrations.body as { id: number }[]).map((i) => store.listWebhookDeliveries(i.id)),
        ),
      };
    }

    test('another account’s credentials, Basic and Bearer: 404 on every operation, the victim unchanged', async () => {
      const a = await victim();
      const b = await srv.tenant();
      const bToken = await tokenFor(b);
      const before = await stateOf(a.tenant);
      let cases = 0;
      for (const [scheme, auth] of [
        ['Basic', b.basic],
        ['Bearer', bToken],
      ] as const) {
        for (const integrationId of [a.tenant.integrationId, a.second]) {
          for (const op of operationsOn(integrationId, { uuid: a.uuids[0] as string, orderId: a.orderId })) {
            const answer = await at(op.path, op, auth);
            const request = op.path.split('?')[0]!.slice(1);
            assert.deepEqual(
              { status: answer.status, body: answer.body },
              { status: 404, body: envelope(404, request, NO_INTEGRATION) },
              `${scheme} ${op.name} on integration ${integrationId}`,
            );
            cases += 1;
          }
        }
        // The account-wide lists show only the caller's own data.
        const list = await at('/api/v2/integrations', { method: 'GET' }, auth);
        assert.deepEqual(
          list.body.map((i: { id: number }) => i.id),
          [b.integrationId],
          `${scheme} GET /integrations`,
        );
        const logs = await at('/api/v2/integrations/logs', { method: 'GET' }, auth);
        assert.equal(logs.status, 200);
        assert.deepEqual(logs.body.results, [], `${scheme} GET /integrations/logs shows none of A's logs`);
        assert.equal(logs.body.next, null);
        cases += 2;
      }
      assert.deepEqual(await stateOf(a.tenant), before, 'the victim’s state is exactly what it was');
      // And the victim's own token still works, and still sees everything.
      assert.deepEqual(await stateOf(a.tenant, a.token), before);
      assert.equal(cases, 2 * (2 * 11 + 2));
    });

    test('this account’s shipments reached through the other account’s own integration: 404, nothing changes', async () => {
      const a = await victim();
      const b = await srv.tenant();
      // B has a shipment of its own, with other keys.
      const own = await call(`${srv.url}/api/v2/integrations/${b.integrationId}/shipments`, {
        auth: b.basic,
        body: [minimalOrder({ external_order_id: 'b-own' })],
      });
      assert.equal(own.status, 200);
      const before = await stateOf(a.tenant);
      const bBefore = await stateOf(b);
      for (const [scheme, auth] of [
        ['Basic', b.basic],
        ['Bearer', await tokenFor(b)],
      ] as const) {
        const del = `/api/v2/integrations/${b.integrationId}/shipments/delete`;
        for (const body of [
          ...a.uuids.map((shipment_uuid) => ({ shipment_uuid })),
          { shipment_uuid: (a.uuids[0] as string).toUpperCase().replace(/-/g, '') },
          { shipment_uuid: `urn:uuid:${a.uuids[1] as string}` },
          { external_order_id: a.orderId, external_shipment_id: null },
          { external_order_id: `${a.orderId}-b`, external_shipment_id: 'S1' },
        ]) {
          const answer = await at(del, { method: 'POST', body }, auth);
          assert.deepEqual(
            { status: answer.status, body: answer.body },
            { status: 404, body: envelope(404, del.slice(1), NO_SHIPMENT) },
            `${scheme} ${JSON.stringify(body)}`,
          );
        }
        // Filters on A's keys find nothing in B's integration.
        const filtered = await at(
          `/api/v2/integrations/${b.integrationId}/shipments?external_order_ids=${a.orderId}`,
          { method: 'GET' },
          auth,
        );
        assert.deepEqual(filtered.body, { next: null, previous: null, results: [] });
        // A cursor of A's list is refused on B's list.
        const aPage = await call(`${srv.url}/api/v2/integrations/${a.tenant.integrationId}/shipments`, {
          auth: a.tenant.basic,
        });
        const cursor = new URL(aPage.body.next).searchParams.get('cursor') as string;
        const foreign = await at(
          `/api/v2/integrations/${b.integrationId}/shipments?cursor=${encodeURIComponent(cursor)}`,
          { method: 'GET' },
          auth,
        );
        assert.deepEqual(
          foreign.body,
          envelope(404, `api/v2/integrations/${b.integrationId}/shipments`, 'Invalid cursor'),
        );
        // A log-list cursor of A's account is refused on B's account-wide list.
        const aLogs = await call(`${srv.url}/api/v2/integrations/logs`, { auth: a.tenant.basic });
        assert.notEqual(aLogs.body.next, null, 'two logs at page size 1: a next page');
        const logCursor = new URL(aLogs.body.next).searchParams.get('cursor') as string;
        const foreignLogs = await at(
          `/api/v2/integrations/logs?cursor=${encodeURIComponent(logCursor)}`,
          { method: 'GET' },
          auth,
        );
        assert.deepEqual(foreignLogs.body, envelope(404, 'api/v2/integrations/logs', 'Invalid cursor'));
      }
      assert.deepEqual(await stateOf(a.tenant), before);
      assert.deepEqual(await stateOf(b), bBefore);
    });

    test('a token of account A with a shipment uuid of account B’s integration: 404', async () => {
      const a = await srv.tenant();
      const b = await victim();
      const aToken = await tokenFor(a);
      const before = await stateOf(b.tenant);
      for (const auth of [aToken, a.basic]) {
        const own = `/api/v2/integrations/${a.integrationId}/shipments/delete`;
        const viaOwn = await at(own, { method: 'POST', body: { shipment_uuid: b.uuids[0] } }, auth);
        assert.deepEqual(viaOwn.body, envelope(404, own.slice(1), NO_SHIPMENT));
        const theirs = `/api/v2/integrations/${b.tenant.integrationId}/shipments/delete`;
        const viaTheirs = await at(theirs, { method: 'POST', body: { shipment_uuid: b.uuids[0] } }, auth);
        assert.deepEqual(viaTheirs.body, envelope(404, theirs.slice(1), NO_INTEGRATION));
      }
      assert.deepEqual(await stateOf(b.tenant), before);
    });

    test('mixed credentials and the other account’s tokens: 401 on every operation, nothing changes', async () => {
      const a = await victim();
      const b = await srv.tenant();
      const bToken = await tokenFor(b);
      const before = await stateOf(a.tenant);
      const ops = [
        ...operationsOn(a.tenant.integrationId, { uuid: a.uuids[0] as string, orderId: a.orderId }),
        ...ACCOUNT_WIDE,
      ];
      const refusals: [string, string][] = [
        // A's public key with B's secret, and the reverse.
        [basicHeader(a.tenant.publicKey, b.secretKey), 'Invalid username/password.'],
        [basicHeader(b.publicKey, a.tenant.secretKey), 'Invalid username/password.'],
        // A secret or a token where the other is expected.
        [`Bearer ${a.tenant.secretKey}`, 'Invalid token.'],
        [basicHeader(a.tenant.publicKey, a.token.slice('Bearer '.length)), 'Invalid username/password.'],
        [`Bearer ${bToken.slice('Bearer '.length)}x`, 'Invalid token.'],
      ];
      for (const [auth, message] of refusals) {
        for (const op of ops) {
          const answer = await at(op.path, op, auth);
          assert.deepEqual(
            { status: answer.status, body: answer.body },
            { status: 401, body: envelope(401, op.path.split('?')[0]!.slice(1), message) },
            `${auth.slice(0, 12)}… ${op.name}`,
          );
          assert.equal(answer.headers.get('www-authenticate'), 'Basic realm="api"');
        }
      }
      // The token endpoint: B's secret (or B's token) does not buy a token for A's key.
      for (const body of [
        `grant_type=client_credentials&client_id=${a.tenant.publicKey}&client_secret=${encodeURIComponent(b.secretKey)}`,
        `grant_type=client_credentials&client_id=${a.tenant.publicKey}&client_secret=${encodeURIComponent(bToken.slice(7))}`,
        `grant_type=client_credentials&client_id=${b.publicKey}&client_secret=${encodeURIComponent(a.tenant.secretKey)}`,
      ]) {
        const answer = await call(`${srv.url}/oauth2/token`, { method: 'POST', headers: FORM, body });
        assert.equal(answer.status, 401, answer.text);
        assert.equal(answer.body.error, 'invalid_client');
        assert.equal(answer.body.status_code, 401);
        assert.equal(answer.body.access_token, undefined);
      }
      assert.deepEqual(await stateOf(a.tenant), before);
    });

    test('revoked credentials: Basic and their tokens are 401 on every operation, the token endpoint too', async () => {
      const a = await victim();
      const before = await stateOf(a.tenant);
      await srv.server.store.revokeCredential(a.tenant.publicKey, clock.nowUs());
      const ops = [
        ...operationsOn(a.tenant.integrationId, { uuid: a.uuids[0] as string, orderId: a.orderId }),
        ...ACCOUNT_WIDE,
      ];
      for (const [auth, message] of [
        [a.tenant.basic, 'Invalid username/password.'],
        [a.token, 'Invalid token.'],
      ] as const) {
        for (const op of ops) {
          const answer = await at(op.path, op, auth);
          assert.deepEqual(
            { status: answer.status, body: answer.body },
            { status: 401, body: envelope(401, op.path.split('?')[0]!.slice(1), message) },
            `${auth.slice(0, 7)} ${op.name}`,
          );
        }
      }
      const token = await call(`${srv.url}/oauth2/token`, {
        method: 'POST',
        headers: { ...FORM, authorization: a.tenant.basic },
        body: 'grant_type=client_credentials&scope=api',
      });
      assert.equal(token.status, 401);
      assert.equal(token.body.error, 'invalid_client');
      // Nothing changed: read back with a fresh key pair of the same account.
      const issued = await srv.accounts.issueCredential(a.tenant.accountId);
      const fresh = { ...a.tenant, basic: basicHeader(issued.credential.publicKey, issued.secretKey) };
      assert.deepEqual(await stateOf(fresh), before);
    });

    test('expired tokens: 401 on every operation; the key pair itself still works', async () => {
      const a = await victim();
      const before = await stateOf(a.tenant);
      // The victim's token was issued at the clock's current time; one more at the edge of its life.
      clock.advance(TTL_SECONDS * 1000 - 1);
      assert.equal((await at('/api/v2/integrations', { method: 'GET' }, a.token)).status, 200);
      clock.advance(1);
      const ops = [
        ...operationsOn(a.tenant.integrationId, { uuid: a.uuids[0] as string, orderId: a.orderId }),
        ...ACCOUNT_WIDE,
      ];
      for (const op of ops) {
        const answer = await at(op.path, op, a.token);
        assert.deepEqual(
          { status: answer.status, body: answer.body },
          { status: 401, body: envelope(401, op.path.split('?')[0]!.slice(1), 'Invalid token.') },
          op.name,
        );
      }
      assert.deepEqual(await stateOf(a.tenant), before);
      // A new token works again.
      const renewed = await tokenFor(a.tenant);
      assert.deepEqual(await stateOf(a.tenant, renewed), before);
    });
  });
}

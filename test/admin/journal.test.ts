/**
 * The request journal and coverage end to end, against a real listening server on each engine: what a
 * shop sent read back from the journal (bodies, filters, order, limit), every field that can carry a
 * secret redacted, near-misses for paths that were probably meant, the bounds held under a flood,
 * coverage counts before and after a reset, and no journal at all without the admin API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, call, engineSkip, minimalOrder, startTestServer } from '../helpers/server.js';
import type { Answer, TestServer } from '../helpers/server.js';
import { ADMIN_TOKEN, admin, createTenant } from './helpers.js';
import type { AdminTenant } from './helpers.js';

const TEST_HEADER = 'X-Order-Inbox-Test';

function push(base: string, t: AdminTenant, ids: string[], testId?: string): Promise<Answer> {
  return call(`${base}/api/v2/integrations/${t.integrationId}/shipments`, {
    auth: t.basic,
    body: ids.map((id) => minimalOrder({ external_order_id: id, order_number: `N-${id}` })),
    headers: testId === undefined ? {} : { [TEST_HEADER]: testId },
  });
}

async function journal(base: string, query = ''): Promise<{ entries: Entry[] }> {
  const answer = await admin(base, `/journal${query}`);
  assert.equal(answer.status, 200, answer.text);
  return answer.body;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Entry = any;

const unique = (name: string): string => `${name}-${process.hrtime.bigint()}`;

for (const engine of ENGINES) {
  describe(`request journal [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ adminToken: ADMIN_TOKEN }, engine);
    });
    after(() => srv.close());

    test('what the shop sent and what it was answered, by test id; admin calls are never journaled', async () => {
      const t = await createTenant(srv.url);
      const testId = unique('push');
      const pushed = await push(srv.url, t, ['J-1', 'J-2'], testId);
      assert.equal(pushed.status, 200, pushed.text);

      const { entries } = await journal(srv.url, `?test_id=${testId}`);
      assert.equal(entries.length, 1);
      const [entry] = entries;
      assert.equal(entry.method, 'POST');
      assert.equal(entry.path, `/api/v2/integrations/${t.integrationId}/shipments`);
      assert.equal(entry.query, '');
      assert.equal(entry.operation, 'upsert_shipments');
      assert.equal(entry.account_id, t.accountId);
      assert.equal(entry.integration_id, t.integrationId);
      assert.equal(entry.test_id, testId);
      assert.equal(entry.status, 200);
      assert.equal(typeof entry.duration_ms, 'number');
      assert.ok(Date.parse(entry.at) <= Date.now());
      assert.equal(entry.near_misses, undefined);
      // The bodies as JSON: what the shop sent, and what it was answered, as it was answered.
      assert.deepEqual(
        entry.request.body.map((o: Entry) => [o.external_order_id, o.order_number]),
        [
          ['J-1', 'N-J-1'],
          ['J-2', 'N-J-2'],
        ],
      );
      assert.equal(entry.request.truncated, false);
      assert.equal(entry.request.headers['content-type'], 'application/json');
      assert.equal(entry.request.headers['x-order-inbox-test'], testId);
      assert.deepEqual(entry.response.body, pushed.body);
      assert.equal(entry.response.headers['content-type'], pushed.headers.get('content-type'));

      // The tenant was made over /__admin, and this very query is one: neither is in the journal.
      const everything = await journal(srv.url, '?limit=1000');
      assert.ok(everything.entries.length > 0);
      assert.ok(everything.entries.every((e: Entry) => !e.path.startsWith('/__admin')));
      assert.ok(!JSON.stringify(everything).includes(t.secretKey));
      assert.ok(!JSON.stringify(everything).includes(t.created.webhook_signature_key));
    });

    test('filters: account, integration, operation, status and class, text, time window; order and limit', async () => {
      const a = await createTenant(srv.url);
      const b = await createTenant(srv.url);
      const testId = unique('filters');
      const startedAt = new Date().toISOString();
      for (const id of ['F-1', 'F-2', 'F-3'])
        assert.equal((await push(srv.url, a, [id], testId)).status, 200);
      const missing = await call(`${srv.url}/api/v2/integrations/${a.integrationId}/shipments/delete`, {
        auth: a.basic,
        body: { shipment_uuid: '00000000-0000-4000-8000-000000000000' },
        headers: { [TEST_HEADER]: testId },
      });
      assert.equal(missing.status, 404, missing.text);
      assert.equal((await push(srv.url, b, ['F-B'], testId)).status, 200);

      const ofA = await journal(srv.url, `?test_id=${testId}&account_id=${a.accountId}`);
      assert.deepEqual(
        ofA.entries.map((e: Entry) => [e.operation, e.status]),
        [
          ['delete_shipment', 404],
          ['upsert_shipments', 200],
          ['upsert_shipments', 200],
          ['upsert_shipments', 200],
        ],
      );
      // Newest first by default; oldest first on request; the ids rise with time.
      const asc = await journal(srv.url, `?test_id=${testId}&account_id=${a.accountId}&order=asc`);
      assert.deepEqual(
        asc.entries.map((e: Entry) => e.id),
        ofA.entries.map((e: Entry) => e.id).reverse(),
      );
      assert.ok(asc.entries[0].id < asc.entries[1].id);
      const firstTwo = await journal(srv.url, `?test_id=${testId}&order=asc&limit=2`);
      assert.deepEqual(
        firstTwo.entries.map((e: Entry) => e.request.body[0].external_order_id),
        ['F-1', 'F-2'],
      );
      const ofB = await journal(srv.url, `?test_id=${testId}&integration_id=${b.integrationId}`);
      assert.deepEqual(
        ofB.entries.map((e: Entry) => [e.account_id, e.request.body[0].external_order_id]),
        [[b.accountId, 'F-B']],
      );
      const deletes = await journal(srv.url, `?test_id=${testId}&operation=delete_shipment`);
      assert.equal(deletes.entries.length, 1);
      assert.equal(deletes.entries[0].response.body.error.code, 404);
      assert.deepEqual(
        (await journal(srv.url, `?test_id=${testId}&status=404`)).entries.map((e: Entry) => e.id),
        deletes.entries.map((e: Entry) => e.id),
      );
      assert.equal((await journal(srv.url, `?test_id=${testId}&status=2xx`)).entries.length, 4);
      const text = await journal(srv.url, `?test_id=${testId}&q=n-f-2`);
      assert.deepEqual(
        text.entries.map((e: Entry) => e.request.body[0].external_order_id),
        ['F-2'],
      );
      assert.equal((await journal(srv.url, `?test_id=${testId}&since=${startedAt}`)).entries.length, 5);
      assert.equal((await journal(srv.url, `?test_id=${testId}&until=${startedAt}`)).entries.length, 0);

      const badLimit = await admin(srv.url, '/journal?limit=0');
      assert.equal(badLimit.status, 400);
      assert.deepEqual(badLimit.body, {
        error: { code: 'invalid_request', message: 'querystring/limit must be from 1 to 1000.' },
      });
      const badTime = await admin(srv.url, '/journal?since=yesterday');
      assert.equal(badTime.status, 400);
      assert.equal(badTime.body.error.message, 'querystring/since must be an ISO 8601 date-time.');
      const badOrder = await admin(srv.url, '/journal?order=up');
      assert.equal(badOrder.status, 400);
      assert.equal(badOrder.body.error.code, 'invalid_request');
    });

    test('redaction: Basic and Bearer headers, client_secret, access_token, secret query parameters', async () => {
      const t = await createTenant(srv.url);
      const testId = unique('redaction');
      const headers = { [TEST_HEADER]: testId, 'content-type': 'application/x-www-form-urlencoded' };
      // Basic credentials.
      const basic = await call(`${srv.url}/oauth2/token`, {
        auth: t.basic,
        body: 'grant_type=client_credentials',
        headers,
      });
      assert.equal(basic.status, 200, basic.text);
      // The key pair in the form, as client_secret.
      const form = await call(`${srv.url}/oauth2/token`, {
        body: `grant_type=client_credentials&client_id=${t.publicKey}&client_secret=${encodeURIComponent(t.secretKey)}`,
        headers,
      });
      assert.equal(form.status, 200, form.text);
      // The token as Bearer, with a secret in the query too.
      const bearer = await call(
        `${srv.url}/api/v2/integrations?client_secret=${encodeURIComponent(t.secretKey)}&page=1`,
        { auth: `Bearer ${form.body.access_token}`, headers: { [TEST_HEADER]: testId } },
      );
      assert.equal(bearer.status, 200, bearer.text);

      const { entries } = await journal(srv.url, `?test_id=${testId}&order=asc`);
      assert.equal(entries.length, 3);
      const [first, second, third] = entries;
      assert.equal(first.request.headers.authorization, 'Basic [REDACTED]');
      assert.equal(first.request.body, 'grant_type=client_credentials');
      assert.equal(first.response.body.access_token, '[REDACTED]');
      assert.equal(first.response.body.token_type, basic.body.token_type);
      assert.equal(first.response.body.expires_in, basic.body.expires_in);
      assert.equal(first.operation, 'oauth2_token');
      assert.equal(
        second.request.body,
        `grant_type=client_credentials&client_id=${t.publicKey}&client_secret=[REDACTED]`,
      );
      assert.equal(second.response.body.access_token, '[REDACTED]');
      assert.equal(third.request.headers.authorization, 'Bearer [REDACTED]');
      assert.equal(third.query, 'client_secret=[REDACTED]&page=1');
      assert.equal(third.account_id, t.accountId);
      assert.deepEqual(third.response.body, bearer.body);

      const whole = JSON.stringify(await journal(srv.url, '?limit=1000'));
      for (const secret of [
        t.secretKey,
        encodeURIComponent(t.secretKey),
        basic.body.access_token,
        form.body.access_token,
        t.basic.slice('Basic '.length),
      ]) {
        assert.ok(!whole.includes(secret), `the journal holds ${secret}`);
      }
    });

    test('near-misses: a wrong method, a missing /api/v2, an extra and a missing trailing segment', async () => {
      const t = await createTenant(srv.url);
      const testId = unique('near');
      const send = (method: string, path: string) =>
        call(`${srv.url}${path}`, { method, auth: t.basic, headers: { [TEST_HEADER]: testId } });
      const id = t.integrationId;
      assert.equal((await send('PUT', `/api/v2/integrations/${id}/shipments`)).status, 405);
      assert.equal((await send('GET', `/integrations/${id}`)).status, 404);
      assert.equal((await send('GET', `/api/v2/integrations/${id}/extra`)).status, 404);
      assert.equal((await send('GET', '/api/v2')).status, 404);

      const { entries } = await journal(srv.url, `?test_id=${testId}&order=asc`);
      assert.deepEqual(
        entries.map((e: Entry) => [e.operation, e.status]),
        [
          ['method_not_allowed', 405],
          ['not_found', 404],
          ['not_found', 404],
          ['not_found', 404],
        ],
      );
      const shipments = '/api/v2/integrations/{id}/shipments';
      assert.deepEqual(entries[0].near_misses, [
        { operation: 'upsert_shipments', method: 'POST', path: shipments },
        { operation: 'list_shipments', method: 'GET', path: shipments },
      ]);
      const integration = '/api/v2/integrations/{id}';
      assert.deepEqual(
        entries[1].near_misses.map((m: Entry) => [m.operation, m.method, m.path]),
        [
          ['get_integration', 'GET', integration],
          ['update_integration', 'PUT', integration],
          ['partial_update_integration', 'PATCH', integration],
          ['delete_integration', 'DELETE', integration],
        ],
      );
      // The extra segment dropped: the integration's operations, GET first.
      assert.deepEqual(entries[2].near_misses[0], {
        operation: 'get_integration',
        method: 'GET',
        path: integration,
      });
      assert.equal(entries[2].near_misses.length, 4);
      // A segment missing at the end: the operations whose path has one more.
      assert.deepEqual(entries[3].near_misses, [
        { operation: 'list_integrations', method: 'GET', path: '/api/v2/integrations' },
      ]);
      assert.equal(entries[3].response.body.error.code, 404);
    });
  });
}

for (const engine of ENGINES) {
  describe(`coverage and reset [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ adminToken: ADMIN_TOKEN }, engine);
    });
    after(() => srv.close());

    const counts = async (): Promise<Map<string, number>> => {
      const answer = await admin(srv.url, '/coverage');
      assert.equal(answer.status, 200, answer.text);
      const out = new Map<string, number>();
      for (const op of answer.body.operations) {
        for (const s of op.statuses) out.set(`${op.operation} ${s.status}`, s.answered);
      }
      for (const u of answer.body.unmatched) out.set(`${u.operation} ${u.status}`, u.answered);
      return out;
    };

    test('coverage lists what the document says and counts what was answered; a reset restarts both', async () => {
      assert.equal((await admin(srv.url, '/reset', { method: 'POST' })).status, 200);
      const fresh = await admin(srv.url, '/coverage');
      assert.equal(fresh.status, 200, fresh.text);
      // What the served OpenAPI documents (v2's and v3's) list, operation by operation.
      const v2 = (await call(`${srv.url}/api/v2/openapi.json`)).body;
      const v3 = (await call(`${srv.url}/api/v3/openapi.json`)).body;
      const documented: string[] = [];
      for (const [path, methods] of Object.entries({ ...v2.paths, ...v3.paths } as Record<string, Entry>)) {
        for (const [method, operation] of Object.entries(methods as Record<string, Entry>)) {
          for (const status of Object.keys(operation.responses)) {
            documented.push(`${method.toUpperCase()} ${path} ${status}`);
          }
        }
      }
      const listed = fresh.body.operations.flatMap((op: Entry) =>
        op.statuses.map((s: Entry) => `${op.method} ${op.path} ${s.status}`),
      );
      assert.deepEqual([...listed].sort(), [...documented].sort());
      assert.equal(fresh.body.totals.documented, documented.length);
      assert.equal(fresh.body.totals.answered, 0);
      assert.deepEqual(fresh.body.unmatched, []);
      assert.ok(
        fresh.body.operations.every((op: Entry) => op.statuses.every((s: Entry) => s.answered === 0)),
      );

      const t = await createTenant(srv.url);
      await push(srv.url, t, ['C-1']);
      await push(srv.url, t, ['C-2']);
      await call(`${srv.url}/api/v2/integrations`, { auth: 'Basic bm9ib2R5Om5vdGhpbmc=' });
      await call(`${srv.url}/api/v2/integrations/${t.integrationId + 1000}`, { auth: t.basic });
      await call(`${srv.url}/api/v2/nowhere`, { auth: t.basic });
      await call(`${srv.url}/api/v2/integrations/${t.integrationId}/logs`, { method: 'PUT', auth: t.basic });
      const after = await counts();
      assert.equal(after.get('upsert_shipments 200'), 2);
      assert.equal(after.get('list_integrations 401'), 1);
      assert.equal(after.get('get_integration 404'), 1);
      assert.equal(after.get('not_found 404'), 1);
      assert.equal(after.get('list_integrations 200'), 0);
      // A 405 counts for the operations of its path, where the document lists it.
      assert.equal(after.get('list_logs 405'), 1);
      assert.equal(after.get('create_log 405'), 1);
      assert.equal(after.get('method_not_allowed 405'), undefined);
      const totals = (await admin(srv.url, '/coverage')).body.totals;
      assert.equal(totals.answered, 5);

      // One account's reset clears its journal entries and keeps the server's coverage.
      const other = await createTenant(srv.url);
      await push(srv.url, other, ['C-O']);
      assert.equal(
        (await admin(srv.url, '/reset', { method: 'POST', body: { account_id: t.accountId } })).status,
        200,
      );
      const left = await journal(srv.url, '?limit=1000');
      assert.deepEqual(
        left.entries.filter((e: Entry) => e.account_id !== null).map((e: Entry) => e.account_id),
        [other.accountId],
      );
      assert.equal((await counts()).get('upsert_shipments 200'), 3);

      // Everyone's reset: no entry, no count.
      assert.equal((await admin(srv.url, '/reset', { method: 'POST' })).status, 200);
      assert.deepEqual((await journal(srv.url)).entries, []);
      const reset = await counts();
      assert.ok([...reset.values()].every((n) => n === 0));
      assert.equal((await admin(srv.url, '/coverage')).body.totals.answered, 0);
    });

    test('DELETE /__admin/journal forgets every entry and keeps the coverage', async () => {
      const t = await createTenant(srv.url);
      await push(srv.url, t, ['D-1']);
      const before = (await counts()).get('upsert_shipments 200') ?? 0;
      assert.ok((await journal(srv.url)).entries.length > 0);
      const cleared = await admin(srv.url, '/journal', { method: 'DELETE' });
      assert.equal(cleared.status, 200, cleared.text);
      assert.ok(cleared.body.removed > 0);
      assert.deepEqual((await journal(srv.url)).entries, []);
      assert.equal((await counts()).get('upsert_shipments 200'), before);
    });
  });
}

describe('journal bounds, switched off, on the operations port', () => {
  test('a flood: the count and the bytes stay within bounds, the newest kept, big bodies truncated', async () => {
    const srv = await startTestServer({
      adminToken: ADMIN_TOKEN,
      journalMaxEntries: 25,
      journalMaxBytes: 64 * 1024,
      journalBodyLimitBytes: 4 * 1024,
    });
    try {
      const t = await createTenant(srv.url);
      // Small requests: the count bounds the ring.
      for (let i = 0; i < 60; i++) {
        await call(`${srv.url}/api/v2/integrations`, {
          auth: t.basic,
          headers: { [TEST_HEADER]: `small-${i}` },
        });
      }
      const small = await journal(srv.url, '?limit=1000');
      assert.equal(small.entries.length, 25);
      assert.deepEqual(
        small.entries.map((e: Entry) => e.test_id),
        Array.from({ length: 25 }, (_, i) => `small-${59 - i}`),
      );
      // Big bodies: each kept truncated to 4 KiB; the bytes bound the ring well before the count.
      const ids = Array.from({ length: 40 }, (_, i) => `BIG-${i}`);
      for (let i = 0; i < 30; i++) assert.equal((await push(srv.url, t, ids, `big-${i}`)).status, 200);
      const big = await journal(srv.url, '?limit=1000');
      assert.ok(big.entries.length < 25, `${big.entries.length} entries`);
      assert.ok(big.entries.length >= 5, `${big.entries.length} entries`);
      assert.equal(big.entries[0].test_id, 'big-29');
      const size = Buffer.byteLength(JSON.stringify(big));
      assert.ok(size < 2 * 64 * 1024, `${size} bytes`);
      const entry = big.entries[0];
      assert.equal(entry.request.truncated, true);
      assert.equal(typeof entry.request.body, 'string');
      assert.ok(entry.request.body.startsWith('[{'));
      assert.match(entry.request.body, /…\[truncated: \d+ bytes\]$/);
      assert.ok(Buffer.byteLength(entry.request.body) < 4 * 1024 + 40);
      assert.equal(entry.response.truncated, true);
    } finally {
      await srv.close();
    }
  });

  test('without the admin API there is no journal: nothing installed, /__admin unknown', async () => {
    const srv = await startTestServer({});
    try {
      assert.equal(srv.server.app.journal, null);
      const answer = await call(`${srv.url}/__admin/journal`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(answer.status, 404);
      assert.equal(answer.body.error.code, 404);
    } finally {
      await srv.close();
    }
  });

  test('with OPS_PORT the journal is read on the operations port and records the API port', async () => {
    const srv = await startTestServer({ adminToken: ADMIN_TOKEN, opsPort: 0 });
    try {
      const ops = srv.server.ops?.url as string;
      assert.ok(ops !== undefined && ops !== srv.url);
      const t = await createTenant(ops);
      const testId = unique('ops');
      // Plain fetch: the response checker reads the document from the API port, which serves none here.
      const pushed = await fetch(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments`, {
        method: 'POST',
        headers: { authorization: t.basic, 'content-type': 'application/json', [TEST_HEADER]: testId },
        body: JSON.stringify([minimalOrder({ external_order_id: 'O-1' })]),
      });
      assert.equal(pushed.status, 200, await pushed.text());
      const { entries } = await journal(ops, `?test_id=${testId}`);
      assert.deepEqual(
        entries.map((e: Entry) => [e.operation, e.request.body[0].external_order_id]),
        [['upsert_shipments', 'O-1']],
      );
      // Not on the API port.
      const onApi = await fetch(`${srv.url}/__admin/journal`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(onApi.status, 404);
    } finally {
      await srv.close();
    }
  });

  test('the admin OpenAPI document lists the journal and coverage operations with their schemas', async () => {
    const srv = await startTestServer({ adminToken: ADMIN_TOKEN });
    try {
      const doc = (await admin(srv.url, '/openapi.json')).body;
      const list = doc.paths['/__admin/journal'].get;
      assert.equal(list.operationId, 'listJournal');
      assert.deepEqual(
        list.parameters.map((p: Entry) => p.name),
        [
          'account_id',
          'integration_id',
          'operation',
          'status',
          'test_id',
          'since',
          'until',
          'q',
          'limit',
          'order',
        ],
      );
      assert.ok(list.responses['200'].content['application/json'].schema.properties.entries);
      assert.equal(doc.paths['/__admin/journal'].delete.operationId, 'clearJournal');
      assert.equal(doc.paths['/__admin/coverage'].get.operationId, 'getCoverage');
      assert.deepEqual(
        doc.paths['/__admin/coverage'].get.responses['200'].content['application/json'].schema.required,
        ['operations', 'unmatched', 'totals'],
      );
    } finally {
      await srv.close();
    }
  });
});

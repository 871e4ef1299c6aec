/**
 * Fault rules end to end, against a real listening server on each engine: every effect seen from a real HTTP client
 * (fetch, and node:http for the connection closes), the state each leaves behind, rules scoped by the
 * `X-Order-Inbox-Test` header for two tests running at once, by account and by integration, `times`
 * consumed in order, a seeded probability, clearing, the journal's marks and the rule checks.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { lognormalMs, seededRandom } from '../../src/domain/faults/random.js';
import { ENGINES, engineSkip, envelope, minimalOrder, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN_TOKEN, admin, createTenant } from './helpers.js';
import type { AdminTenant } from './helpers.js';

const TEST_HEADER = 'x-order-inbox-test';

interface Raw {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A plain fetch: faulted answers are not what the served document promises, so no document check. */
async function raw(
  url: string,
  options: {
    method?: string;
    auth?: string;
    body?: unknown;
    testId?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Raw> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.auth !== undefined) headers.authorization = options.auth;
  if (options.testId !== undefined) headers[TEST_HEADER] = options.testId;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: json ? JSON.parse(text) : undefined,
  };
}

interface Seen {
  /** The status line the client read, when it read one. */
  status: number | null;
  /** The body bytes it read before the connection went. */
  received: string;
  error: (Error & { code?: string }) | null;
}

/** node:http, which tells apart "no answer at all" from "headers, then the body cut". */
function nodeRequest(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string },
): Promise<Seen> {
  return new Promise((resolve) => {
    const seen: Seen = { status: null, received: '', error: null };
    const req = httpRequest(
      url,
      { method: options.method, headers: { ...options.headers, connection: 'close' } },
      (res) => {
        seen.status = res.statusCode ?? null;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (seen.received += chunk));
        res.on('error', (error) => {
          seen.error = error;
        });
        res.on('close', () => {
          if (!res.complete && seen.error === null)
            seen.error = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
          resolve(seen);
        });
      },
    );
    req.on('error', (error) => {
      seen.error = error;
      resolve(seen);
    });
    req.end(options.body);
  });
}

const unique = (name: string): string => `${name}-${process.hrtime.bigint()}`;

for (const engine of ENGINES)
  describe(`fault rules [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    let base: string;
    before(async () => {
      srv = await startTestServer({ adminToken: ADMIN_TOKEN }, engine);
      base = srv.url;
    });
    after(() => srv.close());

    async function addRule(rule: Record<string, unknown>) {
      const answer = await admin(base, '/faults', { method: 'POST', body: rule });
      assert.equal(answer.status, 201, answer.text);
      assert.equal(answer.body.id, answer.body.rule.id);
      return answer.body.rule;
    }
    const shipments = (t: AdminTenant) => `${base}/api/v2/integrations/${t.integrationId}/shipments`;
    const pushOne = (t: AdminTenant, id: string, testId?: string) =>
      raw(shipments(t), { auth: t.basic, body: [minimalOrder({ external_order_id: id })], testId });
    /** What the integration holds, as its list shows it (no test header: no fault applies). */
    const stored = async (t: AdminTenant): Promise<string[]> => {
      const list = await raw(shipments(t), { auth: t.basic });
      assert.equal(list.status, 200, list.text);
      return list.body.results.map((s: { external_order_id: string }) => s.external_order_id);
    };

    test("a status answers Sendcloud's v2 envelope for it and leaves the state untouched", async () => {
      const t = await createTenant(base);
      const testId = unique('status');
      const rule = await addRule({
        operation: 'upsert_shipments',
        test_id: testId,
        effect: { status: 500 },
        times: 1,
      });
      assert.deepEqual(
        {
          operation: rule.operation,
          test_id: rule.test_id,
          times: rule.times,
          remaining: rule.remaining,
          applied: rule.applied,
        },
        { operation: 'upsert_shipments', test_id: testId, times: 1, remaining: 1, applied: 0 },
      );
      const answer = await pushOne(t, 'A-1', testId);
      assert.equal(answer.status, 500);
      assert.deepEqual(
        answer.body,
        envelope(500, `api/v2/integrations/${t.integrationId}/shipments`, 'A server error occurred.'),
      );
      assert.deepEqual(await stored(t), [], 'nothing was saved');
      // Used up: the same request now goes through.
      const again = await pushOne(t, 'A-1', testId);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(await stored(t), ['A-1']);
    });

    test('each status has its DRF message; 429 and 503 carry Retry-After; 429 is empty', async () => {
      const t = await createTenant(base);
      const url = `${base}/api/v2/integrations/${t.integrationId}`;
      const path = `api/v2/integrations/${t.integrationId}`;
      const cases: [number, string][] = [
        [400, 'Malformed request.'],
        [401, 'Authentication credentials were not provided.'],
        [403, 'You do not have permission to perform this action.'],
        [404, 'Not found.'],
        [405, 'Method "GET" not allowed.'],
        [409, 'Conflict.'],
        [500, 'A server error occurred.'],
        [502, 'Bad Gateway.'],
        [503, 'Service temporarily unavailable, try again later.'],
      ];
      for (const [status, message] of cases) {
        const testId = unique(`s${status}`);
        await addRule({ operation: 'get_integration', test_id: testId, effect: { status }, times: 1 });
        const answer = await raw(url, { auth: t.basic, testId });
        assert.equal(answer.status, status);
        assert.deepEqual(answer.body, envelope(status, path, message), `status ${status}`);
        if (status === 401) assert.equal(answer.headers.get('www-authenticate'), 'Basic realm="api"');
        if (status === 503) assert.equal(answer.headers.get('retry-after'), '1');
      }
      const testId = unique('429');
      await addRule({
        operation: 'get_integration',
        test_id: testId,
        effect: { status: 429, retry_after: 7 },
        times: 1,
      });
      const throttled = await raw(url, { auth: t.basic, testId });
      assert.equal(throttled.status, 429);
      assert.equal(throttled.text, '');
      assert.equal(throttled.headers.get('retry-after'), '7');
      // A text body replaces the message, still in the envelope; JSON is sent as it is.
      const worded = unique('worded');
      await addRule({
        operation: 'get_integration',
        test_id: worded,
        effect: { status: 503, body: 'Down for maintenance.' },
        times: 1,
      });
      assert.deepEqual(
        (await raw(url, { auth: t.basic, testId: worded })).body,
        envelope(503, path, 'Down for maintenance.'),
      );
      const verbatim = unique('verbatim');
      await addRule({
        operation: 'get_integration',
        test_id: verbatim,
        effect: { status: 502, body: { gateway: 'down', retry: true } },
        times: 1,
      });
      const answer = await raw(url, { auth: t.basic, testId: verbatim });
      assert.equal(answer.status, 502);
      assert.deepEqual(answer.body, { gateway: 'down', retry: true });
    });

    test('the token endpoint answers in its OAuth2 shape', async () => {
      const t = await createTenant(base);
      const testId = unique('oauth');
      await addRule({ operation: 'oauth2_token', test_id: testId, effect: { status: 500 }, times: 1 });
      const answer = await raw(`${base}/oauth2/token`, {
        auth: t.basic,
        testId,
        body: 'grant_type=client_credentials&scope=api',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(answer.status, 500);
      assert.deepEqual(answer.body, {
        error: 'server_error',
        error_description: 'A server error occurred.',
        status_code: 500,
      });
    });

    test('a named error answers that documented error, before the handler', async () => {
      const t = await createTenant(base);
      assert.equal((await pushOne(t, 'N-1')).status, 200);
      const testId = unique('named');
      await addRule({
        operation: 'delete_shipment',
        test_id: testId,
        effect: { error: 'shipment_not_found' },
        times: 1,
      });
      const answer = await raw(`${shipments(t)}/delete`, {
        auth: t.basic,
        testId,
        body: { external_order_id: 'N-1', external_shipment_id: null },
      });
      assert.equal(answer.status, 404);
      assert.deepEqual(
        answer.body,
        envelope(
          404,
          `api/v2/integrations/${t.integrationId}/shipments/delete`,
          'No ShipmentBlob matches the given query.',
        ),
      );
      assert.deepEqual(await stored(t), ['N-1'], 'the shipment is still there');
      const throttledId = unique('throttled');
      await addRule({
        operation: 'list_shipments',
        test_id: throttledId,
        effect: { error: 'throttled' },
        times: 1,
      });
      const throttled = await raw(shipments(t), { auth: t.basic, testId: throttledId });
      assert.equal(throttled.status, 429);
      assert.equal(throttled.text, '');
      assert.equal(throttled.headers.get('retry-after'), '1');
    });

    test('apply_then_fail saves the change and answers the error anyway', async () => {
      const t = await createTenant(base);
      const testId = unique('atf');
      await addRule({
        operation: 'upsert_shipments',
        test_id: testId,
        effect: { apply_then_fail: true, status: 503 },
        times: 1,
      });
      const answer = await pushOne(t, 'S-1', testId);
      assert.equal(answer.status, 503);
      assert.deepEqual(
        answer.body,
        envelope(
          503,
          `api/v2/integrations/${t.integrationId}/shipments`,
          'Service temporarily unavailable, try again later.',
        ),
      );
      assert.equal(answer.headers.get('retry-after'), '1');
      // The list the client would read next shows the shipment its failed call saved.
      const list = await raw(shipments(t), { auth: t.basic });
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.results.map((s: { external_order_id: string }) => s.external_order_id),
        ['S-1'],
      );
      // Default: a 500; the delete really happened.
      const deleteId = unique('atf-delete');
      await addRule({
        operation: 'delete_shipment',
        test_id: deleteId,
        effect: { apply_then_fail: true },
        times: 1,
      });
      const deleted = await raw(`${shipments(t)}/delete`, {
        auth: t.basic,
        testId: deleteId,
        body: { external_order_id: 'S-1', external_shipment_id: null },
      });
      assert.equal(deleted.status, 500);
      assert.equal(deleted.body.error.message, 'A server error occurred.');
      assert.deepEqual(await stored(t), []);
    });

    test('close before_answer: the client gets no answer and nothing is saved', async () => {
      const t = await createTenant(base);
      const testId = unique('close');
      await addRule({
        operation: 'upsert_shipments',
        test_id: testId,
        effect: { close: 'before_answer' },
        times: 1,
      });
      const seen = await nodeRequest(shipments(t), {
        method: 'POST',
        headers: { authorization: t.basic, 'content-type': 'application/json', [TEST_HEADER]: testId },
        body: JSON.stringify([minimalOrder({ external_order_id: 'C-1' })]),
      });
      assert.equal(seen.status, null, 'no status line');
      assert.equal(seen.error?.code, 'ECONNRESET');
      assert.match(seen.error?.message ?? '', /socket hang up/);
      assert.deepEqual(await stored(t), []);
      // With apply_then_fail the change is saved first, and the client still sees a hang-up.
      const appliedId = unique('close-applied');
      await addRule({
        operation: 'upsert_shipments',
        test_id: appliedId,
        effect: { close: 'before_answer', apply_then_fail: true },
        times: 1,
      });
      const applied = await nodeRequest(shipments(t), {
        method: 'POST',
        headers: { authorization: t.basic, 'content-type': 'application/json', [TEST_HEADER]: appliedId },
        body: JSON.stringify([minimalOrder({ external_order_id: 'C-2' })]),
      });
      assert.equal(applied.status, null);
      assert.equal(applied.error?.code, 'ECONNRESET');
      assert.deepEqual(await stored(t), ['C-2']);
      const entries = (await admin(base, `/journal?test_id=${appliedId}`)).body.entries;
      assert.equal(entries.length, 1);
      assert.equal(entries[0].status, 0, 'no answer');
      assert.deepEqual(entries[0].fault.effect, { close: 'before_answer', apply_then_fail: true });
    });

    test('close after_headers: the status and headers arrive, then the body is cut', async () => {
      const t = await createTenant(base);
      const testId = unique('cut');
      await addRule({
        operation: 'upsert_shipments',
        test_id: testId,
        effect: { close: 'after_headers' },
        times: 1,
      });
      const body = JSON.stringify([minimalOrder({ external_order_id: 'H-1' })]);
      const seen = await nodeRequest(shipments(t), {
        method: 'POST',
        headers: { authorization: t.basic, 'content-type': 'application/json', [TEST_HEADER]: testId },
        body,
      });
      assert.equal(seen.status, 200, 'the status line arrived');
      assert.equal(seen.error?.code, 'ECONNRESET');
      assert.ok(seen.received.length > 0, 'part of the body arrived');
      assert.throws(() => JSON.parse(seen.received), 'but not all of it');
      assert.deepEqual(await stored(t), ['H-1'], 'the request was applied');
      // The journal keeps the whole answer that was being sent.
      const entries = (await admin(base, `/journal?test_id=${testId}`)).body.entries;
      assert.equal(entries[0].status, 200);
      assert.equal(entries[0].response.body[0].external_order_id, 'H-1');
      assert.ok(JSON.stringify(entries[0].response.body).startsWith(seen.received.slice(0, 2)));
      assert.deepEqual(entries[0].fault.effect, { close: 'after_headers' });
      // fetch sees the same: the answer's status, then a body that never completes.
      const fetchId = unique('cut-fetch');
      await addRule({
        operation: 'list_shipments',
        test_id: fetchId,
        effect: { close: 'after_headers' },
        times: 1,
      });
      const response = await fetch(shipments(t), {
        headers: { authorization: t.basic, [TEST_HEADER]: fetchId },
      });
      assert.equal(response.status, 200);
      await assert.rejects(response.text(), /terminated/);
      // With a status: that error's headers, then the cut.
      const errorId = unique('cut-error');
      await addRule({
        operation: 'list_shipments',
        test_id: errorId,
        effect: { status: 500, close: 'after_headers' },
        times: 1,
      });
      const cut = await nodeRequest(shipments(t), {
        method: 'GET',
        headers: { authorization: t.basic, [TEST_HEADER]: errorId },
      });
      assert.equal(cut.status, 500);
      assert.equal(cut.error?.code, 'ECONNRESET');
    });

    test('latency: fixed, and a seeded log-normal whose draw the journal records', async () => {
      const t = await createTenant(base);
      const fixed = unique('latency');
      await addRule({ operation: 'get_integration', test_id: fixed, effect: { latency_ms: 30 }, times: 1 });
      const answer = await raw(`${base}/api/v2/integrations/${t.integrationId}`, {
        auth: t.basic,
        testId: fixed,
      });
      assert.equal(answer.status, 200, 'latency alone changes nothing else');
      assert.equal(answer.body.id, t.integrationId);
      const lognormal = unique('lognormal');
      await addRule({
        operation: 'get_integration',
        test_id: lognormal,
        effect: { latency_lognormal: { median_ms: 20, sigma: 0.5 } },
        seed: 7,
        times: 2,
      });
      for (let i = 0; i < 2; i++)
        await raw(`${base}/api/v2/integrations/${t.integrationId}`, { auth: t.basic, testId: lognormal });
      const random = seededRandom(7);
      const expected = [lognormalMs(20, 0.5, random), lognormalMs(20, 0.5, random)];
      const entries = (await admin(base, `/journal?test_id=${lognormal}&order=asc`)).body.entries;
      assert.deepEqual(
        entries.map((e: { fault: { latency_ms: number } }) => e.fault.latency_ms),
        expected,
      );
      const fixedEntry = (await admin(base, `/journal?test_id=${fixed}`)).body.entries[0];
      assert.deepEqual(fixedEntry.fault, {
        rule_id: fixedEntry.fault.rule_id,
        effect: { latency_ms: 30 },
        latency_ms: 30,
      });
      assert.equal(fixedEntry.status, 200);
    });

    test('two tests at once each see only their own faults', async () => {
      const t = await createTenant(base);
      const [one, two] = [unique('one'), unique('two')];
      await addRule({ operation: 'list_shipments', test_id: one, effect: { status: 503 } });
      await addRule({
        operation: 'list_shipments',
        test_id: two,
        effect: { error: 'integration_not_found' },
      });
      const run = (testId: string) =>
        Promise.all(Array.from({ length: 5 }, () => raw(shipments(t), { auth: t.basic, testId })));
      const [first, second, neither] = await Promise.all([run(one), run(two), run(unique('other'))]);
      assert.deepEqual(
        first.map((a) => a.status),
        [503, 503, 503, 503, 503],
      );
      assert.deepEqual(
        second.map((a) => [a.status, a.body.error.message]),
        Array(5).fill([404, 'No Integration matches the given query.']),
      );
      assert.deepEqual(
        neither.map((a) => a.status),
        [200, 200, 200, 200, 200],
      );
      assert.deepEqual((await raw(shipments(t), { auth: t.basic })).body.results, [], 'no header, no fault');
      assert.deepEqual(
        (await admin(base, `/faults?`)).body.rules
          .filter((r: { test_id: string }) => [one, two].includes(r.test_id))
          .map((r: { applied: number }) => r.applied),
        [5, 5],
      );
      await admin(base, `/faults?test_id=${one}`, { method: 'DELETE' });
      await admin(base, `/faults?test_id=${two}`, { method: 'DELETE' });
    });

    test('account and integration scopes', async () => {
      const [a, b] = [await createTenant(base), await createTenant(base)];
      const testId = unique('scope');
      await addRule({
        operation: 'get_integration',
        test_id: testId,
        account_id: a.accountId,
        effect: { status: 500 },
      });
      await addRule({
        operation: 'list_shipments',
        test_id: testId,
        integration_id: b.integrationId,
        effect: { status: 502 },
      });
      assert.equal(
        (await raw(`${base}/api/v2/integrations/${a.integrationId}`, { auth: a.basic, testId })).status,
        500,
      );
      assert.equal(
        (await raw(`${base}/api/v2/integrations/${b.integrationId}`, { auth: b.basic, testId })).status,
        200,
      );
      assert.equal((await raw(shipments(a), { auth: a.basic, testId })).status, 200);
      assert.equal((await raw(shipments(b), { auth: b.basic, testId })).status, 502);
      assert.deepEqual((await admin(base, `/faults?test_id=${testId}`, { method: 'DELETE' })).body, {
        removed: 2,
      });
    });

    test('times: rules are consumed in the order they were made, then go away', async () => {
      const t = await createTenant(base);
      const testId = unique('times');
      const first = await addRule({
        operation: 'get_integration',
        test_id: testId,
        effect: { status: 500 },
        times: 2,
      });
      const second = await addRule({
        operation: 'get_integration',
        test_id: testId,
        effect: { status: 503 },
        times: 1,
      });
      const mine = async () =>
        (await admin(base, '/faults')).body.rules.filter((r: { test_id: string }) => r.test_id === testId);
      assert.deepEqual(
        (await mine()).map((r: { id: number; remaining: number }) => [r.id, r.remaining]),
        [
          [first.id, 2],
          [second.id, 1],
        ],
      );
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (await raw(`${base}/api/v2/integrations/${t.integrationId}`, { auth: t.basic, testId })).status,
        );
      assert.deepEqual(statuses, [500, 500, 503, 200]);
      assert.deepEqual(await mine(), [], 'used-up rules are gone');
      const entries = (await admin(base, `/journal?test_id=${testId}&order=asc`)).body.entries;
      assert.deepEqual(
        entries.map((e: { fault: { rule_id: number } | null }) => e.fault?.rule_id ?? null),
        [first.id, first.id, second.id, null],
      );
    });

    test('probability with a seed: the same requests fail every run', async () => {
      const t = await createTenant(base);
      const testId = unique('probability');
      await addRule({
        operation: 'get_integration',
        test_id: testId,
        effect: { status: 500 },
        probability: 0.5,
        seed: 42,
      });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++)
        statuses.push(
          (await raw(`${base}/api/v2/integrations/${t.integrationId}`, { auth: t.basic, testId })).status,
        );
      const random = seededRandom(42);
      const expected = Array.from({ length: 16 }, () => (random() < 0.5 ? 500 : 200));
      assert.deepEqual(statuses, expected);
      assert.ok(expected.includes(500) && expected.includes(200), 'the seed draws both');
      await admin(base, `/faults?test_id=${testId}`, { method: 'DELETE' });
    });

    test("clear one test's rules, one rule, or all", async () => {
      const [one, two] = [unique('clear-one'), unique('clear-two')];
      await addRule({ operation: 'get_integration', test_id: one, effect: { status: 500 } });
      await addRule({ operation: 'list_shipments', test_id: one, effect: { status: 500 } });
      const kept = await addRule({ operation: 'get_integration', test_id: two, effect: { status: 500 } });
      const global = await addRule({ operation: 'list_integrations', effect: { status: 500 }, times: 3 });
      assert.deepEqual((await admin(base, `/faults?test_id=${one}`, { method: 'DELETE' })).body, {
        removed: 2,
      });
      const left = (await admin(base, '/faults')).body.rules.map((r: { id: number }) => r.id);
      assert.deepEqual(left, [kept.id, global.id]);
      assert.deepEqual((await admin(base, `/faults/${kept.id}`, { method: 'DELETE' })).body, { removed: 1 });
      const gone = await admin(base, `/faults/${kept.id}`, { method: 'DELETE' });
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'fault_not_found');
      assert.deepEqual((await admin(base, '/faults', { method: 'DELETE' })).body, { removed: 1 });
      assert.deepEqual((await admin(base, '/faults')).body, { rules: [] });
    });

    test('operations and their named errors are listed', async () => {
      const answer = await admin(base, '/faults/operations');
      assert.equal(answer.status, 200);
      const names = answer.body.operations.map((o: { operation: string }) => o.operation);
      for (const operation of [
        'delete_shipment',
        'upsert_shipments',
        'list_shipments',
        'get_integration',
        'oauth2_token',
      ]) {
        assert.ok(names.includes(operation), operation);
      }
      assert.ok(
        !names.some((n: string) => n.startsWith('admin_') || n === 'method_not_allowed' || n === 'openapi'),
      );
      const remove = answer.body.operations.find(
        (o: { operation: string }) => o.operation === 'delete_shipment',
      );
      for (const name of ['integration_not_found', 'shipment_not_found', 'throttled'])
        assert.ok(remove.errors.includes(name), name);
    });

    test('a rule the server cannot apply is a 400 naming why', async () => {
      const cases: [unknown, RegExp][] = [
        [{ effect: { status: 500 } }, /body must have required property 'operation'/],
        [{ operation: 'get_integration' }, /required property 'effect'/],
        [
          { operation: 'no_such_operation', effect: { status: 500 } },
          /"no_such_operation" is not an operation/,
        ],
        [{ operation: 'admin_reset', effect: { status: 500 } }, /is not an operation/],
        [
          { operation: 'get_integration', effect: { error: 'shipment_not_found' } },
          /"shipment_not_found" is not an error of get_integration/,
        ],
        [
          { operation: 'get_integration', effect: { status: 500, error: 'throttled' } },
          /both status and error/,
        ],
        [{ operation: 'get_integration', effect: { status: 200 } }, /status must be >= 400/],
        [{ operation: 'get_integration', effect: {} }, /does nothing/],
        [
          { operation: 'get_integration', effect: { close: 'sometimes' } },
          /close must be equal to one of the allowed values/,
        ],
        [
          { operation: 'get_integration', effect: { close: 'before_answer', status: 500 } },
          /sends no answer/,
        ],
        [
          {
            operation: 'get_integration',
            effect: { latency_ms: 5, latency_lognormal: { median_ms: 5, sigma: 1 } },
          },
          /both latency_ms and latency_lognormal/,
        ],
        [{ operation: 'get_integration', effect: { body: 'x' } }, /needs a status/],
        [
          { operation: 'get_integration', effect: { status: 500 }, probability: 1.5 },
          /probability must be <= 1/,
        ],
        [{ operation: 'get_integration', effect: { status: 500 }, times: 0 }, /times must be >= 1/],
        [
          { operation: 'get_integration', effect: { status: 500 }, colour: 'red' },
          /additional properties \("colour"\)/,
        ],
      ];
      for (const [body, message] of cases) {
        const answer = await admin(base, '/faults', { method: 'POST', body });
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.error.code, 'invalid_request');
        assert.match(answer.body.error.message, message, JSON.stringify(body));
      }
      assert.deepEqual((await admin(base, '/faults')).body, { rules: [] }, 'nothing was made');
    });
  });

describe('fault rules with OPS_PORT', () => {
  test('rules made on the operations port apply to the API port', async () => {
    const srv = await startTestServer({ adminToken: ADMIN_TOKEN, opsPort: 0 });
    try {
      const ops = srv.server.ops?.url as string;
      assert.ok(ops !== undefined && ops !== srv.url);
      const t = await createTenant(ops);
      const made = await admin(ops, '/faults', {
        method: 'POST',
        body: { operation: 'get_integration', test_id: 'ops', effect: { status: 503 }, times: 1 },
      });
      assert.equal(made.status, 201, made.text);
      assert.equal((await admin(srv.url, '/faults')).status, 404, 'no admin API on the API port');
      const answer = await raw(`${srv.url}/api/v2/integrations/${t.integrationId}`, {
        auth: t.basic,
        testId: 'ops',
      });
      assert.equal(answer.status, 503);
      assert.equal(answer.body.error.message, 'Service temporarily unavailable, try again later.');
      const entries = (await admin(ops, '/journal?test_id=ops')).body.entries;
      assert.equal(entries[0].fault.rule_id, made.body.id);
      assert.deepEqual((await admin(ops, '/faults')).body, { rules: [] });
    } finally {
      await srv.close();
    }
  });
});

describe('fault rules without the admin API', () => {
  test('there is no faults surface', async () => {
    const srv = await startTestServer();
    try {
      assert.equal(srv.server.app.faults, null);
      assert.equal((await raw(`${srv.url}/__admin/faults`)).status, 404);
    } finally {
      await srv.close();
    }
  });
});

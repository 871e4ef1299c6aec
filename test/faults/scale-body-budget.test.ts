/**
 * The memory budget for request bodies: uploads that would take the bodies being read at once past
 * BODY_MEMORY_LIMIT_BYTES are answered 503 in the envelope with Retry-After — a declared length before
 * a byte of it is read, a chunked body as it streams past — while uploads within it are served, and
 * every upload's share comes back when it is answered or abandoned.
 */
import { listQuery } from '../helpers/list-query.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENGINES, engineSkip, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';

const BUDGET = 1024 * 1024;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** 100 orders, each with `items` parcel items: about 70 bytes an item. */
function upload(tag: string, items: number): Buffer {
  const orders = Array.from({ length: 100 }, (_, i) => ({
    external_order_id: `${tag}-${i}`,
    external_shipment_id: null,
    name: 'Name',
    address: 'Street 1',
    city: 'Eindhoven',
    postal_code: '5611 EM',
    country: 'NL',
    order_number: `${tag}-${i}`,
    created_at: '2024-03-01T10:00:00Z',
    updated_at: '2024-03-01T10:00:00Z',
    parcel_items: Array.from({ length: items }, (_, j) => ({
      description: `Item ${j}`,
      quantity: 1,
      weight: '0.5',
      value: '1.00',
    })),
  }));
  return Buffer.from(JSON.stringify(orders));
}

/**
 * An upload whose headers (declaring `length`, or chunked when null) are sent at once and whose body
 * is sent by `send`; `answer` resolves with the response, whenever it comes.
 */
/** Every upload a test opened: aborted at its end, so a failed assertion never leaves one half-sent. */
const opened: { abort: () => void }[] = [];

function open(url: string, tenant: Tenant, length: number | null) {
  const headers: Record<string, string> = {
    authorization: tenant.basic,
    'content-type': 'application/json',
  };
  if (length !== null) headers['content-length'] = String(length);
  const req = http.request(`${url}/api/v2/integrations/${tenant.integrationId}/shipments`, {
    method: 'POST',
    headers,
    agent: false,
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text === '' ? null : JSON.parse(text),
        });
      });
    });
    req.on('error', reject);
  });
  // An aborted upload's answer rejects; a test that awaits it says so itself.
  answer.catch(() => undefined);
  req.flushHeaders();
  const handle = {
    answer,
    send: (bytes: Buffer) => new Promise<void>((resolve) => req.write(bytes, () => resolve())),
    end: (bytes?: Buffer) => req.end(bytes),
    abort: () => req.destroy(),
  };
  opened.push(handle);
  return handle;
}

/** A request of `length` bytes that is admitted (400, not JSON) or refused (503), and nothing else. */
async function admitted(url: string, tenant: Tenant, length: number): Promise<boolean> {
  const probe = open(url, tenant, length);
  probe.end(Buffer.alloc(length, 'x'));
  const { status } = await probe.answer;
  assert.ok(status === 400 || status === 503, `probe answered ${status}`);
  return status === 400;
}

/** Waits (bounded) until a request of `length` bytes is admitted or refused, as `want` says. */
async function until(url: string, tenant: Tenant, length: number, want: boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await admitted(url, tenant, length)) === want) return;
    await sleep(20);
  }
  assert.fail(`a ${length}-byte request was never ${want ? 'admitted' : 'refused'}`);
}

const busy = (integrationId: number) => ({
  error: {
    code: 503,
    request: `api/v2/integrations/${integrationId}/shipments`,
    message: 'The server is busy reading other requests; try again shortly.',
  },
});

for (const engine of ENGINES) {
  describe(`body memory budget (${engine})`, { skip: await engineSkip(engine) }, () => {
    let ts: TestServer;
    let tenant: Tenant;
    before(async () => {
      ts = await startTestServer({ bodyMemoryLimitBytes: BUDGET }, engine);
      tenant = await ts.tenant();
    });
    after(async () => {
      for (const upload of opened.splice(0)) upload.abort();
      await ts?.close();
    });

    /** How many shipments the tenant has, and how many of `ids` among them. */
    const stored = async (ids: string[] | null = null): Promise<number> =>
      (await ts.server.store.listShipments(listQuery(tenant.integrationId, { externalOrderIds: ids })))
        .length;

    test('uploads past the budget are 503 with Retry-After, within it served, and the budget comes back', async () => {
      const a = upload('a', 50);
      const b = upload('b', 50);
      assert.ok(a.length > BUDGET / 3 && a.length + b.length < BUDGET, `${a.length} bytes an upload`);
      // One small request first, so the held ones below meet a warm connection pool and lookup path:
      // a first request that waits on a new database connection would reserve late.
      await until(ts.url, tenant, 1000, true);
      // Two uploads hold their declared length while half sent.
      const heldA = open(ts.url, tenant, a.length);
      const heldB = open(ts.url, tenant, b.length);
      await heldA.send(a.subarray(0, a.length / 2));
      await heldB.send(b.subarray(0, b.length / 2));
      const free = BUDGET - a.length - b.length;
      // Both must still be waiting for their bodies: one answered early (an error) holds nothing.
      const early = await Promise.race([
        Promise.race([heldA.answer, heldB.answer]).then((r) => `${r.status} ${JSON.stringify(r.body)}`),
        sleep(200).then(() => null),
      ]);
      assert.equal(early, null, `a held upload was answered before its body was sent: ${early}`);
      await until(ts.url, tenant, free + 1, false);

      // A third as large does not fit: refused before its body is sent, nothing of it stored.
      const third = open(ts.url, tenant, a.length);
      const refused = await third.answer;
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '1');
      assert.deepEqual(refused.body, busy(tenant.integrationId));
      third.abort();

      // A chunked body is counted as it streams: it is refused once past what is left.
      const chunked = open(ts.url, tenant, null);
      const chunk = Buffer.alloc(16 * 1024, ' ');
      for (let sent = 0; sent <= free; sent += chunk.length) await chunked.send(chunk);
      const streamed = await chunked.answer;
      assert.equal(streamed.status, 503);
      assert.equal(streamed.headers['retry-after'], '1');
      assert.deepEqual(streamed.body, busy(tenant.integrationId));
      chunked.abort();

      // One that fits is served while the two are held.
      const small = upload('small', 1);
      assert.ok(small.length <= free);
      const smallUpload = open(ts.url, tenant, small.length);
      smallUpload.end(small);
      const served = await smallUpload.answer;
      assert.equal(served.status, 200, JSON.stringify(served.body));
      assert.equal(served.body.length, 100);
      assert.equal(await stored(), 100);

      // The held two finish and are served.
      heldA.end(a.subarray(a.length / 2));
      heldB.end(b.subarray(b.length / 2));
      assert.deepEqual(
        (await Promise.all([heldA.answer, heldB.answer])).map((r) => [r.status, r.body.length]),
        [
          [200, 100],
          [200, 100],
        ],
      );

      // Their shares came back: an upload of nearly the whole budget is served.
      const big = upload('big', 140);
      assert.ok(big.length > BUDGET * 0.9 && big.length <= BUDGET, `${big.length} bytes`);
      await until(ts.url, tenant, BUDGET, true);
      const bigUpload = open(ts.url, tenant, big.length);
      bigUpload.end(big);
      assert.equal((await bigUpload.answer).status, 200);

      // An abandoned upload gives its share back too.
      const abandoned = open(ts.url, tenant, big.length);
      await abandoned.send(big.subarray(0, 1000));
      await until(ts.url, tenant, BUDGET - big.length + 1, false);
      abandoned.abort();
      await abandoned.answer.catch(() => undefined);
      await until(ts.url, tenant, BUDGET, true);

      assert.equal(await stored(), 400);
      assert.equal(await stored(['a-0', 'b-99', 'small-5', 'big-42']), 4);
    });
  });
}

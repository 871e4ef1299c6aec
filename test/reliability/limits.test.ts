/**
 * Issue 6 item 5: a slow or greedy client cannot hold the server. Against `serve` as a child process
 * with short limits from the environment (HEADERS_TIMEOUT_MS=500, REQUEST_TIMEOUT_MS=1000,
 * KEEP_ALIVE_TIMEOUT_MS=500, BODY_LIMIT_BYTES=65536): slowloris connections (headers, or a body, one
 * byte every 250 ms) are cut off while ordinary clients keep being served; an idle keep-alive
 * connection is closed; a body over the limit gets the 413 envelope whether it declares its length or
 * streams chunked; 101 items are refused. Then, on a server with a 256 KiB body limit, floods of 200
 * concurrent near-limit and over-limit bodies keep the server's resident memory under a ceiling and
 * let it settle afterwards (memory only, never time, is asserted). These limits live in the HTTP
 * layer, the same on both engines: the suite runs on SQLite.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { serve } from '../helpers/cli.js';
import type { ServeProcess } from '../helpers/cli.js';
import {
  bootstrapTenant,
  listAllShipments,
  openTestDatabase,
  order,
  rawResponses,
  request,
  rssKib,
  stopServe,
  waitUntil,
} from '../helpers/reliability-kit.js';
import type { HttpAnswer, Tenant, TestDatabase } from '../helpers/reliability-kit.js';

const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1000;
const KEEP_ALIVE_TIMEOUT_MS = 500;
const BODY_LIMIT = 65_536;
/** How long a slow client may live at most: ten times the header timeout. */
const CUT_DEADLINE_MS = 10 * HEADERS_TIMEOUT_MS;

/** A connection that sends `prefix`, then one byte of `drip` every `everyMs`, until the server closes it. */
async function slowClient(port: number, prefix: string, drip: string, everyMs: number) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  const openedAt = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.write(prefix);
  let i = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(drip[i++ % drip.length] as string);
  }, everyMs);
  let closedAfterMs: number | null = null;
  socket.once('close', () => {
    closedAfterMs = Date.now() - openedAt;
    clearInterval(timer);
  });
  return {
    closedAfterMs: () => closedAfterMs,
    received: () => received,
    destroy: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

const envelope = (code: number, requestPath: string, message: string) => ({
  error: { code, request: requestPath, message },
});

describe('limits and timeouts: a slow or greedy client cannot hold the server', () => {
  let database: TestDatabase;
  let proc: ServeProcess | null = null;
  let tenant: Tenant;
  let port: number;
  let shipments: string;

  before(async () => {
    database = (await openTestDatabase('sqlite', 'limits')) as TestDatabase;
    tenant = bootstrapTenant(database.location);
    proc = await serve(['--database', database.location], {
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
    });
    port = Number(new URL(proc.url).port);
    shipments = `${proc.url}/api/v2/integrations/${tenant.integrationId}/shipments`;
  });
  after(async () => {
    await stopServe(proc);
    await database.dispose();
  });

  test('slowloris: headers (or a body) one byte every 250 ms are cut off; other clients are served meanwhile', async (t) => {
    const slowHeaders = await Promise.all(
      Array.from({ length: 20 }, () =>
        slowClient(port, 'GET /api/v2/integrations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'abcdefgh', 250),
      ),
    );
    const body = JSON.stringify([
      order({
        externalOrderId: 'slow',
        externalShipmentId: null,
        updatedAt: '2024-05-01T12:00:00Z',
        tag: 'slow',
      }),
    ]);
    const slowBodies = await Promise.all(
      Array.from({ length: 5 }, () =>
        slowClient(
          port,
          `POST /api/v2/integrations/${tenant.integrationId}/shipments HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
            `Authorization: ${tenant.auth}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
          body,
          250,
        ),
      ),
    );
    const slow = [...slowHeaders, ...slowBodies];
    try {
      // Ordinary clients, each on a new connection, while the slow ones hang on.
      const served: HttpAnswer[] = [];
      const allCut = () => slow.every((s) => s.closedAfterMs() !== null);
      const cut = await waitUntil(async () => {
        served.push(
          await request(`${shipments.replace(/\/shipments$/, '')}`, {
            auth: tenant.auth,
            agent: new http.Agent({ keepAlive: false }),
            timeoutMs: 3000,
          }),
        );
        return allCut();
      }, CUT_DEADLINE_MS);
      const times = slow.map((s) => s.closedAfterMs());
      t.diagnostic(
        `slow clients closed after ${JSON.stringify(times)} ms; first answer to a slow header sender: ` +
          `${JSON.stringify(slowHeaders[0]?.received().split('\r\n')[0] ?? '')}; ${served.length} ordinary requests served meanwhile`,
      );
      assert.ok(served.length > 0);
      for (const answer of served) {
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.body.id, tenant.integrationId);
      }
      assert.ok(
        cut,
        `${times.filter((x) => x === null).length} of ${slow.length} slow clients were still connected ` +
          `${CUT_DEADLINE_MS} ms after they started (HEADERS_TIMEOUT_MS=${HEADERS_TIMEOUT_MS}, REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS})`,
      );
      // The dripped upserts never completed: nothing stored.
      assert.deepEqual(await listAllShipments(proc!.url, tenant.integrationId, tenant.auth), []);
    } finally {
      for (const s of slow) s.destroy();
    }
  });

  test('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    const answers = rawResponses(socket, 2, KEEP_ALIVE_TIMEOUT_MS + 5000);
    socket.write(
      `GET /api/v2/integrations/${tenant.integrationId} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${tenant.auth}\r\n\r\n`,
    );
    // Waits for a second answer that never comes: returns when the server closes the connection.
    const { responses, closed } = await answers;
    socket.destroy();
    assert.equal(responses.length, 1);
    assert.equal(responses[0]?.status, 200);
    assert.equal(JSON.parse(responses[0]?.body ?? '{}').id, tenant.integrationId);
    assert.notEqual(responses[0]?.headers.connection, 'close', 'the answer kept the connection alive');
    assert.ok(closed, `the idle connection was still open ${KEEP_ALIVE_TIMEOUT_MS + 5000} ms later`);
  });

  test('a body over BODY_LIMIT_BYTES gets the 413 envelope, with Content-Length or streamed chunked', async () => {
    const path = `api/v2/integrations/${tenant.integrationId}/shipments`;
    const expected = envelope(413, path, `Request body is larger than the limit of ${BODY_LIMIT} bytes.`);
    // A valid array of orders, only too long.
    const item = JSON.stringify(
      order({
        externalOrderId: 'big',
        externalShipmentId: null,
        updatedAt: '2024-05-01T12:00:00Z',
        tag: 'x'.repeat(200),
      }),
    );
    const items = Array.from({ length: Math.ceil((BODY_LIMIT * 3) / item.length) }, () => item);
    const tooBig = Buffer.from(`[${items.join(',')}]`);

    const declared = await request(shipments, { auth: tenant.auth, body: tooBig });
    assert.equal(declared.status, 413);
    assert.deepEqual(declared.body, expected);

    // Chunked, no Content-Length, 8 KiB every 20 ms, until the server answers.
    const streamed = await new Promise<{ status: number; text: string; sentBytes: number }>(
      (resolve, reject) => {
        let sent = 0;
        let answered = false;
        const req = http.request(shipments, {
          method: 'POST',
          headers: {
            authorization: tenant.auth,
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          },
          agent: new http.Agent({ keepAlive: false }),
        });
        req.on('response', (res) => {
          answered = true;
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text, sentBytes: sent }));
        });
        req.on('error', (error) => {
          if (!answered) reject(error);
        });
        const pump = () => {
          if (answered || sent >= tooBig.length) {
            if (!answered) req.end();
            return;
          }
          const chunk = tooBig.subarray(sent, sent + 8192);
          sent += chunk.length;
          req.write(chunk);
          setTimeout(pump, 20);
        };
        pump();
      },
    );
    assert.equal(streamed.status, 413, streamed.text);
    assert.deepEqual(JSON.parse(streamed.text), expected);
    assert.ok(streamed.sentBytes < tooBig.length, 'the server answered before the whole stream was sent');
    assert.deepEqual(await listAllShipments(proc!.url, tenant.integrationId, tenant.auth), []);
  });

  test('at most 100 items per upsert: 101 → 400, 100 → 200', async () => {
    const orders = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        order({
          externalOrderId: `cap-${i}`,
          externalShipmentId: null,
          updatedAt: '2024-05-01T12:00:00Z',
          tag: `${i}`,
        }),
      );
    const tooMany = await request(shipments, { auth: tenant.auth, body: orders(101) });
    assert.equal(tooMany.status, 400);
    assert.deepEqual(
      tooMany.body,
      envelope(
        400,
        `api/v2/integrations/${tenant.integrationId}/shipments`,
        'Ensure this field has no more than 100 elements.',
      ),
    );
    assert.deepEqual(await listAllShipments(proc!.url, tenant.integrationId, tenant.auth), []);

    const hundred = await request(shipments, { auth: tenant.auth, body: orders(100) });
    assert.equal(hundred.status, 200);
    assert.deepEqual(
      hundred.body.map((r: { status: string; external_order_id: string }) => [r.external_order_id, r.status]),
      orders(100).map((o) => [o.external_order_id, 'created']),
    );
    assert.equal((await listAllShipments(proc!.url, tenant.integrationId, tenant.auth)).length, 100);
  });
});

describe('bounded memory under a flood of large requests', () => {
  const LIMIT = 262_144;
  const CONCURRENT = 200;
  /** Generous: a server that buffered whole over-limit bodies would need 200 × 1 MiB more than this allows. */
  const PEAK_CEILING_KIB = 256 * 1024;
  const SETTLED_CEILING_KIB = 192 * 1024;

  test(`${CONCURRENT} concurrent near-limit and over-limit bodies: resident memory stays under a ceiling and settles`, async (t) => {
    const database = (await openTestDatabase('sqlite', 'memory')) as TestDatabase;
    let proc: ServeProcess | null = null;
    let sampler: NodeJS.Timeout | undefined;
    try {
      const tenant = bootstrapTenant(database.location);
      // The body budget (tested on its own) would refuse some of the flood: here every body is let in,
      // so every one is read and parsed.
      proc = await serve(['--database', database.location], {
        BODY_LIMIT_BYTES: String(LIMIT),
        BODY_MEMORY_LIMIT_BYTES: String(CONCURRENT * LIMIT),
      });
      const pid = proc.child.pid as number;
      const url = `${proc.url}/api/v2/integrations/${tenant.integrationId}/shipments`;
      const path = `api/v2/integrations/${tenant.integrationId}/shipments`;
      for (let i = 0; i < 20; i += 1) assert.equal((await request(url, { auth: tenant.auth })).status, 200);
      const baseline = rssKib(pid);
      let peak = baseline;
      sampler = setInterval(() => {
        try {
          peak = Math.max(peak, rssKib(pid));
        } catch {
          // the process is gone; the assertions below say so
        }
      }, 10);

      // Invalid JSON just under the limit: every byte is read, decoded and parsed, then refused.
      const nearLimit = Buffer.from(`[${'1,'.repeat((LIMIT - 64) / 2)}x]`);
      const flood = () =>
        Promise.all(
          Array.from({ length: CONCURRENT }, () =>
            request(url, {
              auth: tenant.auth,
              body: nearLimit,
              agent: new http.Agent({ keepAlive: false }),
              timeoutMs: 60_000,
            }),
          ),
        );
      const afterFlood: number[] = [];
      for (const answers of [await flood(), await flood()]) {
        afterFlood.push(rssKib(pid));
        for (const answer of answers) {
          assert.equal(answer.status, 400, answer.text.slice(0, 200));
          assert.equal(answer.body.error.code, 400);
          assert.equal(answer.body.error.request, path);
          assert.match(answer.body.error.message, /^JSON parse error - /);
          assert.ok(answer.text.length < 1024, 'the error does not echo the body');
        }
      }
      // Over the limit, declared: 200 × 1 MiB offered, refused from the header.
      const overLimit = Buffer.alloc(4 * LIMIT, 0x20);
      const refused = await Promise.all(
        Array.from({ length: CONCURRENT }, () =>
          request(url, {
            auth: tenant.auth,
            body: overLimit,
            agent: new http.Agent({ keepAlive: false }),
            timeoutMs: 60_000,
          }).catch((error: Error) => error),
        ),
      );
      afterFlood.push(rssKib(pid));
      const answered = refused.filter((r): r is HttpAnswer => !(r instanceof Error));
      assert.ok(answered.length > 0, `no answer at all: ${String(refused[0])}`);
      for (const answer of answered) {
        assert.equal(answer.status, 413);
        assert.deepEqual(
          answer.body,
          envelope(413, path, `Request body is larger than the limit of ${LIMIT} bytes.`),
        );
      }
      // Settles: ordinary requests keep being served and the resident set comes down under the ceiling.
      let settled = rssKib(pid);
      await waitUntil(async () => {
        assert.equal((await request(url, { auth: tenant.auth })).status, 200);
        settled = rssKib(pid);
        return settled - baseline < SETTLED_CEILING_KIB;
      }, 5000);
      clearInterval(sampler);
      const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
      t.diagnostic(
        `RSS baseline ${mib(baseline)}, peak ${mib(peak)} (+${mib(peak - baseline)}), after each flood ` +
          `${afterFlood.map(mib).join(' / ')}, settled ${mib(settled)}; ${CONCURRENT} × ${LIMIT - 64} B invalid JSON twice, ` +
          `${CONCURRENT} × ${overLimit.length} B over the limit (${answered.length} answered 413, ${CONCURRENT - answered.length} reset while sending)`,
      );
      assert.ok(
        peak - baseline < PEAK_CEILING_KIB,
        `peak RSS ${mib(peak)} over baseline ${mib(baseline)} + ${mib(PEAK_CEILING_KIB)}`,
      );
      assert.ok(
        settled - baseline < SETTLED_CEILING_KIB,
        `RSS ${mib(settled)} did not settle under baseline ${mib(baseline)} + ${mib(SETTLED_CEILING_KIB)}`,
      );
      assert.equal(proc.child.exitCode, null, 'the server is still running');
    } finally {
      clearInterval(sampler);
      await stopServe(proc);
      await database.dispose();
    }
  });
});

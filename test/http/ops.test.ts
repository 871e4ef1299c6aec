import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setDocumentUrl } from '../helpers/openapi-validator.js';
import { call, envelope, minimalOrder, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

/** The counter lines of one metric family, as Prometheus text gives them. */
const samples = (text: string, name: string): string[] =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

async function metricsText(base: string): Promise<string> {
  const answer = await fetch(`${base}/metrics`);
  assert.equal(answer.status, 200);
  assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return answer.text();
}

describe('operating it: health, readiness, metrics', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ rateLimit: true });
  });
  after(() => srv.close());

  test('/healthz and /readyz answer 200 while the process and the database are up', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const answer = await fetch(`${srv.url}${path}`);
      assert.equal(answer.status, 200, path);
      assert.deepEqual(await answer.json(), { status: 'ok' }, path);
    }
  });

  test('/metrics counts requests by operation and status, with latency, and nothing secret', async () => {
    const t = await srv.tenant();
    const shipments = `${srv.url}/api/v2/integrations/${t.integrationId}/shipments`;
    const upsert = await call(shipments, { auth: t.basic, body: [minimalOrder()] });
    assert.equal(upsert.status, 200);
    assert.equal(upsert.body[0].status, 'created');
    const list = await call(shipments, { auth: t.basic });
    assert.equal(list.status, 200);
    assert.equal(list.body.results.length, 1);
    const unauthenticated = await call(shipments);
    assert.equal(unauthenticated.status, 401);
    const unknown = await call(`${srv.url}/api/v2/nothing`, { auth: t.basic });
    assert.deepEqual(unknown.body, envelope(404, 'api/v2/nothing', 'Not found.'));

    // 15 unsafe requests a second are allowed (docs/behaviour.md): of 16 at once (a fresh account, so its
    // budget is whole) at least the 16th is refused, empty, with Retry-After.
    const other = await srv.tenant();
    const deletes = await Promise.all(
      Array.from({ length: 16 }, () =>
        call(`${srv.url}/api/v2/integrations/${other.integrationId}/shipments/delete`, {
          auth: other.basic,
          body: { shipment_uuid: '6b436cb2-65a4-482c-9d25-38be7868ff00' },
        }),
      ),
    );
    const refused = deletes.filter((d) => d.status === 429);
    const missing = deletes.filter((d) => d.status === 404);
    assert.ok(
      refused.length >= 1 && missing.length + refused.length === 16,
      deletes.map((d) => d.status).join(),
    );
    for (const answer of refused) {
      assert.equal(answer.text, '');
      assert.match(answer.headers.get('retry-after') ?? '', /^\d+$/);
    }

    const text = await metricsText(srv.url);
    // The API's operations (the health checks and the validator's document fetch are counted too).
    const apiSamples = samples(text, 'order_inbox_http_requests_total').filter(
      (line) => !/operation="(healthz|readyz|metrics|openapi)"/.test(line),
    );
    assert.deepEqual(
      apiSamples.sort(),
      [
        `order_inbox_http_requests_total{operation="delete_shipment",method="POST",status="404"} ${missing.length}`,
        `order_inbox_http_requests_total{operation="delete_shipment",method="POST",status="429"} ${refused.length}`,
        'order_inbox_http_requests_total{operation="list_shipments",method="GET",status="200"} 1',
        'order_inbox_http_requests_total{operation="list_shipments",method="GET",status="401"} 1',
        'order_inbox_http_requests_total{operation="not_found",method="GET",status="404"} 1',
        'order_inbox_http_requests_total{operation="upsert_shipments",method="POST",status="200"} 1',
      ].sort(),
    );
    assert.deepEqual(samples(text, 'order_inbox_rate_limited_requests_total'), [
      `order_inbox_rate_limited_requests_total{operation="delete_shipment"} ${refused.length}`,
    ]);
    assert.ok(
      text.includes('order_inbox_http_request_duration_seconds_count{operation="list_shipments"} 2'),
      'latency is observed once per request',
    );
    assert.match(
      text,
      /order_inbox_http_request_duration_seconds_bucket\{le="0\.005",operation="upsert_shipments"\} \d+/,
    );
    assert.deepEqual(samples(text, 'order_inbox_webhook_deliveries_total').sort(), [
      'order_inbox_webhook_deliveries_total{outcome="delivered"} 0',
      'order_inbox_webhook_deliveries_total{outcome="failed"} 0',
      'order_inbox_webhook_deliveries_total{outcome="retry"} 0',
    ]);
    // Default process metrics come from this app's own registry.
    assert.match(text, /^process_cpu_user_seconds_total \d/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);

    // No account, key, secret or integration id, in a label or anywhere else.
    for (const secret of [t.publicKey, t.secretKey, t.basic.slice('Basic '.length)]) {
      assert.ok(!text.includes(secret), 'no credential in the metrics');
    }
    // Our metrics carry only these labels (the default process metrics have their own fixed ones).
    const ours = text.split('\n').filter((line) => line.startsWith('order_inbox_'));
    const labelNames = new Set(
      ours.flatMap((line) => [...line.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1])),
    );
    assert.deepEqual([...labelNames].sort(), ['le', 'method', 'operation', 'outcome', 'status']);
  });
});

describe('readiness follows the database', () => {
  test('/readyz answers 503 once the store is closed, while /healthz stays 200', async () => {
    const srv = await startTestServer();
    try {
      assert.equal((await fetch(`${srv.url}/readyz`)).status, 200);
      await srv.server.store.close();
      const ready = await fetch(`${srv.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { status: string }).status, 'unavailable');
      const health = await fetch(`${srv.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
    } finally {
      await srv.close().catch(() => undefined);
    }
  });
});

describe('OPS_PORT moves health, metrics and documentation to their own port', () => {
  let srv: TestServer;
  let opsUrl: string;
  before(async () => {
    srv = await startTestServer({ opsPort: 0 });
    const ops = (srv.server as unknown as { ops?: { url: string } | null }).ops;
    assert.ok(ops, 'the running server exposes its operations app');
    opsUrl = ops.url;
    // The API's answers are checked against the document, which now lives on the operations port.
    setDocumentUrl(new URL(srv.url).origin, `${opsUrl}/api/v2/openapi.json`);
  });
  after(() => srv.close());

  test('the operations port serves them; the API port does not', async () => {
    assert.notEqual(opsUrl, srv.url);
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/v2/openapi.json', '/api/v2/docs']) {
      assert.equal((await fetch(`${opsUrl}${path}`)).status, 200, `ops ${path}`);
      const onApi = await fetch(`${srv.url}${path}`);
      assert.equal(onApi.status, 404, `api ${path}`);
      const body = (await onApi.json()) as { error: { message: string } };
      assert.equal(body.error.message, 'Not found.', `api ${path}`);
    }
    const doc = (await (await fetch(`${opsUrl}/api/v2/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    assert.ok(doc.paths['/api/v2/integrations/{id}/shipments/delete']?.post, 'the whole document');
  });

  test("the operations port's metrics count the API port's requests", async () => {
    const t = await srv.tenant();
    const answer = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments`, {
      auth: t.basic,
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { next: null, previous: null, results: [] });
    const text = await metricsText(opsUrl);
    assert.ok(
      text.includes(
        'order_inbox_http_requests_total{operation="list_shipments",method="GET",status="200"} 1',
      ),
      text,
    );
  });
});

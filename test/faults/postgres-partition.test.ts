/**
 * A network partition between order-inbox and PostgreSQL: the server's connections stay open but
 * nothing gets through either way, so PostgreSQL's own timeouts cannot act. A TCP proxy between
 * them goes silent the moment a write's upsert statement passes (that packet is lost), and stays
 * silent; when the network comes back the connections it held are gone, as after a real partition.
 * The write, and the requests sent during the partition, must answer 503 within the client-side bound
 * rather than hang; nothing refused may be committed; and the same process serves again afterwards.
 */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { test } from 'node:test';
import pg from 'pg';
import { serve } from '../helpers/cli.js';
import type { ServeProcess } from '../helpers/cli.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';
import { bootstrapTenant, order, request, stopServe, waitUntil } from '../helpers/reliability-kit.js';

const UNAVAILABLE = { message: 'The database is unavailable; try again later.' };

interface Partition {
  port: number;
  /** Resolves once the trigger has passed and the network went silent. */
  silenced: Promise<void>;
  /** The network is back: the held connections are gone, new ones get through. */
  heal(): void;
  close(): Promise<void>;
}

/** A proxy to `target` that goes silent the first time a client sends `trigger` (that chunk is lost). */
async function partitionOn(target: { host: string; port: number }, trigger: string): Promise<Partition> {
  const pairs = new Set<[Socket, Socket]>();
  let silent = false;
  let triggered = false;
  let silence: () => void = () => undefined;
  const silenced = new Promise<void>((resolve) => (silence = resolve));
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => !silent && drop());
    upstream.on('close', () => !silent && drop());
    client.on('data', (chunk: Buffer) => {
      if (!triggered && chunk.includes(trigger)) {
        triggered = true;
        silent = true;
        silence();
      }
      if (!silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!silent) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    silenced,
    heal() {
      silent = false;
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

test('a network partition under a write: 503s within the client-side bound, nothing refused commits, the same process serves again', async (t) => {
  const db = await createThrowawayDatabase();
  if (db === null) return t.skip(postgresSkipMessage());
  let proc: ServeProcess | null = null;
  let partition: Partition | null = null;
  try {
    const direct = new URL(db.url);
    // The upsert's named statement: its Bind names it on every use, its Parse the first time.
    partition = await partitionOn(
      { host: direct.hostname, port: Number(direct.port || 5432) },
      'oi_upsertShipments',
    );
    const proxied = new URL(db.url);
    proxied.port = String(partition.port);
    // PostgreSQL's statement timeout 1 s: the client gives up on a query unanswered 1 s past it.
    proc = await serve(['--database', proxied.toString()], {
      LOG_LEVEL: 'warn',
      PG_STATEMENT_TIMEOUT_MS: '1000',
      PG_LOCK_TIMEOUT_MS: '500',
    });
    const tenant = bootstrapTenant(db.url);
    const base = `api/v2/integrations/${tenant.integrationId}/shipments`;
    const send = (key: string) =>
      request(`${proc!.url}/${base}`, {
        auth: tenant.auth,
        body: [
          order({
            externalOrderId: key,
            externalShipmentId: null,
            updatedAt: '2024-03-02T10:00:00Z',
            tag: key,
          }),
        ],
      });

    const started = Date.now();
    const cut = send('P1').then((answer) => ({ answer, waitedMs: Date.now() - started }));
    await partition.silenced;
    // Sent during the partition: a list (its credential lookup is answered by nobody) and readiness.
    const list = await request(`${proc.url}/${base}`, { auth: tenant.auth });
    const unready = await request(`${proc.url}/readyz`);
    const { answer: write, waitedMs } = await cut;
    for (const [answer, path] of [
      [write, base],
      [list, base],
    ] as const) {
      assert.equal(answer.status, 503, answer.text);
      assert.deepEqual(answer.body, { error: { code: 503, request: path, ...UNAVAILABLE } });
      assert.equal(answer.headers['retry-after'], '5');
    }
    assert.equal(unready.status, 503, unready.text);
    assert.equal(unready.body.status, 'unavailable');

    partition.heal();
    assert.ok(
      await waitUntil(async () => (await request(`${proc!.url}/readyz`)).status === 200, 15_000),
      `not ready again after the partition:\n${proc.output()}`,
    );
    const after = await send('P2');
    assert.equal(after.status, 200, after.text);
    assert.equal(after.body[0].status, 'created');
    assert.equal(proc.child.exitCode, null, proc.output());

    // The refused write never committed; the one after the partition did.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const stored = await client.query('SELECT external_order_id FROM shipments ORDER BY external_order_id');
      assert.deepEqual(
        stored.rows.map((r) => r.external_order_id),
        ['P2'],
      );
    } finally {
      await client.end();
    }
    t.diagnostic(`the write cut by the partition answered 503 after ${waitedMs} ms`);
  } finally {
    await stopServe(proc);
    await partition?.close();
    await db.drop();
  }
});

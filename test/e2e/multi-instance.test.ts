import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { CLI, runCli, serve } from '../helpers/cli.js';
import type { ServeProcess } from '../helpers/cli.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';
import type { ThrowawayDatabase } from '../helpers/postgres.js';
import { basicHeader, call } from '../helpers/server.js';
import { order, resultUuids, sendcloudClient } from '../helpers/typed-client.js';
import type { SendcloudClient } from 'order-inbox/client';
import { loadMigrations } from '../../src/storage/migrations.js';

/**
 * Several stateless instances on one PostgreSQL: two `order-inbox serve` processes on one
 * database must behave as one service.
 */
const probe = await createThrowawayDatabase();
await probe?.drop();

interface Tenant {
  account_id: number;
  public_key: string;
  secret_key: string;
  integration_id: number;
}

function runCliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

async function stop(proc: ServeProcess): Promise<void> {
  if (proc.child.exitCode !== null) return;
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0);
}

describe('two instances on one PostgreSQL', { skip: probe === null ? postgresSkipMessage() : false }, () => {
  let db: ThrowawayDatabase;
  let a: ServeProcess;
  let b: ServeProcess;
  let tenant: Tenant;
  /** The tenant's Sendcloud client of each instance. */
  let onA: SendcloudClient;
  let onB: SendcloudClient;
  let path: { id: number };

  before(async () => {
    db = (await createThrowawayDatabase()) as ThrowawayDatabase;
    // Migrations from two processes at once, then once more: safe, and nothing applied twice.
    const runs = await Promise.all([
      runCliAsync(['migrate', '--database', db.url]),
      runCliAsync(['migrate', '--database', db.url]),
    ]);
    for (const run of runs) assert.equal(run.status, 0, run.stderr);
    assert.equal((await runCli(['migrate', '--database', db.url])).status, 0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const ids = (await client.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map(
      (r) => r.id,
    );
    await client.end();
    // Every migration on disk, each applied once (the list grows with each release).
    assert.deepEqual(
      ids,
      loadMigrations('postgres').map((m) => m.id),
    );

    const boot = await runCli(['bootstrap', '--json', '--database', db.url]);
    assert.equal(boot.status, 0, boot.stderr);
    tenant = JSON.parse(boot.stdout) as Tenant;
    const env = { RATE_LIMIT: 'off', WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_BASE_MS: '50', PAGE_SIZE: '2' };
    [a, b] = await Promise.all([serve(['--database', db.url], env), serve(['--database', db.url], env)]);
    const credentials = { publicKey: tenant.public_key, secretKey: tenant.secret_key };
    onA = sendcloudClient(a.url, credentials);
    onB = sendcloudClient(b.url, credentials);
    path = { id: tenant.integration_id };
  });

  after(async () => {
    await Promise.all([a, b].filter(Boolean).map(stop));
    await db?.drop();
  });

  test('concurrent upserts of one key through both instances make one shipment', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? onA : onB).POST('/integrations/{id}/shipments', {
          params: { path },
          body: [order('shared-key', { updated_at: `2024-03-01T10:00:${String(i).padStart(2, '0')}Z` })],
        }),
      ),
    );
    for (const answer of answers) assert.equal(answer.response.status, 200, JSON.stringify(answer.error));
    const results = answers.flatMap((x) => x.data ?? []);
    const uuids = new Set(resultUuids(results));
    assert.equal(uuids.size, 1);
    assert.equal(results.filter((r) => 'status' in r && r.status === 'created').length, 1);
    const listed = await onB.GET('/integrations/{id}/shipments', {
      params: { path, query: { external_order_ids: ['shared-key'] } },
    });
    assert.deepEqual(
      listed.data?.results.map((r) => r.shipment_uuid),
      [...uuids],
    );
  });

  test('a delete through one is seen by the other at once; cursors work across instances', async () => {
    const created = await onA.POST('/integrations/{id}/shipments', {
      params: { path },
      body: ['d1', 'd2', 'd3'].map((id) => order(id)),
    });
    const uuid = resultUuids(created.data ?? [])[0];
    assert.ok(uuid);
    const deleted = await onA.POST('/integrations/{id}/shipments/delete', {
      params: { path },
      body: { shipment_uuid: uuid },
    });
    assert.equal(deleted.response.status, 204);
    const seen = await onB.GET('/integrations/{id}/shipments', {
      params: { path, query: { external_order_ids: ['d1', 'd2', 'd3'] } },
    });
    assert.deepEqual(
      seen.data?.results.map((r) => r.external_order_id),
      ['d3', 'd2'],
    );
    const again = await onB.POST('/integrations/{id}/shipments/delete', {
      params: { path },
      body: { shipment_uuid: uuid },
    });
    assert.equal(again.error?.error.message, 'No ShipmentBlob matches the given query.');
    // A page link made by A, followed on B: the cursor is the database's, not the instance's.
    await onA.POST('/integrations/{id}/shipments', { params: { path }, body: [order('d4')] });
    const first = await onA.GET('/integrations/{id}/shipments', {
      params: { path, query: { external_order_ids: ['d2', 'd3', 'd4'] } },
    });
    assert.deepEqual(
      first.data?.results.map((r) => r.external_order_id),
      ['d4', 'd3'],
    );
    const next = new URL(first.data?.next as string);
    const followed = await call(`${b.url}${next.pathname}${next.search}`, {
      auth: basicHeader(tenant.public_key, tenant.secret_key),
    });
    assert.deepEqual(
      followed.body.results.map((r: { external_order_id: string }) => r.external_order_id),
      ['d2'],
    );
  });

  test('a token issued by one works on the other; a revocation is refused by both on the next request', async () => {
    const extra = await runCli([
      'credentials',
      'create',
      '--account',
      String(tenant.account_id),
      '--json',
      '--database',
      db.url,
    ]);
    const key = JSON.parse(extra.stdout) as { public_key: string; secret_key: string };
    const token = await call(`${a.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicHeader(key.public_key, key.secret_key),
      },
      body: 'grant_type=client_credentials&scope=api',
    });
    assert.equal(token.status, 200);
    const accessToken = token.body.access_token as string;
    const listed = await sendcloudClient(b.url, { accessToken }).GET('/integrations');
    assert.equal(listed.response.status, 200);
    assert.deepEqual(
      listed.data?.map((i) => i.id),
      [tenant.integration_id],
    );
    assert.equal(
      (await runCli(['credentials', 'revoke', '--public-key', key.public_key, '--database', db.url])).status,
      0,
    );
    for (const proc of [a, b]) {
      const refused = await sendcloudClient(proc.url, { accessToken }).GET('/integrations');
      assert.equal(refused.response.status, 401);
      assert.equal(refused.error?.error.message, 'Invalid token.');
      const basic = await sendcloudClient(proc.url, {
        publicKey: key.public_key,
        secretKey: key.secret_key,
      }).GET('/integrations');
      assert.equal(basic.error?.error.message, 'Invalid username/password.');
    }
  });

  test('webhooks are sent once, not once per instance', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as { port: number }).port;
      const on = await onA.PATCH('/integrations/{id}', {
        params: { path },
        body: { webhook_active: true, webhook_url: `http://127.0.0.1:${port}/hook` },
      });
      assert.equal(on.data?.webhook_url, `http://127.0.0.1:${port}/hook`);
      for (let i = 0; i < 10; i++) {
        const answer = await (i % 2 === 0 ? onA : onB).PATCH('/integrations/{id}', {
          params: { path },
          body: { shop_name: `Shop ${i}` },
        });
        assert.equal(answer.data?.shop_name, `Shop ${i}`);
      }
      const deadline = Date.now() + 15_000;
      while (received.length < 11 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Give a duplicate, if there were one, time to arrive.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(received.length, 11);
      const names = received.map(
        (body) => (JSON.parse(body) as { integration: { shop_name: string } }).integration.shop_name,
      );
      assert.equal(new Set(names).size, 11);
      for (let i = 0; i < 10; i++) assert.ok(names.includes(`Shop ${i}`));
    } finally {
      receiver.close();
    }
  });

  test('rate limits are shared by the instances (through PostgreSQL)', async () => {
    const limited = await Promise.all([
      serve(['--database', db.url], { RATE_LIMIT: 'on' }),
      serve(['--database', db.url], { RATE_LIMIT: 'on' }),
    ]);
    try {
      const boot = await runCli(['bootstrap', '--json', '--database', db.url]);
      const t = JSON.parse(boot.stdout) as Tenant;
      const tAuth = basicHeader(t.public_key, t.secret_key);
      // 1,000 safe requests a minute for the account, half through each instance.
      for (let i = 0; i < 1000; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            call(`${limited[(i + j) % 2]!.url}/api/v2/integrations`, { auth: tAuth }),
          ),
        );
        for (const answer of batch) assert.equal(answer.status, 200);
      }
      for (const proc of limited) {
        const refused = await call(`${proc.url}/api/v2/integrations`, { auth: tAuth });
        assert.equal(refused.status, 429);
        assert.equal(refused.text, '');
        assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      }
    } finally {
      await Promise.all(limited.map(stop));
    }
  });
});

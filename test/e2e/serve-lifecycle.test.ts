import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, serve } from '../helpers/cli.js';
import { listedUuids, order, resultUuids, sendcloudClient } from '../helpers/typed-client.js';

describe('end to end: order-inbox serve as a child process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'order-inbox-e2e-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('first start prints the tenant; bootstrap --json while running; upsert → list → delete; restart reads back', async () => {
    const database = join(dir, 'e2e.db');
    const first = await serve(['--database', database]);
    try {
      const out = first.output();
      assert.match(out, /public key\s+[0-9a-f]{32}/);
      assert.match(out, /secret key\s+\S{43}/);
      assert.match(out, /integration id\s+1/);
      assert.match(
        out,
        /export ORDER_INBOX_URL=http:\/\/127\.0\.0\.1:\d+ PUBLIC=[0-9a-f]{32} SECRET=\S{43} INTEGRATION_ID=1\n/,
      );

      // A second tenant made by the command line while the server runs on the same database.
      const boot = await runCli(['bootstrap', '--json', '--database', database]);
      assert.equal(boot.status, 0, boot.stderr);
      const tenant = JSON.parse(boot.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(tenant).slice(0, 4), [
        'account_id',
        'public_key',
        'secret_key',
        'integration_id',
      ]);
      assert.equal(typeof tenant.account_id, 'number');
      assert.equal(typeof tenant.integration_id, 'number');
      const credentials = { publicKey: String(tenant.public_key), secretKey: String(tenant.secret_key) };
      const sendcloud = sendcloudClient(first.url, credentials);
      const path = { id: tenant.integration_id as number };

      const upsert = await sendcloud.POST('/integrations/{id}/shipments', {
        params: { path },
        body: [order('E1'), order('E2')],
      });
      assert.deepEqual(
        upsert.data?.map((r) => ('status' in r ? r.status : r)),
        ['created', 'created'],
      );
      const created = resultUuids(upsert.data ?? []);
      const listed = await sendcloud.GET('/integrations/{id}/shipments', { params: { path } });
      assert.deepEqual(
        listed.data?.results.map((r) => r.external_order_id),
        ['E2', 'E1'],
      );
      const del = await sendcloud.POST('/integrations/{id}/shipments/delete', {
        params: { path },
        body: { shipment_uuid: created[0] },
      });
      assert.equal(del.response.status, 204);

      // credentials create / revoke while running: the revocation counts on the next request.
      const extra = await runCli([
        'credentials',
        'create',
        '--account',
        String(tenant.account_id),
        '--json',
        '--database',
        database,
      ]);
      assert.equal(extra.status, 0, extra.stderr);
      const key = JSON.parse(extra.stdout) as { public_key: string; secret_key: string };
      const extraKey = sendcloudClient(first.url, { publicKey: key.public_key, secretKey: key.secret_key });
      assert.deepEqual(await listedUuids(extraKey, path.id), [created[1]]);
      const revoke = await runCli([
        'credentials',
        'revoke',
        '--public-key',
        key.public_key,
        '--json',
        '--database',
        database,
      ]);
      assert.equal(revoke.status, 0, revoke.stderr);
      assert.deepEqual(JSON.parse(revoke.stdout), { public_key: key.public_key, revoked: true });
      const refused = await extraKey.GET('/integrations/{id}/shipments', { params: { path } });
      assert.equal(refused.response.status, 401);
      assert.equal(refused.error?.error.message, 'Invalid username/password.');

      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0);

      const second = await serve(['--database', database]);
      try {
        assert.doesNotMatch(second.output(), /secret key/);
        assert.match(second.output(), /credentials create --account/);
        assert.match(second.output(), new RegExp(`export ORDER_INBOX_URL=${second.url}\n`));
        assert.deepEqual(await listedUuids(sendcloudClient(second.url, credentials), path.id), [created[1]]);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }
  });

  test('acknowledged writes survive kill -9', async () => {
    const database = join(dir, 'crash.db');
    const boot = await runCli(['bootstrap', '--json', '--database', database]);
    const tenant = JSON.parse(boot.stdout) as {
      public_key: string;
      secret_key: string;
      integration_id: number;
    };
    const credentials = { publicKey: tenant.public_key, secretKey: tenant.secret_key };
    const path = { id: tenant.integration_id };
    const proc = await serve(['--database', database]);
    const sendcloud = sendcloudClient(proc.url, credentials);
    const acknowledged: (string | null)[] = [];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sendcloud.POST('/integrations/{id}/shipments', { params: { path }, body: [order(`K${i}`)] }),
      ),
    );
    for (const answer of answers) if (answer.data) acknowledged.push(...resultUuids(answer.data));
    assert.equal(acknowledged.length, 20);
    const gone = await sendcloud.POST('/integrations/{id}/shipments/delete', {
      params: { path },
      body: { shipment_uuid: acknowledged.pop() },
    });
    assert.equal(gone.response.status, 204);
    proc.child.kill('SIGKILL');
    await proc.exited;

    const again = await serve(['--database', database]);
    try {
      const stored = await listedUuids(sendcloudClient(again.url, credentials), path.id);
      assert.deepEqual(stored.sort(), [...acknowledged].sort());
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });

  test('--version prints the version; a bad setting fails listing the problem', async () => {
    const version = await runCli(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
    const bad = await runCli(['serve', '--port', 'eighty', '--database', join(dir, 'x.db')], {
      PAGE_SIZE: '0',
    });
    assert.equal(bad.status, 2);
    assert.equal(
      bad.stderr,
      [
        'order-inbox: invalid configuration: --port must be a whole number from 0 to 65535 (got "eighty")',
        'order-inbox: invalid configuration: PAGE_SIZE must be a whole number from 1 to 1000 (got "0")',
        '',
      ].join('\n'),
    );
  });
});

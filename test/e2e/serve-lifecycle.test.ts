import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, serve } from '../helpers/cli.js';
import { basicHeader, call, minimalOrder } from '../helpers/server.js';

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
      const boot = runCli(['bootstrap', '--json', '--database', database]);
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
      const auth = basicHeader(String(tenant.public_key), String(tenant.secret_key));
      const base = `${first.url}/api/v2/integrations/${tenant.integration_id}/shipments`;

      const upsert = await call(base, {
        auth,
        body: [minimalOrder({ external_order_id: 'E1' }), minimalOrder({ external_order_id: 'E2' })],
      });
      assert.deepEqual(
        upsert.body.map((r: { status: string }) => r.status),
        ['created', 'created'],
      );
      const listed = await call(base, { auth });
      assert.deepEqual(
        listed.body.results.map((r: { external_order_id: string }) => r.external_order_id),
        ['E2', 'E1'],
      );
      const del = await call(`${base}/delete`, {
        auth,
        body: { shipment_uuid: upsert.body[0].shipment_uuid },
      });
      assert.equal(del.status, 204);

      // credentials create / revoke while running: the revocation counts on the next request.
      const extra = runCli([
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
      const extraAuth = basicHeader(key.public_key, key.secret_key);
      assert.equal((await call(base, { auth: extraAuth })).status, 200);
      const revoke = runCli([
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
      assert.equal((await call(base, { auth: extraAuth })).status, 401);

      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0);

      const second = await serve(['--database', database]);
      try {
        assert.doesNotMatch(second.output(), /secret key/);
        assert.match(second.output(), /credentials create --account/);
        assert.match(second.output(), new RegExp(`export ORDER_INBOX_URL=${second.url}\n`));
        const url = `${second.url}/api/v2/integrations/${tenant.integration_id}/shipments`;
        const again = await call(url, { auth });
        assert.deepEqual(
          again.body.results.map((r: { shipment_uuid: string }) => r.shipment_uuid),
          [upsert.body[1].shipment_uuid],
        );
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
    const boot = runCli(['bootstrap', '--json', '--database', database]);
    const tenant = JSON.parse(boot.stdout) as {
      public_key: string;
      secret_key: string;
      integration_id: number;
    };
    const auth = basicHeader(tenant.public_key, tenant.secret_key);
    const proc = await serve(['--database', database]);
    const base = `${proc.url}/api/v2/integrations/${tenant.integration_id}/shipments`;
    const acknowledged: string[] = [];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(base, { auth, body: [minimalOrder({ external_order_id: `K${i}` })] }),
      ),
    );
    for (const answer of answers) if (answer.status === 200) acknowledged.push(answer.body[0].shipment_uuid);
    assert.equal(acknowledged.length, 20);
    const gone = await call(`${base}/delete`, { auth, body: { shipment_uuid: acknowledged.pop() } });
    assert.equal(gone.status, 204);
    proc.child.kill('SIGKILL');
    await proc.exited;

    const again = await serve(['--database', database]);
    try {
      const url = `${again.url}/api/v2/integrations/${tenant.integration_id}/shipments`;
      const page = await call(url, { auth });
      const stored = page.body.results.map((r: { shipment_uuid: string }) => r.shipment_uuid).sort();
      assert.deepEqual(stored, [...acknowledged].sort());
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });

  test('--version prints the version; a bad setting fails listing the problem', () => {
    const version = runCli(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
    const bad = runCli(['serve', '--port', 'eighty', '--database', join(dir, 'x.db')], { PAGE_SIZE: '0' });
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

/**
 * The programmatic API as a user's test suite meets it: imported by the package's name, which resolves
 * through package.json `exports` to the BUILT entry (dist/), never the TypeScript source. It starts a
 * server, serves the tenant it made, resets through its admin client, captures webhooks by default,
 * removes its temporary database on close, and two of them run side by side without seeing each other.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '../../src/domain/webhooks/payload.js';
import { basicHeader, call, minimalOrder } from '../helpers/server.js';

type Entry = typeof import('../../src/index.js');
type Running = Awaited<ReturnType<Entry['startServer']>>;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A variable, so that this file type-checks against the source while it runs the build. */
const PACKAGE = 'order-inbox';

const basic = (server: Running): string => basicHeader(server.tenant.public_key, server.tenant.secret_key);
const shipments = (server: Running): string =>
  `${server.apiBaseUrl}/integrations/${server.tenant.integration_id}/shipments`;

async function push(server: Running, ids: string[]): Promise<void> {
  const answer = await call(shipments(server), {
    auth: basic(server),
    body: ids.map((id) => minimalOrder({ external_order_id: id, order_number: `N-${id}` })),
  });
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    answer.body.map((r: any) => r.status),
    ids.map(() => 'created'),
  );
}

async function listed(server: Running): Promise<string[]> {
  const answer = await call(shipments(server), { auth: basic(server) });
  assert.equal(answer.status, 200, answer.text);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return answer.body.results.map((r: any) => r.external_order_id).sort();
}

describe("startServer from 'order-inbox' (the built package)", () => {
  let entry: Entry;
  before(async () => {
    // `npm test` builds first; a lone run of this file builds when there is nothing built yet.
    if (!existsSync(join(ROOT, 'dist/index.js'))) {
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        {
          cwd: ROOT,
        },
      );
    }
    entry = (await import(PACKAGE)) as Entry;
  });

  test('the package entry and its declarations are the built files', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.exports['.'], { types: './dist/index.d.ts', default: './dist/index.js' });
    assert.equal(pkg.main, 'dist/index.js');
    assert.equal(pkg.types, 'dist/index.d.ts');
    const resolved = fileURLToPath(import.meta.resolve(PACKAGE));
    assert.equal(resolved, join(ROOT, 'dist/index.js'));
    const declarations = readFileSync(join(ROOT, 'dist/index.d.ts'), 'utf8');
    assert.match(declarations, /export \{ startServer \} from '\.\/programmatic\/start\.js';/);
    const start = readFileSync(join(dirname(resolved), 'programmatic/start.d.ts'), 'utf8');
    assert.match(
      start,
      /export declare function startServer\(options\?: StartServerOptions\): Promise<OrderInboxServer>;/,
    );
    assert.equal(typeof entry.startServer, 'function');
  });

  test('start, push with the tenant, reset through the admin client, close removes the database', async () => {
    const server = await entry.startServer();
    let closed = false;
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(server.apiBaseUrl, `${server.url}/api/v2`);
      assert.equal(server.admin.url, `${server.url}/__admin`);
      assert.match(server.admin.token, /^[0-9a-f]{48}$/);
      assert.ok(server.database.startsWith(tmpdir()));
      assert.ok(existsSync(server.database));
      assert.deepEqual(Object.keys(server.tenant).sort(), [
        'account_id',
        'integration_id',
        'public_key',
        'secret_key',
        'webhook_signature_key',
      ]);

      await push(server, ['A-1', 'A-2']);
      assert.deepEqual(await listed(server), ['A-1', 'A-2']);

      const accounts = await server.admin.accounts();
      assert.deepEqual(
        accounts.map((a) => [
          a.account_id,
          a.credentials.map((c) => c.public_key),
          a.integrations.map((i) => i.id),
        ]),
        [[server.tenant.account_id, [server.tenant.public_key], [server.tenant.integration_id]]],
      );

      const removed = await server.admin.reset({ keep_accounts: true });
      assert.deepEqual(removed, {
        accounts: 0,
        credentials: 0,
        oauth_tokens: 0,
        integrations: 0,
        shipments: 2,
        logs: 0,
        webhook_deliveries: 0,
      });
      // The credentials still work; the orders are gone.
      assert.deepEqual(await listed(server), []);

      const other = await server.admin.createTenant({ partner: true });
      assert.notEqual(other.account_id, server.tenant.account_id);
      await assert.rejects(server.admin.account(987654321), (error: unknown) => {
        assert.ok(error instanceof entry.AdminApiError);
        assert.equal(error.status, 404);
        assert.equal(error.code, 'account_not_found');
        assert.equal(error.message, 'No account with id 987654321.');
        return true;
      });
      const everything = await server.admin.reset();
      assert.equal(everything.accounts, 2);
      const refused = await call(shipments(server), { auth: basic(server) });
      assert.equal(refused.status, 401);

      const dir = dirname(server.database);
      await server.close();
      closed = true;
      assert.equal(existsSync(dir), false);
      await assert.rejects(fetch(server.url));
      // A second close is harmless.
      await server.close();
    } finally {
      if (!closed) await server.close();
    }
  });

  test('webhooks are captured by default: listed with a signature that verifies, nothing sent', async () => {
    const server = await entry.startServer({
      tenant: {
        integrations: [{ shop_name: 'Hooked', webhook_url: 'http://127.0.0.1:9/hook', webhook_active: true }],
      },
    });
    try {
      const deadline = Date.now() + 10_000;
      let deliveries = await server.admin.webhooks({ integration_id: server.tenant.integration_id });
      while (deliveries.some((d) => d.status === 'pending') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        deliveries = await server.admin.webhooks({ integration_id: server.tenant.integration_id });
      }
      assert.equal(deliveries.length, 1);
      const [delivery] = deliveries;
      assert.equal(delivery?.action, 'integration_connected');
      assert.equal(delivery?.captured, true);
      assert.equal(delivery?.status, 'delivered');
      assert.equal(delivery?.payload.integration.shop_name, 'Hooked');
      assert.equal(
        delivery?.signature,
        signWebhook(delivery?.body ?? '', server.tenant.webhook_signature_key),
      );
      assert.deepEqual(
        delivery?.attempts.map((a) => [a.outcome, a.status_code, a.error]),
        [['captured', null, null]],
      );
    } finally {
      await server.close();
    }
  });

  test('options: a chosen database is kept, a chosen token and env-like settings are used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-chosen-'));
    try {
      const database = join(dir, 'kept.db');
      const token = 'chosen-admin-token-0123456789';
      const server = await entry.startServer({ database, adminToken: token, settings: { PAGE_SIZE: '1' } });
      try {
        assert.equal(server.database, database);
        assert.equal(server.admin.token, token);
        const direct = await call(`${server.url}/__admin/accounts`, { auth: `Bearer ${token}` });
        assert.equal(direct.status, 200, direct.text);
        await push(server, ['P-1', 'P-2']);
        const page = await call(shipments(server), { auth: basic(server) });
        assert.equal(page.body.results.length, 1);
        assert.match(page.body.next, /cursor=/);
      } finally {
        await server.close();
      }
      assert.ok(existsSync(database));
      await assert.rejects(
        entry.startServer({ adminToken: 'short' }),
        /ADMIN_TOKEN must be at least 16 characters long/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('two servers at once are independent', async () => {
    const [a, b] = await Promise.all([entry.startServer(), entry.startServer()]);
    try {
      assert.notEqual(a.url, b.url);
      assert.notEqual(a.database, b.database);
      assert.notEqual(a.admin.token, b.admin.token);
      await push(a, ['ONLY-A']);
      await push(b, ['ONLY-B-1', 'ONLY-B-2']);
      assert.deepEqual(await listed(a), ['ONLY-A']);
      assert.deepEqual(await listed(b), ['ONLY-B-1', 'ONLY-B-2']);
      // One server's credentials and admin token are not the other's.
      const stranger = await call(`${b.apiBaseUrl}/integrations/${a.tenant.integration_id}/shipments`, {
        auth: basic(a),
      });
      assert.equal(stranger.status, 401, stranger.text);
      const foreign = await call(`${b.admin.url}/accounts`, { auth: `Bearer ${a.admin.token}` });
      assert.equal(foreign.status, 401);
      assert.equal((await a.admin.reset({ keep_accounts: true })).shipments, 1);
      assert.deepEqual(await listed(b), ['ONLY-B-1', 'ONLY-B-2']);
      await a.close();
      assert.deepEqual(await listed(b), ['ONLY-B-1', 'ONLY-B-2']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

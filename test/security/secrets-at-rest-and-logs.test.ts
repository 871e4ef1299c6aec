/**
 * Issue 6 item 6 (at rest and in logs), on both engines. `serve` runs as a child process with
 * LOG_LEVEL=debug on a database that already has its account (made by `bootstrap --json`, so the
 * first-start banner, which prints a secret to the terminal by design, never appears). After
 * authenticated requests (Basic and Bearer), token requests (Basic and form fields) and failed logins
 * (wrong secret, unknown key, bogus token, malformed header), the captured stdout and stderr hold none
 * of: a secret key, a wrong secret, a token, an Authorization header value, the base64 credentials,
 * a digest of any of them, the webhook signature key, the pepper. The database, read directly, holds
 * secrets and tokens only as 64-hex SHA-256 digests (HMAC-SHA-256 with SECRET_PEPPER), and no table
 * holds any secret or token in any form; on SQLite the raw file bytes are searched too.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runCli, serve } from '../helpers/cli.js';
import type { ServeProcess } from '../helpers/cli.js';
import {
  basicAuth,
  bootstrapTenant,
  openTestDatabase,
  order,
  postgresSkipMessage,
  queryStore,
  request,
  stopServe,
  within,
} from '../helpers/reliability-kit.js';
import type { EngineName, TestDatabase } from '../helpers/reliability-kit.js';

const HEX64 = /^[0-9a-f]{64}$/;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');
const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** Every string that must never be logged, with a label for the failure message. */
class Forbidden {
  readonly entries: [label: string, value: string][] = [];
  add(label: string, value: string): void {
    this.entries.push([label, value]);
  }
  /** A secret, and every form of it that could leak: digests and the Basic encodings around it. */
  secret(label: string, value: string, pepper: string | null): void {
    this.add(label, value);
    this.add(`${label} (base64)`, Buffer.from(value).toString('base64'));
    this.add(`${label} (SHA-256)`, sha256(value));
    if (pepper !== null) this.add(`${label} (HMAC)`, hmac(pepper, value));
  }
  basic(label: string, publicKey: string, secret: string): string {
    const header = basicAuth(publicKey, secret);
    this.add(`${label} Authorization header`, header);
    this.add(`${label} base64 credentials`, header.slice('Basic '.length));
    return header;
  }
  foundIn(text: string): string[] {
    return this.entries.filter(([, value]) => text.includes(value)).map(([label]) => label);
  }
}

/** Every row of every table of our schema, as one string, to search for plaintext. */
async function everyRow(database: TestDatabase): Promise<string> {
  const tables = await queryStore(
    database,
    database.sqlitePath !== null
      ? "SELECT name FROM sqlite_master WHERE type = 'table'"
      : "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
  );
  const dump: string[] = [];
  for (const { name } of tables) {
    const rows = await queryStore(database, `SELECT * FROM "${String(name)}"`);
    dump.push(JSON.stringify(rows));
  }
  return dump.join('\n');
}

async function scenario(t: import('node:test').TestContext, engine: EngineName, pepper: string | null) {
  const database = await openTestDatabase(engine, 'secrets');
  if (database === null) {
    t.skip(postgresSkipMessage());
    return;
  }
  const env: Record<string, string> = pepper === null ? {} : { SECRET_PEPPER: pepper };
  let proc: ServeProcess | null = null;
  try {
    const tenant = bootstrapTenant(database.location, env);
    const made = await runCli(
      [
        'credentials',
        'create',
        '--account',
        String(tenant.accountId),
        '--json',
        '--database',
        database.location,
      ],
      env,
    );
    assert.equal(made.status, 0, made.stderr);
    const second = JSON.parse(made.stdout) as { public_key: string; secret_key: string };

    const forbidden = new Forbidden();
    forbidden.secret('secret key', tenant.secretKey, pepper);
    forbidden.secret('second secret key', second.secret_key, pepper);
    forbidden.add('webhook signature key', tenant.webhookSignatureKey);
    if (pepper !== null) forbidden.add('SECRET_PEPPER', pepper);
    const wrong = `wrong-${randomBytes(24).toString('base64url')}`;
    forbidden.secret('wrong secret', wrong, pepper);
    const bogusToken = randomBytes(32).toString('base64url');
    forbidden.secret('bogus token', bogusToken, pepper);

    proc = await serve(['--database', database.location], { ...env, LOG_LEVEL: 'debug' });
    const api = `${proc.url}/api/v2`;
    const integration = `${api}/integrations/${tenant.integrationId}`;
    const good = forbidden.basic('good', tenant.publicKey, tenant.secretKey);
    let requests = 0;
    const call = async (...args: Parameters<typeof request>) => {
      requests += 1;
      return request(...args);
    };

    // Authenticated, Basic.
    const listed = await call(`${api}/integrations`, { auth: good });
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.map((i: { id: number }) => i.id),
      [tenant.integrationId],
    );
    const upserted = await call(`${integration}/shipments`, {
      auth: good,
      body: [
        order({
          externalOrderId: 'S1',
          externalShipmentId: null,
          updatedAt: '2024-05-01T12:00:00Z',
          tag: 'S1',
        }),
      ],
    });
    assert.equal(upserted.status, 200);
    assert.equal(upserted.body[0].status, 'created');

    // Tokens: client authenticated by Basic, and by form fields.
    const byBasic = await call(`${proc.url}/oauth2/token`, {
      auth: good,
      ...form({ grant_type: 'client_credentials', scope: 'api' }),
    });
    assert.equal(byBasic.status, 200, byBasic.text);
    assert.equal(byBasic.body.token_type, 'bearer');
    const tokenA = String(byBasic.body.access_token);
    const byForm = await call(`${proc.url}/oauth2/token`, {
      ...form({
        grant_type: 'client_credentials',
        scope: 'api',
        client_id: second.public_key,
        client_secret: second.secret_key,
      }),
    });
    assert.equal(byForm.status, 200, byForm.text);
    const tokenB = String(byForm.body.access_token);
    for (const [label, token] of [
      ['token A', tokenA],
      ['token B', tokenB],
    ] as const) {
      forbidden.secret(label, token, pepper);
      forbidden.add(`${label} Authorization header`, `Bearer ${token}`);
    }

    // Authenticated, Bearer.
    const viaA = await call(integration, { auth: `Bearer ${tokenA}` });
    assert.equal(viaA.status, 200);
    assert.equal(viaA.body.id, tenant.integrationId);
    const viaB = await call(`${integration}/shipments`, { auth: `Bearer ${tokenB}` });
    assert.equal(viaB.status, 200);
    assert.deepEqual(
      viaB.body.results.map((s: { external_order_id: string }) => s.external_order_id),
      ['S1'],
    );

    // Failed logins.
    const wrongBasic = forbidden.basic('wrong', tenant.publicKey, wrong);
    const denied = await call(`${api}/integrations`, { auth: wrongBasic });
    assert.equal(denied.status, 401);
    assert.deepEqual(denied.body, {
      error: { code: 401, request: 'api/v2/integrations', message: 'Invalid username/password.' },
    });
    const unknownKey = forbidden.basic('unknown key', 'f'.repeat(32), wrong);
    assert.equal((await call(`${integration}/shipments`, { auth: unknownKey })).status, 401);
    const spaced = `${good} ${tenant.secretKey}`;
    forbidden.add('malformed Basic header', spaced);
    const malformed = await call(`${api}/integrations`, { auth: spaced });
    assert.equal(malformed.status, 401);
    assert.match(malformed.body.error.message, /^Invalid basic header\./);
    const badToken = await call(`${api}/integrations`, { auth: `Bearer ${bogusToken}` });
    assert.equal(badToken.status, 401);
    assert.equal(badToken.body.error.message, 'Invalid token.');
    const badClient = await call(`${proc.url}/oauth2/token`, {
      ...form({
        grant_type: 'client_credentials',
        scope: 'api',
        client_id: second.public_key,
        client_secret: wrong,
      }),
    });
    assert.equal(badClient.status, 401);
    assert.equal(badClient.body.error, 'invalid_client');
    const badBasicClient = await call(`${proc.url}/oauth2/token`, {
      auth: wrongBasic,
      ...form({ grant_type: 'client_credentials', scope: 'api' }),
    });
    assert.equal(badBasicClient.status, 401);
    // An unknown path with good credentials, and a good path with a secret in an unexpected header.
    assert.equal((await call(`${api}/nowhere`, { auth: good })).status, 404);
    forbidden.add('X-Api-Key header', `key-${tenant.secretKey}`);
    assert.equal(
      (await call(`${api}/integrations`, { auth: good, headers: { 'x-api-key': `key-${tenant.secretKey}` } }))
        .status,
      200,
    );

    proc.child.kill('SIGTERM');
    assert.equal(await within(proc.exited, 15_000, 'still running'), 0);
    const logs = proc.output();

    // The logs were captured (one JSON line per request), and hold no secret.
    const lines = logs.split('\n').filter((line) => line.startsWith('{'));
    const requestLines = lines.filter((line) => (JSON.parse(line) as { msg?: string }).msg === 'request');
    assert.ok(
      requestLines.length >= requests,
      `${requestLines.length} request lines for ${requests} requests`,
    );
    assert.doesNotMatch(logs, /secret key/i, 'no first-start banner: the account existed');
    assert.deepEqual(forbidden.foundIn(logs), [], 'secrets found in the log output');
    assert.doesNotMatch(logs, /authorization/i, 'no Authorization header is logged, not even redacted');

    // At rest: digests only.
    const expectedDigest = (secret: string) => (pepper === null ? sha256(secret) : hmac(pepper, secret));
    const credentials = await queryStore(
      database,
      'SELECT public_key, secret_hash FROM credentials ORDER BY id',
    );
    assert.equal(credentials.length, 2);
    for (const [publicKey, secret] of [
      [tenant.publicKey, tenant.secretKey],
      [second.public_key, second.secret_key],
    ] as const) {
      const row = credentials.find((c) => c.public_key === publicKey);
      assert.ok(row !== undefined, `credential ${publicKey} stored`);
      assert.match(String(row.secret_hash), HEX64);
      assert.equal(row.secret_hash, expectedDigest(secret));
      if (pepper !== null) assert.notEqual(row.secret_hash, sha256(secret), 'the pepper is used');
    }
    const tokens = await queryStore(database, 'SELECT token_hash FROM oauth_tokens ORDER BY id');
    assert.deepEqual(
      tokens.map((row) => row.token_hash),
      [expectedDigest(tokenA), expectedDigest(tokenB)],
    );
    const plain = new Forbidden();
    for (const [label, value] of [
      ['secret key', tenant.secretKey],
      ['second secret key', second.secret_key],
      ['token A', tokenA],
      ['token B', tokenB],
      ['wrong secret', wrong],
    ] as const) {
      plain.add(label, value);
      plain.add(`${label} (base64)`, Buffer.from(value).toString('base64'));
    }
    if (pepper !== null) plain.add('SECRET_PEPPER', pepper);
    assert.deepEqual(plain.foundIn(await everyRow(database)), [], 'plaintext secrets in the database');
    if (database.sqlitePath !== null) {
      const files = [database.sqlitePath, `${database.sqlitePath}-wal`].filter((file) => existsSync(file));
      const bytes = files.map((file) => readFileSync(file).toString('latin1')).join('');
      assert.deepEqual(plain.foundIn(bytes), [], 'plaintext secrets in the SQLite file bytes');
    }
    t.diagnostic(
      `${engine}${pepper === null ? '' : ' with SECRET_PEPPER'}: ${requests} requests, ${lines.length} JSON log lines ` +
        `(${requestLines.length} request lines) searched for ${forbidden.entries.length} forbidden strings; ` +
        `${credentials.length} secret digests and ${tokens.length} token digests checked`,
    );
  } finally {
    await stopServe(proc);
    await database.dispose();
  }
}

for (const engine of ['sqlite', 'postgres'] as const satisfies readonly EngineName[]) {
  describe(`secrets at rest and in logs on ${engine}`, () => {
    test('SHA-256 digests at rest; no secret, token or credential in debug logs', (t) =>
      scenario(t, engine, null));
    test('with SECRET_PEPPER: HMAC-SHA-256 digests at rest; the pepper is not logged either', (t) =>
      scenario(t, engine, randomBytes(24).toString('hex')));
  });
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { SecretHasher } from '../../src/auth/secrets.js';
import { loadConfig } from '../../src/config.js';
import { AccountService } from '../../src/domain/accounts.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { ManualClock, basicHeader, call } from '../helpers/server.js';

interface AccessLine {
  level: number;
  msg: string;
  method: string;
  path: string;
  operation: string;
  status: number;
  duration_ms: number;
  integration_id: number | null;
}

/** The access log as a person reads it: captured from the app's own logger, at debug. */
describe('access log lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'order-inbox-access-log-'));
  const lines: AccessLine[] = [];
  const clock = new ManualClock();
  let app: FastifyInstance;
  let store: Store;
  let url: string;
  let tenant: { basic: string; publicKey: string; integrationId: number };

  before(async () => {
    const config = { ...loadConfig({}), database: { kind: 'sqlite' as const, path: join(dir, 'log.db') } };
    store = await openStore(config);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line));
        done();
      },
    });
    app = await buildApp({ config, store, clock, logger: pino({ level: 'debug' }, sink) });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    const t = await new AccountService(store, new SecretHasher(null), clock).bootstrap();
    tenant = {
      basic: basicHeader(t.issued.credential.publicKey, t.issued.secretKey),
      publicKey: t.issued.credential.publicKey,
      integrationId: t.integration.id,
    };
  });
  after(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The access lines of the requests to `path` since `from`. */
  const accessLines = (from: number, path: string) =>
    lines.slice(from).filter((line) => line.msg === 'request' && line.path === path);
  const fields = ({ method, path, operation, status, integration_id }: AccessLine) => ({
    method,
    path,
    operation,
    status,
    integration_id,
  });

  test('method, path without its query, operation, status, duration and the integration the path names', async () => {
    const path = `/api/v2/integrations/${tenant.integrationId}/shipments`;
    const from = lines.length;
    const ok = await call(`${url}${path}?start_date=2024-01-01&order_number=SECRET-QUERY`, {
      auth: tenant.basic,
    });
    assert.equal(ok.status, 200);
    const wrong = await call(`${url}${path}`, { auth: basicHeader(tenant.publicKey, 'wrong') });
    assert.equal(wrong.status, 401);
    const [first, second, ...rest] = accessLines(from, path);
    assert.deepEqual(rest, []);
    assert.deepEqual(fields(first as AccessLine), {
      method: 'GET',
      path,
      operation: 'list_shipments',
      status: 200,
      integration_id: tenant.integrationId,
    });
    assert.equal((first as AccessLine).level, 30);
    assert.equal(typeof (first as AccessLine).duration_ms, 'number');
    // A refused request still names the integration of its path.
    assert.deepEqual(fields(second as AccessLine), {
      method: 'GET',
      path,
      operation: 'list_shipments',
      status: 401,
      integration_id: tenant.integrationId,
    });
    assert.doesNotMatch(JSON.stringify(lines), /SECRET-QUERY|start_date/);
  });

  test('a 429 names the integration too; a method not allowed and an unknown path are told apart', async () => {
    const path = `/api/v2/integrations/${tenant.integrationId}/shipments/delete`;
    const from = lines.length;
    const statuses: number[] = [];
    // Sendcloud's unsafe limit is 15 a second; the clock stands still.
    for (let i = 0; i < 16; i++) {
      const answer = await call(`${url}${path}`, { auth: tenant.basic, body: { shipment_uuid: null } });
      statuses.push(answer.status);
    }
    assert.deepEqual(statuses, [...Array(15).fill(400), 429]);
    const logged = accessLines(from, path);
    assert.equal(logged.length, 16);
    assert.deepEqual(fields(logged[15] as AccessLine), {
      method: 'POST',
      path,
      operation: 'delete_shipment',
      status: 429,
      integration_id: tenant.integrationId,
    });
    clock.advance(60_000);

    const notAllowed = `/api/v2/integrations/${tenant.integrationId}`;
    assert.equal(
      (await call(`${url}${notAllowed}`, { method: 'POST', auth: tenant.basic, body: {} })).status,
      405,
    );
    assert.equal((await call(`${url}/api/v2/nowhere`)).status, 404);
    assert.deepEqual(fields(accessLines(from, notAllowed)[0] as AccessLine), {
      method: 'POST',
      path: notAllowed,
      operation: 'method_not_allowed',
      status: 405,
      integration_id: tenant.integrationId,
    });
    assert.deepEqual(fields(accessLines(from, '/api/v2/nowhere')[0] as AccessLine), {
      method: 'GET',
      path: '/api/v2/nowhere',
      operation: 'not_found',
      status: 404,
      integration_id: null,
    });
  });

  test('the docs page is one info line; its scripts, styles and document are debug lines, none not_found', async () => {
    const from = lines.length;
    const page = await fetch(`${url}/api/v2/docs`);
    assert.equal(page.status, 200);
    await page.text();
    const assets = [
      '/api/v2/docs/static/swagger-ui.css',
      '/api/v2/docs/static/swagger-ui-bundle.js',
      '/api/v2/docs/static/swagger-initializer.js',
      '/api/v2/docs/json',
    ];
    for (const asset of assets) {
      const answer = await fetch(`${url}${asset}`);
      assert.equal(answer.status, 200, asset);
      await answer.arrayBuffer();
    }
    const logged = lines.slice(from).filter((line) => line.msg === 'request');
    assert.deepEqual(
      logged.map((line) => [line.level, line.operation, line.status, line.path]),
      [[30, 'docs', 200, '/api/v2/docs'], ...assets.map((asset) => [20, 'docs_asset', 200, asset])],
    );
  });

  test('GET / tells where the API and the docs are (JSON, or a page for a browser), as its own operation', async () => {
    const from = lines.length;
    const answer = await call(`${url}/`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      name: 'order-inbox',
      api: '/api/v2',
      token: '/oauth2/token',
      documentation: '/api/v2/docs',
      openapi: '/api/v2/openapi.json',
    });
    const page = await fetch(`${url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /<a href="\/api\/v2\/docs">Documentation<\/a>/);
    assert.match(html, /<a href="\/api\/v2\/openapi\.json">OpenAPI document<\/a>/);
    assert.deepEqual(fields(accessLines(from, '/')[0] as AccessLine), {
      method: 'GET',
      path: '/',
      operation: 'root',
      status: 200,
      integration_id: null,
    });
  });
});

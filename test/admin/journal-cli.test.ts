/**
 * The journal's and coverage's command-line twins against a running server: one line a person reads
 * per entry (near-misses below it), the whole entries with `--json`, filters as flags, a clear.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, minimalOrder, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN_TOKEN, createTenant, runCliAsync } from './helpers.js';

describe('order-inbox admin journal / coverage (command line, over HTTP)', () => {
  let srv: TestServer;
  let target: string[];
  before(async () => {
    srv = await startTestServer({ adminToken: ADMIN_TOKEN });
    target = ['--url', srv.url, '--token', ADMIN_TOKEN];
  });
  after(() => srv.close());

  test('journal with filters, as lines and as JSON; near-misses; clear; coverage', async () => {
    const t = await createTenant(srv.url);
    const pushed = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments`, {
      auth: t.basic,
      body: [minimalOrder({ external_order_id: 'CLI-1' })],
      headers: { 'X-Order-Inbox-Test': 'cli-test' },
    });
    assert.equal(pushed.status, 200, pushed.text);
    const wrong = await call(`${srv.url}/integrations`, {
      auth: t.basic,
      headers: { 'X-Order-Inbox-Test': 'cli-test' },
    });
    assert.equal(wrong.status, 404);

    const lines = await runCliAsync(['admin', 'journal', ...target, '--test-id', 'cli-test']);
    assert.equal(lines.status, 0, lines.stderr);
    const printed = lines.stdout.trimEnd().split('\n');
    assert.equal(printed.length, 3, lines.stdout);
    assert.match(
      printed[0] as string,
      / {2}404 {2}GET \/integrations {2}not_found {2}[0-9.]+ ms {2}test=cli-test$/,
    );
    assert.equal(printed[1], '    did you mean GET /api/v2/integrations (list_integrations)?');
    assert.match(
      printed[2] as string,
      new RegExp(`  200  POST /api/v2/integrations/${t.integrationId}/shipments  upsert_shipments  `),
    );

    const json = await runCliAsync([
      'admin',
      'journal',
      ...target,
      '--test-id',
      'cli-test',
      '--operation',
      'upsert_shipments',
      '--json',
    ]);
    assert.equal(json.status, 0, json.stderr);
    const answer = JSON.parse(json.stdout);
    assert.equal(answer.entries.length, 1);
    assert.equal(answer.entries[0].request.body[0].external_order_id, 'CLI-1');
    assert.equal(answer.entries[0].request.headers.authorization, 'Basic [REDACTED]');
    assert.ok(!json.stdout.includes(t.secretKey));

    const oldest = await runCliAsync([
      'admin',
      'journal',
      ...target,
      '--test-id',
      'cli-test',
      '--oldest-first',
      '--limit',
      '1',
      '--json',
    ]);
    assert.equal(JSON.parse(oldest.stdout).entries[0].operation, 'upsert_shipments');

    const coverage = await runCliAsync(['admin', 'coverage', ...target]);
    assert.equal(coverage.status, 0, coverage.stderr);
    assert.match(
      coverage.stdout,
      /^POST \/api\/v2\/integrations\/\{id\}\/shipments {2}upsert_shipments {2}200:1 /m,
    );
    assert.match(coverage.stdout, /^not_found {2}404:1$/m);
    assert.match(coverage.stdout, /^1 of \d+ documented operation x status pairs answered$/m);
    const coverageJson = await runCliAsync(['admin', 'coverage', ...target, '--json']);
    assert.equal(JSON.parse(coverageJson.stdout).totals.answered, 1);

    const bad = await runCliAsync(['admin', 'journal', ...target, '--limit', '5000']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /400 invalid_request: querystring\/limit must be from 1 to 1000\./);

    const cleared = await runCliAsync(['admin', 'journal', 'clear', ...target]);
    assert.equal(cleared.status, 0, cleared.stderr);
    assert.deepEqual(JSON.parse(cleared.stdout), { removed: 2 });
    const empty = await runCliAsync(['admin', 'journal', ...target]);
    assert.equal(empty.status, 0, empty.stderr);
    assert.equal(empty.stdout, '');
  });
});

/**
 * The fault rules' twins: the command line (`order-inbox admin faults …`, the built CLI against a real
 * server) and the programmatic admin client of the built package (`import … from 'order-inbox'`). Each
 * makes a rule, sees a shop's request fail by it, lists, clears.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { minimalOrder, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN_TOKEN, admin, createTenant, runCliAsync } from './helpers.js';

type Entry = typeof import('../../src/index.js');
/** A variable, so that this file type-checks against the source while it runs the build. */
const PACKAGE = 'order-inbox';

describe('order-inbox admin faults (command line, over HTTP)', () => {
  let srv: TestServer;
  let target: string[];
  before(async () => {
    srv = await startTestServer({ adminToken: ADMIN_TOKEN });
    target = ['--url', srv.url, '--token', ADMIN_TOKEN];
  });
  after(() => srv.close());

  test('add, list, see it applied, operations, remove, clear', async () => {
    const t = await createTenant(srv.url);
    const added = await runCliAsync([
      'admin',
      'faults',
      'add',
      ...target,
      '--operation',
      'upsert_shipments',
      '--test-id',
      'cli-faults',
      '--status',
      '503',
      '--body',
      'Down for maintenance.',
      '--retry-after',
      '9',
      '--times',
      '1',
    ]);
    assert.equal(added.status, 0, added.stderr);
    const rule = JSON.parse(added.stdout);
    assert.deepEqual(
      [rule.rule.operation, rule.rule.test_id, rule.rule.effect, rule.rule.remaining],
      ['upsert_shipments', 'cli-faults', { status: 503, body: 'Down for maintenance.', retry_after: 9 }, 1],
    );
    const response = await fetch(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments`, {
      method: 'POST',
      headers: {
        authorization: t.basic,
        'content-type': 'application/json',
        'x-order-inbox-test': 'cli-faults',
      },
      body: JSON.stringify([minimalOrder()]),
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '9');
    assert.equal(
      ((await response.json()) as { error: { message: string } }).error.message,
      'Down for maintenance.',
    );

    const second = await runCliAsync([
      'admin',
      'faults',
      'add',
      ...target,
      '--json',
      JSON.stringify({
        operation: 'get_integration',
        test_id: 'cli-other',
        effect: { error: 'integration_not_found' },
      }),
    ]);
    assert.equal(second.status, 0, second.stderr);
    const third = await runCliAsync([
      'admin',
      'faults',
      'add',
      ...target,
      '--operation',
      'list_shipments',
      '--latency-ms',
      '5',
    ]);
    assert.equal(third.status, 0, third.stderr);
    const listed = await runCliAsync(['admin', 'faults', 'list', ...target]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(
      JSON.parse(listed.stdout).rules.map((r: { operation: string }) => r.operation),
      ['get_integration', 'list_shipments'],
      'the used-up rule is gone',
    );

    const operations = await runCliAsync(['admin', 'faults', 'operations', ...target]);
    const upsert = JSON.parse(operations.stdout).operations.find(
      (o: { operation: string }) => o.operation === 'upsert_shipments',
    );
    assert.ok(upsert.errors.includes('permission_denied'));

    const refused = await runCliAsync([
      'admin',
      'faults',
      'add',
      ...target,
      '--operation',
      'no_such_thing',
      '--status',
      '500',
    ]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /400 invalid_request: body\/operation "no_such_thing" is not an operation/);

    const cleared = await runCliAsync(['admin', 'faults', 'clear', ...target, '--test-id', 'cli-other']);
    assert.deepEqual(JSON.parse(cleared.stdout), { removed: 1 });
    const id = JSON.parse(third.stdout).id as number;
    const removed = await runCliAsync(['admin', 'faults', 'remove', String(id), ...target]);
    assert.deepEqual(JSON.parse(removed.stdout), { removed: 1 });
    const all = await runCliAsync(['admin', 'faults', 'clear', ...target]);
    assert.deepEqual(JSON.parse(all.stdout), { removed: 0 });
    assert.deepEqual((await admin(srv.url, '/faults')).body, { rules: [] });
  });
});

describe("faults through the admin client of 'order-inbox' (the built package)", () => {
  test('addFault, faults, faultOperations, clearFaults, removeFault', async () => {
    const entry = (await import(PACKAGE)) as Entry;
    const server = await entry.startServer();
    try {
      const rule = await server.admin.addFault({
        operation: 'list_shipments',
        test_id: 'node-test',
        effect: { apply_then_fail: true, status: 500 },
      });
      assert.equal(rule.operation, 'list_shipments');
      assert.equal(rule.remaining, null);
      const url = `${server.apiBaseUrl}/integrations/${server.tenant.integration_id}/shipments`;
      const auth = `Basic ${Buffer.from(`${server.tenant.public_key}:${server.tenant.secret_key}`).toString('base64')}`;
      const failed = await fetch(url, {
        headers: { authorization: auth, 'x-order-inbox-test': 'node-test' },
      });
      assert.equal(failed.status, 500);
      assert.deepEqual(await failed.json(), {
        error: {
          code: 500,
          request: `api/v2/integrations/${server.tenant.integration_id}/shipments`,
          message: 'A server error occurred.',
        },
      });
      assert.equal(
        (await fetch(url, { headers: { authorization: auth } })).status,
        200,
        'another test is untouched',
      );
      assert.deepEqual(
        (await server.admin.faults()).map((r) => [r.id, r.applied]),
        [[rule.id, 1]],
      );
      assert.ok((await server.admin.faultOperations()).some((o) => o.operation === 'delete_shipment'));
      const other = await server.admin.addFault({ operation: 'get_integration', effect: { status: 502 } });
      await server.admin.removeFault(other.id);
      await assert.rejects(server.admin.removeFault(other.id), {
        name: 'AdminApiError',
        status: 404,
        code: 'fault_not_found',
      });
      assert.equal(await server.admin.clearFaults('node-test'), 1);
      assert.deepEqual(await server.admin.faults(), []);
    } finally {
      await server.close();
    }
  });
});

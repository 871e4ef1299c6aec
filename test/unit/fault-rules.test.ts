/**
 * The fault rules' domain, without HTTP: matching on each scope, the first-made rule first, `times`
 * consumed, a probability drawn from an injected source (a request a rule spares goes to the next
 * rule), the named-error registry merged from several surfaces, and the rule checks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdminError } from '../../src/domain/admin/errors.js';
import { ApiError } from '../../src/domain/errors.js';
import { mergeNamedErrors, v2NamedErrors } from '../../src/domain/faults/named-errors.js';
import { lognormalMs, seededRandom } from '../../src/domain/faults/random.js';
import { FaultRules } from '../../src/domain/faults/rules.js';
import type { FaultRequest } from '../../src/domain/faults/rules.js';

const context = { operation: 'get_integration', method: 'GET', contentType: '', bodyLimitBytes: 1000 };

function rulesWith(draws: number[] = []) {
  const rules = new FaultRules({
    namedErrors: v2NamedErrors,
    random: () => draws.shift() ?? 0,
    nowUs: () => 0,
  });
  for (const operation of Object.keys(v2NamedErrors)) rules.addOperation(operation);
  return rules;
}

const request = (overrides: Partial<FaultRequest> = {}): FaultRequest => ({
  operation: 'get_integration',
  testId: null,
  accountId: 1,
  integrationId: 10,
  ...overrides,
});

describe('fault rules (domain)', () => {
  test('each scope narrows the match; no scope matches every request of the operation', () => {
    const rules = rulesWith();
    const test = rules.add({ operation: 'get_integration', test_id: 't', effect: { status: 500 } });
    const account = rules.add({ operation: 'get_integration', account_id: 2, effect: { status: 501 } });
    const integration = rules.add({
      operation: 'get_integration',
      integration_id: 30,
      effect: { status: 502 },
    });
    const any = rules.add({ operation: 'list_shipments', effect: { status: 503 } });
    const id = (r: FaultRequest) => rules.match(r, context)?.ruleId ?? null;
    assert.equal(id(request({ testId: 't' })), test.id);
    assert.equal(id(request({ accountId: 2 })), account.id);
    assert.equal(id(request({ integrationId: 30 })), integration.id);
    assert.equal(id(request()), null);
    assert.equal(id(request({ operation: 'list_shipments', testId: 'whatever' })), any.id);
    assert.equal(id(request({ operation: 'delete_shipment' })), null);
  });

  test('the first-made rule applies; times counts down and a used-up rule goes', () => {
    const rules = rulesWith();
    const first = rules.add({ operation: 'get_integration', effect: { status: 500 }, times: 2 });
    const second = rules.add({ operation: 'get_integration', effect: { status: 503 } });
    const ids = Array.from({ length: 4 }, () => rules.match(request(), context)?.ruleId);
    assert.deepEqual(ids, [first.id, first.id, second.id, second.id]);
    assert.deepEqual(
      rules.list().map((r) => [r.id, r.applied, r.remaining]),
      [[second.id, 2, null]],
    );
    assert.equal(rules.size, 1);
  });

  test('a probability draws from the injected source; a spared request meets the next rule', () => {
    const rules = rulesWith([0.7, 0.2]);
    const maybe = rules.add({ operation: 'get_integration', effect: { status: 500 }, probability: 0.5 });
    const always = rules.add({ operation: 'get_integration', effect: { status: 503 } });
    assert.equal(rules.match(request(), context)?.ruleId, always.id, '0.7 spares it');
    assert.equal(rules.match(request(), context)?.ruleId, maybe.id, '0.2 hits');
    assert.equal(rules.list()[0]?.applied, 1);
  });

  test('a seed gives the rule its own repeatable source', () => {
    const a = seededRandom(3);
    const b = seededRandom(3);
    const draws = Array.from({ length: 5 }, () => a());
    assert.deepEqual(
      draws,
      Array.from({ length: 5 }, () => b()),
    );
    assert.ok(draws.every((d) => d >= 0 && d < 1));
    assert.notDeepEqual(draws, Array.from({ length: 5 }, seededRandom(4)));
    // The median of many log-normal draws is near the given median.
    const random = seededRandom(9);
    const samples = Array.from({ length: 2001 }, () => lognormalMs(100, 0.8, random)).sort((x, y) => x - y);
    const median = samples[1000] as number;
    assert.ok(median > 85 && median < 115, `median ${median}`);
  });

  test('status, named and default errors are made fresh for each request', () => {
    const rules = rulesWith();
    rules.add({ operation: 'delete_shipment', effect: { error: 'shipment_not_found' } });
    rules.add({ operation: 'get_integration', effect: { apply_then_fail: true } });
    const named = rules.match(request({ operation: 'delete_shipment' }), {
      ...context,
      operation: 'delete_shipment',
    });
    assert.ok(named?.failure instanceof ApiError);
    assert.deepEqual(
      [named.failure.status, named.failure.message],
      [404, 'No ShipmentBlob matches the given query.'],
    );
    const atf = rules.match(request(), context);
    assert.equal(atf?.applyFirst, true);
    assert.ok(atf?.failure instanceof ApiError);
    assert.equal(atf.failure.status, 500);
    assert.notEqual(rules.match(request(), context)?.failure, atf.failure);
  });

  test('another surface merges its named errors in', () => {
    const v3 = { v3_get_integration: { still_processing: () => new ApiError(409, 'still processing') } };
    const merged = mergeNamedErrors(v2NamedErrors, v3, {
      get_integration: { extra: () => new ApiError(418, 'x') },
    });
    assert.ok(merged.v3_get_integration?.still_processing);
    assert.ok(merged.get_integration?.integration_not_found, 'a later map adds, never removes');
    assert.ok(merged.get_integration?.extra);
    const rules = new FaultRules({ namedErrors: merged, nowUs: () => 0 });
    rules.addOperation('v3_get_integration');
    const rule = rules.add({ operation: 'v3_get_integration', effect: { error: 'still_processing' } });
    assert.equal(rule.operation, 'v3_get_integration');
    assert.deepEqual(rules.catalogue(), [{ operation: 'v3_get_integration', errors: ['still_processing'] }]);
  });

  test('clear by test id or all, remove by id', () => {
    const rules = rulesWith();
    rules.add({ operation: 'get_integration', test_id: 'a', effect: { status: 500 } });
    const b = rules.add({ operation: 'get_integration', test_id: 'b', effect: { status: 500 } });
    rules.add({ operation: 'get_integration', effect: { status: 500 } });
    assert.equal(rules.clear('a'), 1);
    assert.equal(rules.remove(b.id), true);
    assert.equal(rules.remove(b.id), false);
    assert.equal(rules.clear(), 1);
    assert.equal(rules.size, 0);
  });

  test('rules the server cannot apply are refused as invalid requests', () => {
    const rules = rulesWith();
    assert.throws(
      () => rules.add({ operation: 'nope', effect: { status: 500 } }),
      (error: unknown) =>
        error instanceof AdminError && error.status === 400 && error.code === 'invalid_request',
    );
    assert.throws(
      () => rules.add({ operation: 'get_integration', effect: { error: 'shipment_not_found' } }),
      /not an error of/,
    );
    assert.throws(
      () => rules.add({ operation: 'get_integration', effect: { status: 500, body: 5 } }),
      /text, an object/,
    );
    assert.equal(rules.size, 0);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatTimestamp, parseDate, parseTimestamp } from '../../src/domain/v3/time.js';
import { V3Query } from '../../src/http/v3/query.js';

const us = (iso: string): number => Date.parse(iso) * 1000;

describe('v3 timestamps', () => {
  test('answers always carry six fraction digits and +00:00, whole seconds included', () => {
    assert.equal(formatTimestamp(us('2024-01-01T10:00:00Z')), '2024-01-01T10:00:00.000000+00:00');
    assert.equal(formatTimestamp(us('2018-02-27T10:00:00.555Z') + 309), '2018-02-27T10:00:00.555309+00:00');
    assert.equal(formatTimestamp(0), '1970-01-01T00:00:00.000000+00:00');
    assert.equal(formatTimestamp(-1), '1969-12-31T23:59:59.999999+00:00');
  });

  test('reads six-digit fractions with any offset, whole seconds, naive times (UTC) and Z', () => {
    assert.equal(parseTimestamp('2024-01-01T23:59:59.999999+02:00'), us('2024-01-01T21:59:59.999Z') + 999);
    assert.equal(parseTimestamp('2024-01-01T10:00:00+00:00'), us('2024-01-01T10:00:00Z'));
    assert.equal(parseTimestamp('2024-01-01T10:00:00'), us('2024-01-01T10:00:00Z'));
    assert.equal(parseTimestamp('2024-01-01T10:00:00.555Z'), us('2024-01-01T10:00:00.555Z'));
    assert.equal(parseTimestamp('2024-01-01 10:00'), us('2024-01-01T10:00:00Z'));
    assert.equal(parseTimestamp('2024-01-01T10:00:00.123456789-0130'), us('2024-01-01T11:30:00.123Z') + 456);
  });

  test('refuses what is not a timestamp, or not a real one', () => {
    for (const bad of [
      '',
      '2024-01-01',
      '2024-02-30T10:00:00Z',
      '2024-01-01T24:00:00Z',
      'yesterday',
      '2024-01-01T10:00:00+25:00',
    ]) {
      assert.equal(parseTimestamp(bad), null, bad);
    }
  });

  test('round-trips what it answers', () => {
    for (const t of [0, 1_700_000_000_123_456, -62_135_596_800_000_000, 253_402_300_799_000_000]) {
      assert.equal(parseTimestamp(formatTimestamp(t)), t);
    }
  });

  test('dates are the start of their UTC day', () => {
    assert.equal(parseDate('2023-04-28'), us('2023-04-28T00:00:00Z'));
    assert.equal(parseDate('2023-02-29'), null);
    assert.equal(parseDate('2023-4-28'), null);
  });
});

describe('v3 query strings as real clients send them', () => {
  const ids = (query: string): string[] => new V3Query(query).list('integration');

  test('one id, a comma list (also %2C), repeated keys, [] and indexed forms', () => {
    assert.deepEqual(ids('integration=7'), ['7']);
    assert.deepEqual(ids('integration=7,8'), ['7', '8']);
    assert.deepEqual(ids('integration=7%2C8'), ['7', '8']);
    assert.deepEqual(ids('integration=7&integration=8'), ['7', '8']);
    assert.deepEqual(ids('integration[]=7'), ['7']);
    assert.deepEqual(ids('integration%5B%5D=7&integration%5B%5D=8'), ['7', '8']);
    assert.deepEqual(ids('integration[0]=7'), ['7']);
    assert.deepEqual(ids('integration[1]=8&integration[0]=7'), ['7', '8']);
    assert.deepEqual(ids('integration='), []);
    assert.deepEqual(ids('status=x'), []);
  });

  test('+ is a space; a single value is the last one sent; names are the base names', () => {
    const q = new V3Query('order_number=A+B&sort=a&sort=-b&integration[0]=1&page_size=5');
    assert.equal(q.get('order_number'), 'A B');
    assert.equal(q.get('sort'), '-b');
    assert.equal(q.get('missing'), null);
    assert.equal(q.has('integration'), true);
    assert.deepEqual(q.names(), ['order_number', 'sort', 'integration', 'page_size']);
  });
});

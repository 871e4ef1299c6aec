import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_RETRIES, retryDelayMs } from '../../src/webhooks/dispatcher.js';

const MINUTE = 60_000;

describe('retryDelayMs (webhooks reference: 10 retries, from 5 minutes, at most 1 hour apart)', () => {
  test('the default schedule: 5, 10, 20, 40, then 60 minutes', () => {
    const minutes = Array.from({ length: MAX_RETRIES }, (_, i) => retryDelayMs(i + 1, 5 * MINUTE) / MINUTE);
    assert.deepEqual(minutes, [5, 10, 20, 40, 60, 60, 60, 60, 60, 60]);
  });

  test('a small base keeps the shape: doubling, capped at 12 times the base', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 10].map((n) => retryDelayMs(n, 20)),
      [20, 40, 80, 160, 240, 240, 240],
    );
  });

  test('stays finite and capped for any retry number', () => {
    assert.equal(retryDelayMs(1_000, 5 * MINUTE), 60 * MINUTE);
    assert.equal(retryDelayMs(Number.MAX_SAFE_INTEGER, 1), 12);
    assert.equal(retryDelayMs(0, 100), 100);
  });

  test('ten retries after the first attempt: eleven attempts in all', () => {
    assert.equal(MAX_RETRIES, 10);
  });
});

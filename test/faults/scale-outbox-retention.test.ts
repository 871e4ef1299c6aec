/**
 * Outbox retention on both engines: a backlog of finished deliveries older than the retention is
 * pruned in batches with every one of its attempts (read back from the tables themselves); pending
 * deliveries, however old, and recent finished ones stay with their attempts.
 */
import assert from 'node:assert/strict';
import pino from 'pino';
import type { WebhookStatus } from '../../src/domain/types.js';
import type { Store } from '../../src/storage/store.js';
import { startWebhookRetention } from '../../src/webhooks/retention.js';
import { onBothEngines } from './scale-engines.js';

const T0 = 1_700_000_000_000_000;
const DAY_US = 86_400_000_000;

/** Row counts per delivery status: [status, deliveries, attempts], read straight from the tables. */
type Counts = [string, number, number][];
const COUNT_SQL = `SELECT o.status, count(DISTINCT o.id) AS deliveries, count(a.id) AS attempts
  FROM webhook_outbox o LEFT JOIN webhook_attempts a ON a.delivery_id = o.id
  GROUP BY o.status ORDER BY o.status`;
const ORPHANS_SQL =
  'SELECT count(*) AS n FROM webhook_attempts WHERE delivery_id NOT IN (SELECT id FROM webhook_outbox)';

/**
 * `old` finished deliveries (half delivered, half given up) whose last attempt ended at T0, 20
 * recent ones (two days later), and 15 pending ones whose attempts also ended at T0; two attempts each.
 */
async function backlog(store: Store, old: number): Promise<void> {
  const account = await store.createAccount({ partner: true, nowUs: T0 });
  const integration = await store.createIntegration(
    account.id,
    { shopName: 'Shop', shopUrl: null, system: 'api', webhookSignatureKey: 'k' },
    T0,
  );
  const total = old + 20 + 15;
  await Promise.all(
    Array.from({ length: total }, (_, i) =>
      store.updateIntegration(account.id, integration.id, { shopName: `Shop ${i}` }, T0, (it) => ({
        action: 'integration_updated',
        url: 'https://hooks.example/down',
        body: JSON.stringify({ shop: it.shopName }),
        signatureKey: it.webhookSignatureKey,
      })),
    ),
  );
  const deliveries = await store.claimWebhooks(T0, 60_000_000, total + 10);
  assert.equal(deliveries.length, total);
  await Promise.all(
    deliveries.map(async (delivery, i) => {
      const status: WebhookStatus =
        i < old ? (i % 2 === 0 ? 'delivered' : 'failed') : i < old + 20 ? 'delivered' : 'pending';
      const endedAtUs = i >= old && i < old + 20 ? T0 + 2 * DAY_US : T0;
      const retry = { attemptedAtUs: endedAtUs - 10, statusCode: 503, error: 'HTTP 503', durationMs: 1 };
      await store.recordWebhookAttempt(delivery.id, retry, { status: 'pending', nextAttemptAtUs: endedAtUs });
      const last = {
        attemptedAtUs: endedAtUs,
        statusCode: status === 'delivered' ? 204 : 503,
        error: null,
        durationMs: 1,
      };
      await store.recordWebhookAttempt(delivery.id, last, { status, nextAttemptAtUs: endedAtUs });
    }),
  );
}

async function retentionCase(store: Store, counts: () => Promise<Counts>, orphans: () => Promise<number>) {
  const old = 130;
  await backlog(store, old);
  assert.deepEqual(await counts(), [
    ['delivered', 65 + 20, 170],
    ['failed', 65, 130],
    ['pending', 15, 30],
  ]);
  // Eight days on, with a seven-day retention, in batches of 50: three full batches and a partial one.
  const deleted: number[] = [];
  const counting: Store = Object.create(store, {
    pruneWebhooks: {
      value: async (beforeUs: number, limit: number) => {
        assert.equal(beforeUs, T0 + DAY_US);
        const n = await store.pruneWebhooks(beforeUs, limit);
        deleted.push(n);
        return n;
      },
    },
  }) as Store;
  const retention = startWebhookRetention({
    store: counting,
    clock: { nowUs: () => T0 + 8 * DAY_US },
    logger: pino({ level: 'silent' }),
    config: { webhookRetentionDays: 7 },
    batchSize: 50,
  });
  try {
    // The pass started at start; asking again joins it, then a later pass finds nothing.
    assert.equal(await retention.prune(), old);
    assert.deepEqual(deleted, [50, 50, 30]);
    assert.equal(await retention.prune(), 0);
  } finally {
    await retention.stop();
  }
  assert.deepEqual(await counts(), [
    ['delivered', 20, 40],
    ['pending', 15, 30],
  ]);
  assert.equal(await orphans(), 0);
}

await onBothEngines(
  'webhook outbox retention: old finished deliveries and their attempts are pruned in batches; pending and recent stay',
  async (store, raw) => {
    await retentionCase(
      store,
      async () =>
        (await raw.query(COUNT_SQL)).map((r) => [String(r.status), Number(r.deliveries), Number(r.attempts)]),
      async () => Number((await raw.query(ORPHANS_SQL))[0]?.n),
    );
  },
);

import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, test } from 'node:test';
import { systemClock } from '../../src/domain/clock.js';
import type { Integration, WebhookAttempt, WebhookDelivery } from '../../src/domain/types.js';
import { webhookFor } from '../../src/domain/webhooks/payload.js';
import type { Store } from '../../src/storage/store.js';
import { MAX_RETRIES, startWebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import type { DispatcherDeps, WebhookDispatcher, WebhookOutcome } from '../../src/webhooks/dispatcher.js';
import { ENGINES, engineSkip } from '../helpers/server.js';
import type { Engine } from '../helpers/server.js';
import {
  CREATED_US,
  connectIntegration,
  silentLogger,
  sleep,
  startReceiver,
  testDatabase,
  waitFor,
} from './harness.js';
import type { Receiver, Reply, TestDatabase } from './harness.js';

type Delivery = WebhookDelivery & { attemptLog: WebhookAttempt[] };

/** Everything one test opens, closed in reverse by `close()` whatever the test's outcome. */
class Rig {
  readonly stores: Store[] = [];
  readonly dispatchers: WebhookDispatcher[] = [];
  readonly receivers: Receiver[] = [];
  readonly outcomes: WebhookOutcome[] = [];
  /** Outcomes per dispatcher, in the order the dispatchers were started. */
  readonly outcomesBy: WebhookOutcome[][] = [];
  private constructor(readonly db: TestDatabase) {}

  static async create(engine: Engine): Promise<Rig> {
    return new Rig(await testDatabase(engine));
  }

  async store(): Promise<Store> {
    const store = await this.db.open();
    this.stores.push(store);
    return store;
  }

  async receiver(script: Reply[] = []): Promise<Receiver> {
    const receiver = await startReceiver(script);
    this.receivers.push(receiver);
    return receiver;
  }

  dispatcher(
    store: Store,
    overrides: Partial<DispatcherDeps['config']> & Pick<DispatcherDeps, 'timeoutMs'> = {},
  ): WebhookDispatcher {
    const { timeoutMs, ...config } = overrides;
    const mine: WebhookOutcome[] = [];
    this.outcomesBy.push(mine);
    const dispatcher = startWebhookDispatcher({
      store,
      clock: systemClock,
      logger: silentLogger,
      config: { webhookRetryBaseMs: 20, webhookAllowPrivate: true, webhookPollMs: 10, ...config },
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      onOutcome: (o) => {
        this.outcomes.push(o);
        mine.push(o);
      },
    });
    this.dispatchers.push(dispatcher);
    return dispatcher;
  }

  async close(): Promise<void> {
    for (const d of this.dispatchers) await d.stop();
    for (const r of this.receivers) await r.close();
    for (const s of this.stores) await s.close().catch(() => undefined);
    await this.db.cleanup();
  }
}

async function deliveryOf(store: Store, integrationId: number): Promise<Delivery> {
  const [delivery, ...rest] = await store.listWebhookDeliveries(integrationId);
  assert.ok(delivery, `no delivery for integration ${integrationId}`);
  assert.equal(rest.length, 0);
  return delivery;
}

/** Waits until the integration's one delivery has left `pending`, or has `attempts` attempts. */
function settled(store: Store, integrationId: number, attempts?: number): Promise<Delivery> {
  return waitFor(`delivery of integration ${integrationId}`, async () => {
    const d = await deliveryOf(store, integrationId);
    // The PostgreSQL store reads the delivery and its attempts in two statements, so a poll racing an
    // attempt being recorded can see the attempt but not the counter; wait for a consistent view.
    if (d.attempts !== d.attemptLog.length) return undefined;
    if (attempts !== undefined) return d.attempts >= attempts ? d : undefined;
    return d.status === 'pending' ? undefined : d;
  });
}

/** The documented `IntegrationConnectedWebhook` for an integration made by `connectIntegration`. */
function expectedPayload(integration: Integration, url: string, action = 'integration_connected') {
  return {
    action,
    timestamp: 1_714_000_000_123,
    integration: {
      id: integration.id,
      shop_name: 'Webhook Shop',
      shop_url: 'https://shop.example.com',
      system: 'api',
      failing_since: null,
      last_fetch: null,
      last_updated_at: '2024-04-24T23:06:40.123000Z',
      service_point_enabled: false,
      service_point_carriers: [],
      webhook_active: true,
      webhook_url: url,
    },
  };
}

function verifySignature(body: string, key: string, header: string | string[] | undefined): boolean {
  assert.equal(typeof header, 'string', 'Sendcloud-Signature header missing');
  const expected = createHmac('sha256', key).update(Buffer.from(body, 'utf8')).digest();
  const given = Buffer.from(header as string, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const REFUSED_LOOPBACK = 'target address refused: 127.0.0.1 is not a public address';

for (const engine of ENGINES) {
  describe(`webhook dispatcher [${engine}]`, { skip: await engineSkip(engine) }, () => {
    test('POSTs the stored body byte for byte, signed with the integration key, and records it', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver();
        const url = `${receiver.url}/hooks/sendcloud?token=abc`;
        const { integration, signatureKey } = await connectIntegration(store, url);
        rig.dispatcher(store);

        const delivery = await settled(store, integration.id);
        assert.equal(receiver.received.length, 1);
        const got = receiver.received[0]!;
        assert.equal(got.method, 'POST');
        assert.equal(got.path, '/hooks/sendcloud?token=abc');
        assert.equal(got.headers['content-type'], 'application/json');
        assert.equal(got.headers['content-length'], String(Buffer.byteLength(got.body)));
        assert.ok(verifySignature(got.body, signatureKey, got.headers['sendcloud-signature']));
        assert.equal(verifySignature(got.body, 'another-key', got.headers['sendcloud-signature']), false);
        // Exactly what the outbox holds, in Python's json.dumps form (the reference's signing example).
        assert.equal(got.body, delivery.body);
        assert.ok(got.body.startsWith('{"action": "integration_connected", "timestamp": 1714000000123, '));
        assert.deepEqual(JSON.parse(got.body), expectedPayload(integration, url));

        assert.equal(delivery.status, 'delivered');
        assert.equal(delivery.attempts, 1);
        assert.equal(delivery.action, 'integration_connected');
        assert.equal(delivery.deliveredAtUs, delivery.attemptLog[0]!.attemptedAtUs);
        assert.equal(delivery.attemptLog.length, 1);
        assert.equal(delivery.attemptLog[0]!.statusCode, 200);
        assert.equal(delivery.attemptLog[0]!.error, null);
        assert.ok(delivery.attemptLog[0]!.durationMs >= 0);
        assert.deepEqual(rig.outcomes, ['delivered']);
      } finally {
        await rig.close();
      }
    });

    test('integration_deleted is delivered after the integration is gone, as it was', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver();
        const { integration } = await connectIntegration(store, receiver.url);
        const deleted = await store.deleteIntegration(
          integration.accountId,
          integration.id,
          CREATED_US,
          (i) => webhookFor('integration_deleted', i, CREATED_US),
        );
        assert.equal(deleted, true);
        rig.dispatcher(store);

        const deliveries = await waitFor('both deliveries', async () => {
          const all = await store.listWebhookDeliveries(integration.id);
          return all.length === 2 && all.every((d) => d.status === 'delivered') ? all : undefined;
        });
        assert.deepEqual(
          deliveries.map((d) => d.action),
          ['integration_connected', 'integration_deleted'],
        );
        assert.equal(receiver.received.length, 2);
        const bodies = receiver.received
          .map((r) => JSON.parse(r.body))
          .sort((a, b) => (a.action < b.action ? -1 : 1));
        assert.deepEqual(bodies, [
          expectedPayload(integration, receiver.url),
          expectedPayload(integration, receiver.url, 'integration_deleted'),
        ]);
      } finally {
        await rig.close();
      }
    });

    test('a 500, then a redirect (not followed), then a 200: one delivery, three attempts in order', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver([
          { status: 500 },
          { status: 302, headers: { location: '/elsewhere' } },
          { status: 204 },
        ]);
        const { integration, signatureKey } = await connectIntegration(store, `${receiver.url}/hook`);
        rig.dispatcher(store);

        const delivery = await settled(store, integration.id);
        assert.equal(delivery.status, 'delivered');
        assert.equal(delivery.attempts, 3);
        assert.deepEqual(
          delivery.attemptLog.map((a) => [a.statusCode, a.error]),
          [
            [500, null],
            [302, 'redirect not followed'],
            [204, null],
          ],
        );
        const times = delivery.attemptLog.map((a) => a.attemptedAtUs);
        assert.deepEqual(
          [...times].sort((a, b) => a - b),
          times,
        );
        // The redirect target was never asked; the same signed body went out three times.
        assert.deepEqual(
          receiver.received.map((r) => [r.method, r.path, r.answered]),
          [
            ['POST', '/hook', 500],
            ['POST', '/hook', 302],
            ['POST', '/hook', 204],
          ],
        );
        for (const r of receiver.received) {
          assert.equal(r.body, delivery.body);
          assert.ok(verifySignature(r.body, signatureKey, r.headers['sendcloud-signature']));
        }
        assert.equal(receiver.received.filter((r) => r.answered === 204).length, 1);
        assert.deepEqual(rig.outcomes, ['retry', 'retry', 'delivered']);
      } finally {
        await rig.close();
      }
    });

    test('a restart between attempts loses nothing and sends nothing twice', async () => {
      const rig = await Rig.create(engine);
      try {
        const receiver = await rig.receiver([{ status: 503 }, { status: 200 }]);
        const first = await rig.store();
        const { integration } = await connectIntegration(first, receiver.url);
        // A long retry delay, so the first instance cannot try again before it is shut down.
        const before = rig.dispatcher(first, { webhookRetryBaseMs: 400 });
        const failed = await settled(first, integration.id, 1);
        await before.stop();
        await first.close();
        assert.equal(failed.status, 'pending');
        assert.equal(failed.attempts, 1);
        assert.equal(failed.attemptLog[0]!.statusCode, 503);
        assert.ok(failed.nextAttemptAtUs >= failed.attemptLog[0]!.attemptedAtUs + 400_000);

        const second = await rig.store();
        rig.dispatcher(second, { webhookRetryBaseMs: 400 });
        const delivery = await settled(second, integration.id);
        assert.equal(delivery.status, 'delivered');
        assert.deepEqual(
          delivery.attemptLog.map((a) => a.statusCode),
          [503, 200],
        );
        assert.deepEqual(
          receiver.received.map((r) => r.answered),
          [503, 200],
        );
        assert.ok(receiver.received.every((r) => r.body === delivery.body));
        // Nothing more arrives once delivered.
        await sleep(100);
        assert.equal(receiver.received.length, 2);
      } finally {
        await rig.close();
      }
    });

    test('a claim left by a crashed instance is taken over once its lease runs out', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver();
        const { integration } = await connectIntegration(store, receiver.url);
        // The "crashed" instance: claims with a 200 ms lease and never records anything.
        const claimed = await store.claimWebhooks(systemClock.nowUs(), 200_000, 10);
        assert.deepEqual(
          claimed.map((d) => d.integrationId),
          [integration.id],
        );
        rig.dispatcher(store);
        const delivery = await settled(store, integration.id);
        assert.equal(delivery.status, 'delivered');
        assert.equal(delivery.attemptLog.length, 1);
        assert.ok(delivery.attemptLog[0]!.attemptedAtUs >= claimed[0]!.createdAtUs);
        assert.equal(receiver.received.length, 1);
      } finally {
        await rig.close();
      }
    });

    test(`gives up after the first attempt plus ${MAX_RETRIES} retries: failed, 11 attempts`, async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver([{ status: 503 }]);
        const { integration } = await connectIntegration(store, receiver.url);
        rig.dispatcher(store, { webhookRetryBaseMs: 2 });

        const delivery = await settled(store, integration.id);
        assert.equal(delivery.status, 'failed');
        assert.equal(delivery.attempts, 1 + MAX_RETRIES);
        assert.equal(delivery.deliveredAtUs, null);
        assert.deepEqual(
          delivery.attemptLog.map((a) => a.statusCode),
          new Array(11).fill(503),
        );
        assert.deepEqual(rig.outcomes, [...new Array(10).fill('retry'), 'failed']);
        await sleep(150);
        assert.equal(receiver.received.length, 11);
        assert.ok(receiver.received.every((r) => r.body === delivery.body));
      } finally {
        await rig.close();
      }
    });

    test('no answer within the timeout is a failed attempt, retried', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver(['hang', { status: 200 }]);
        const { integration } = await connectIntegration(store, receiver.url);
        rig.dispatcher(store, { timeoutMs: 200 });

        const delivery = await settled(store, integration.id);
        assert.equal(delivery.status, 'delivered');
        assert.equal(delivery.attemptLog.length, 2);
        const [timedOut, ok] = delivery.attemptLog;
        assert.equal(timedOut!.statusCode, null);
        assert.equal(timedOut!.error, 'timeout: no response within 200 ms');
        assert.ok(timedOut!.durationMs >= 150, `duration ${timedOut!.durationMs}`);
        assert.equal(ok!.statusCode, 200);
        assert.deepEqual(
          receiver.received.map((r) => r.answered),
          [null, 200],
        );
      } finally {
        await rig.close();
      }
    });

    test('a receiver that refuses connections is retried with the error text recorded', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver();
        const port = new URL(receiver.url).port;
        await receiver.close();
        const { integration } = await connectIntegration(store, `http://127.0.0.1:${port}/gone`);
        rig.dispatcher(store, { webhookRetryBaseMs: 60_000 });
        const delivery = await settled(store, integration.id, 1);
        assert.equal(delivery.status, 'pending');
        assert.equal(delivery.attemptLog[0]!.statusCode, null);
        assert.match(delivery.attemptLog[0]!.error ?? '', /ECONNREFUSED/);
        assert.deepEqual(rig.outcomes, ['retry']);
      } finally {
        await rig.close();
      }
    });

    test('private targets are refused when WEBHOOK_ALLOW_PRIVATE is off: failed at once, never contacted', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver();
        const port = new URL(receiver.url).port;
        const literal = await connectIntegration(store, `${receiver.url}/hook`);
        // A name resolving to loopback goes through the lookup guard, not the literal check.
        const byName = await connectIntegration(store, `http://localhost:${port}/hook`);
        const v6 = await connectIntegration(store, `http://[::ffff:127.0.0.1]:${port}/hook`);
        rig.dispatcher(store, { webhookAllowPrivate: false });

        const refused = await settled(store, literal.integration.id);
        assert.equal(refused.status, 'failed');
        assert.deepEqual(
          refused.attemptLog.map((a) => [a.statusCode, a.error]),
          [[null, REFUSED_LOOPBACK]],
        );
        const named = await settled(store, byName.integration.id);
        assert.equal(named.status, 'failed');
        assert.equal(named.attemptLog.length, 1);
        assert.match(
          named.attemptLog[0]!.error ?? '',
          /^target address refused: (127\.0\.0\.1|::1) is not a public address$/,
        );
        const mapped = await settled(store, v6.integration.id);
        assert.equal(mapped.status, 'failed');
        assert.equal(
          mapped.attemptLog[0]!.error,
          'target address refused: ::ffff:7f00:1 is not a public address',
        );
        await sleep(100);
        assert.equal(receiver.received.length, 0);
        assert.deepEqual(rig.outcomes, ['failed', 'failed', 'failed']);
      } finally {
        await rig.close();
      }
    });

    test('private targets are delivered when WEBHOOK_ALLOW_PRIVATE is on (the development default)', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver();
        const { integration } = await connectIntegration(store, receiver.url);
        rig.dispatcher(store, { webhookAllowPrivate: true });
        const delivery = await settled(store, integration.id);
        assert.equal(delivery.status, 'delivered');
        assert.equal(receiver.received.length, 1);
        assert.equal(receiver.received[0]!.body, delivery.body);
      } finally {
        await rig.close();
      }
    });

    test('two instances on one database deliver each of 24 deliveries exactly once', async () => {
      const rig = await Rig.create(engine);
      try {
        const one = await rig.store();
        const two = await rig.store();
        const receiver = await rig.receiver([{ status: 200, delayMs: 50 }]);
        const made: Integration[] = [];
        for (let i = 0; i < 24; i++) {
          made.push(
            (await connectIntegration(i % 2 === 0 ? one : two, receiver.url, `Shop ${i}`)).integration,
          );
        }
        rig.dispatcher(one);
        rig.dispatcher(two);

        const all = await waitFor('every delivery', async () => {
          const list = await one.listWebhookDeliveries(null);
          return list.length === 24 && list.every((d) => d.status === 'delivered') ? list : undefined;
        });
        await sleep(100);
        assert.equal(receiver.received.length, 24);
        const receivedShops = receiver.received.map((r) => JSON.parse(r.body).integration.shop_name).sort();
        assert.deepEqual(receivedShops, made.map((i) => i.shopName).sort());
        assert.deepEqual(receiver.received.map((r) => r.body).sort(), all.map((d) => d.body).sort());
        for (const d of all) {
          assert.equal(d.attempts, 1);
          assert.equal(d.attemptLog.length, 1);
          assert.equal(d.attemptLog[0]!.statusCode, 200);
        }
        assert.equal(rig.outcomes.length, 24);
        // Both took part: the first to claim leased a batch, the second took what was left.
        const [byOne = [], byTwo = []] = rig.outcomesBy;
        assert.ok(byOne.length > 0 && byTwo.length > 0, `split ${byOne.length}/${byTwo.length}`);
        assert.equal(byOne.length + byTwo.length, 24);
      } finally {
        await rig.close();
      }
    });

    test('stop() waits for the in-flight attempt and records it', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver([{ status: 200, delayMs: 300 }]);
        const { integration } = await connectIntegration(store, receiver.url);
        const dispatcher = rig.dispatcher(store);
        await waitFor('the request to arrive', () => (receiver.received.length > 0 ? true : undefined));
        await dispatcher.stop();
        // No waiting here: stop() resolved only after the attempt was recorded.
        const delivery = await deliveryOf(store, integration.id);
        assert.equal(delivery.status, 'delivered');
        assert.deepEqual(
          delivery.attemptLog.map((a) => a.statusCode),
          [200],
        );
      } finally {
        await rig.close();
      }
    });

    test('kick() delivers a new change at once, without waiting for the next poll', async () => {
      const rig = await Rig.create(engine);
      try {
        const store = await rig.store();
        const receiver = await rig.receiver();
        let claims = 0;
        const counting: Store = Object.create(store, {
          claimWebhooks: {
            value: async (...args: Parameters<Store['claimWebhooks']>) => {
              const due = await store.claimWebhooks(...args);
              claims++;
              return due;
            },
          },
        });
        // An hour between polls: only the first round and the kick can deliver anything.
        const dispatcher = rig.dispatcher(counting, { webhookPollMs: 3_600_000 });
        await waitFor('the first, empty round', () => (claims >= 1 ? true : undefined));
        const { integration } = await connectIntegration(store, receiver.url);
        dispatcher.kick();
        const delivery = await settled(store, integration.id);
        assert.equal(delivery.status, 'delivered');
        assert.equal(receiver.received.length, 1);
        assert.ok(claims >= 2);
      } finally {
        await rig.close();
      }
    });
  });
}

/**
 * Several instances, one truth: two PostgresStore instances on one database stand for two
 * order-inbox processes behind a load balancer. Each has its own pool and its own write queue.
 */
import { listQuery } from '../helpers/list-query.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ShipmentWrite } from '../../src/domain/types.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';

const T0 = 1_700_000_000_000_000;

function shipment(overrides: Partial<ShipmentWrite> = {}): ShipmentWrite {
  const id = randomUUID();
  return {
    newUuid: randomUUID(),
    externalOrderId: `order-${id}`,
    shipmentKey: `ship-${id}`,
    externalShipmentId: `ship-${id}`,
    orderNumber: 'N-1',
    shopCreatedAtUs: T0,
    shopUpdatedAtUs: T0,
    data: '{}',
    ...overrides,
  };
}

const database = await createThrowawayDatabase();

// A skipped test (not a skipped suite) so the summary counts it and the reason is printed.
if (database === null) {
  test('two PostgreSQL stores on one database', { skip: postgresSkipMessage() }, () => undefined);
} else {
  describe('two PostgreSQL stores on one database', () => {
    let a: PostgresStore;
    let b: PostgresStore;
    let integrationId: number;
    let accountId: number;

    before(async () => {
      const url = database?.url ?? '';
      [a, b] = await Promise.all([
        PostgresStore.open({ url, poolSize: 4 }),
        PostgresStore.open({ url, poolSize: 4 }),
      ]);
      const account = await a.createAccount({ partner: true, nowUs: T0 });
      accountId = account.id;
      integrationId = (
        await a.createIntegration(
          account.id,
          { shopName: 'S', shopUrl: null, system: 'api', webhookSignatureKey: 'k' },
          T0,
        )
      ).id;
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await database?.drop();
    });

    test('concurrent upserts of one key through both make one shipment', async () => {
      for (let round = 0; round < 5; round++) {
        const base = shipment();
        const calls = Array.from({ length: 30 }, (_, i) =>
          (i % 2 === 0 ? a : b).upsertShipments(
            integrationId,
            [{ ...base, newUuid: randomUUID(), shopUpdatedAtUs: T0 + (i % 4) }],
            T0 + i,
          ),
        );
        const outcomes = (await Promise.all(calls)).flat();
        assert.equal(outcomes.filter((o) => o.status === 'created').length, 1);
        assert.equal(new Set(outcomes.map((o) => o.uuid)).size, 1);
        const rows = (await b.listShipments(listQuery(integrationId))).filter(
          (r) => r.uuid === outcomes[0]?.uuid,
        );
        assert.equal(rows.length, 1);
      }
      const all = await a.listShipments(listQuery(integrationId));
      assert.equal(all.length, 5);
    });

    test('a delete through one is seen by the other at once', async () => {
      const w = shipment();
      await a.upsertShipments(integrationId, [w], T0);
      assert.ok((await b.listShipments(listQuery(integrationId))).some((r) => r.uuid === w.newUuid));
      assert.equal(await a.deleteShipment(integrationId, { uuid: w.newUuid }), true);
      assert.ok(!(await b.listShipments(listQuery(integrationId))).some((r) => r.uuid === w.newUuid));
      assert.equal(await b.deleteShipment(integrationId, { uuid: w.newUuid }), false);
    });

    test('concurrent deletes of the same shipments through both: each deleted exactly once', async () => {
      const writes = Array.from({ length: 30 }, () => shipment());
      await b.upsertShipments(integrationId, writes, T0);
      const calls = writes.flatMap((w) => [
        a.deleteShipment(integrationId, { uuid: w.newUuid }),
        b.deleteShipment(integrationId, { externalOrderId: w.externalOrderId, shipmentKey: w.shipmentKey }),
      ]);
      const results = await Promise.all(calls);
      for (let i = 0; i < writes.length; i++) {
        assert.equal(Number(results[2 * i]) + Number(results[2 * i + 1]), 1, `shipment ${i} deleted once`);
      }
      const left = new Set((await a.listShipments(listQuery(integrationId))).map((r) => r.uuid));
      assert.ok(writes.every((w) => !left.has(w.newUuid)));
    });

    test("a revocation through one is seen by the other's next findCredential", async () => {
      const key = `pk-${randomUUID()}`;
      await b.createCredential({ accountId, publicKey: key, secretHash: 'h', oauthOnly: false, nowUs: T0 });
      assert.equal((await a.findCredential(key))?.revokedAtUs, null);
      assert.equal(await a.revokeCredential(key, T0 + 1), true);
      assert.equal((await b.findCredential(key))?.revokedAtUs, T0 + 1);
      assert.equal(await b.revokeCredential(key, T0 + 2), false);
    });

    test('an account made through one is counted and read through the other', async () => {
      const before = await b.countAccounts();
      const account = await a.createAccount({ partner: false, nowUs: T0 + 3 });
      assert.deepEqual(await b.getAccount(account.id), account);
      assert.equal(await b.countAccounts(), before + 1);
    });
  });
}

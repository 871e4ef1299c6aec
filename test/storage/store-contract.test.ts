/**
 * The Store contract: one suite, run against SQLite and PostgreSQL, so both engines behave alike
 * (issue 4). Each test makes its own accounts and integrations on the suite's database.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ShipmentListQuery, ShipmentWrite, StoredShipment } from '../../src/domain/types.js';
import { loadMigrations } from '../../src/storage/migrations.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';

const T0 = 1_700_000_000_000_000;
const SHOP_T = 1_650_000_000_123_456;

interface ContractOptions {
  /** Two stores on one new, empty database, not yet migrated; `cleanup` closes them and the database. */
  freshPair: () => Promise<{ stores: [Store, Store]; cleanup: () => Promise<void> }>;
  /** A reason to skip the whole suite (the engine is not available). */
  skip?: string | false;
}

let seq = 0;
function shipment(overrides: Partial<ShipmentWrite> = {}): ShipmentWrite {
  seq++;
  return {
    newUuid: randomUUID(),
    externalOrderId: `order-${seq}`,
    shipmentKey: `ship-${seq}`,
    externalShipmentId: `ship-${seq}`,
    orderNumber: `N-${seq}`,
    shopCreatedAtUs: SHOP_T,
    shopUpdatedAtUs: SHOP_T,
    data: JSON.stringify({ name: `Order ${seq}`, seq }),
    ...overrides,
  };
}

function listQuery(integrationId: number, overrides: Partial<ShipmentListQuery> = {}): ShipmentListQuery {
  return {
    integrationId,
    fromUs: 0,
    toUs: 4_000_000_000_000_000,
    externalOrderIds: null,
    shipmentKeys: null,
    orderNumber: null,
    after: null,
    reverse: false,
    limit: 1000,
    ...overrides,
  };
}

const uuids = (rows: StoredShipment[]): string[] => rows.map((r) => r.uuid);

/** Newest import first, ties broken by id (CONTRACT §3). */
function expectedOrder(rows: StoredShipment[]): StoredShipment[] {
  return [...rows].sort((a, b) => b.createdAtUs - a.createdAtUs || b.id - a.id);
}

function contract(name: string, open: () => Promise<Store>, options: ContractOptions): void {
  if (options.skip) {
    // A skipped test (not a skipped suite) so the summary counts it and the reason is printed.
    test(`Store contract: ${name}`, { skip: options.skip }, () => undefined);
    return;
  }
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    async function integrationFixture(partner = true) {
      const account = await store.createAccount({ partner, nowUs: T0 });
      const integration = await store.createIntegration(
        account.id,
        { shopName: 'Shop', shopUrl: 'https://shop.example', system: 'api', webhookSignatureKey: 'k' },
        T0,
      );
      return { account, integration };
    }

    test('ping answers and the dialect is named', async () => {
      await store.ping();
      assert.equal(store.dialect, name);
    });

    describe('accounts', () => {
      test('create, get, set partner, count', async () => {
        const before = await store.countAccounts();
        const account = await store.createAccount({ partner: true, nowUs: T0 + 1 });
        assert.equal(typeof account.id, 'number');
        assert.deepEqual(account, { id: account.id, partner: true, createdAtUs: T0 + 1 });
        assert.deepEqual(await store.getAccount(account.id), account);

        const other = await store.createAccount({ partner: false, nowUs: T0 + 2 });
        assert.equal(other.partner, false);
        assert.ok(other.id > account.id);
        assert.equal(await store.countAccounts(), before + 2);

        assert.equal(await store.setAccountPartner(account.id, false), true);
        assert.deepEqual(await store.getAccount(account.id), { ...account, partner: false });
        assert.equal(await store.setAccountPartner(account.id, true), true);
        assert.equal((await store.getAccount(account.id))?.partner, true);
      });

      test('unknown account: get is null, set partner is false', async () => {
        assert.equal(await store.getAccount(987_654_321), null);
        assert.equal(await store.setAccountPartner(987_654_321, false), false);
      });
    });

    describe('credentials', () => {
      test('create, find (with secret hash and partner flag), list per account and all', async () => {
        const a = await store.createAccount({ partner: false, nowUs: T0 });
        const b = await store.createAccount({ partner: true, nowUs: T0 });
        const keyA = `pk-${randomUUID()}`;
        const keyB = `pk-${randomUUID()}`;
        const credA = await store.createCredential({
          accountId: a.id,
          publicKey: keyA,
          secretHash: 'hash-a',
          oauthOnly: true,
          nowUs: T0 + 5,
        });
        assert.deepEqual(credA, {
          id: credA.id,
          accountId: a.id,
          publicKey: keyA,
          oauthOnly: true,
          createdAtUs: T0 + 5,
          revokedAtUs: null,
        });
        const credB = await store.createCredential({
          accountId: b.id,
          publicKey: keyB,
          secretHash: 'hash-b',
          oauthOnly: false,
          nowUs: T0 + 6,
        });

        assert.deepEqual(await store.findCredential(keyA), {
          ...credA,
          secretHash: 'hash-a',
          accountPartner: false,
        });
        assert.deepEqual(await store.findCredential(keyB), {
          ...credB,
          secretHash: 'hash-b',
          accountPartner: true,
        });
        assert.equal(await store.findCredential('pk-nobody'), null);

        assert.deepEqual(await store.listCredentials(a.id), [credA]);
        const all = await store.listCredentials(null);
        assert.deepEqual(
          all.filter((c) => c.id === credA.id || c.id === credB.id),
          [credA, credB],
        );
        assert.deepEqual(
          all.map((c) => c.id),
          [...all.map((c) => c.id)].sort((x, y) => x - y),
        );
      });

      test('the account partner flag is read fresh by findCredential', async () => {
        const account = await store.createAccount({ partner: true, nowUs: T0 });
        const key = `pk-${randomUUID()}`;
        await store.createCredential({
          accountId: account.id,
          publicKey: key,
          secretHash: 'h',
          oauthOnly: false,
          nowUs: T0,
        });
        await store.setAccountPartner(account.id, false);
        assert.equal((await store.findCredential(key))?.accountPartner, false);
      });

      test('revoke: true once, then false; a revoked credential is still found, with revokedAtUs', async () => {
        const account = await store.createAccount({ partner: true, nowUs: T0 });
        const key = `pk-${randomUUID()}`;
        const cred = await store.createCredential({
          accountId: account.id,
          publicKey: key,
          secretHash: 'h',
          oauthOnly: false,
          nowUs: T0,
        });
        assert.equal(await store.revokeCredential(key, T0 + 99), true);
        assert.equal(await store.revokeCredential(key, T0 + 100), false);
        assert.equal(await store.revokeCredential('pk-nobody', T0), false);
        const found = await store.findCredential(key);
        assert.equal(found?.revokedAtUs, T0 + 99);
        assert.deepEqual(await store.listCredentials(account.id), [{ ...cred, revokedAtUs: T0 + 99 }]);
      });

      test('a failing write rolls back alone: a duplicate public key in the same batch as a good one', async () => {
        const account = await store.createAccount({ partner: true, nowUs: T0 });
        const key = `pk-${randomUUID()}`;
        await store.createCredential({
          accountId: account.id,
          publicKey: key,
          secretHash: 'h',
          oauthOnly: false,
          nowUs: T0,
        });
        const good = `pk-${randomUUID()}`;
        const [dup, ok, acc] = await Promise.allSettled([
          store.createCredential({
            accountId: account.id,
            publicKey: key,
            secretHash: 'x',
            oauthOnly: false,
            nowUs: T0,
          }),
          store.createCredential({
            accountId: account.id,
            publicKey: good,
            secretHash: 'g',
            oauthOnly: false,
            nowUs: T0,
          }),
          store.createAccount({ partner: false, nowUs: T0 + 7 }),
        ]);
        assert.equal(dup?.status, 'rejected');
        assert.equal(ok?.status, 'fulfilled');
        assert.equal(acc?.status, 'fulfilled');
        assert.equal((await store.findCredential(key))?.secretHash, 'h');
        assert.equal((await store.findCredential(good))?.secretHash, 'g');
        assert.equal((await store.listCredentials(account.id)).length, 2);
        if (acc?.status === 'fulfilled')
          assert.equal((await store.getAccount(acc.value.id))?.createdAtUs, T0 + 7);
      });
    });

    describe('integrations', () => {
      test('create with defaults, and with every setting', async () => {
        const account = await store.createAccount({ partner: true, nowUs: T0 });
        const plain = await store.createIntegration(
          account.id,
          { shopName: 'Plain', shopUrl: null, system: 'woocommerce', webhookSignatureKey: 'sig-1' },
          T0 + 10,
        );
        assert.deepEqual(plain, {
          id: plain.id,
          accountId: account.id,
          shopName: 'Plain',
          shopUrl: null,
          system: 'woocommerce',
          failingSinceUs: null,
          lastFetchUs: null,
          lastUpdatedAtUs: T0 + 10,
          servicePointEnabled: false,
          servicePointCarriers: [],
          webhookActive: false,
          webhookUrl: null,
          webhookSignatureKey: 'sig-1',
          createdAtUs: T0 + 10,
        });
        const full = await store.createIntegration(
          account.id,
          {
            shopName: "O'Shop",
            shopUrl: 'https://o.example',
            system: 'api',
            servicePointEnabled: true,
            servicePointCarriers: ['postnl', 'dhl'],
            webhookActive: true,
            webhookUrl: 'https://hooks.example/x',
            webhookSignatureKey: 'sig-2',
          },
          T0 + 20,
        );
        assert.deepEqual(
          { ...full, id: 0 },
          {
            id: 0,
            accountId: account.id,
            shopName: "O'Shop",
            shopUrl: 'https://o.example',
            system: 'api',
            failingSinceUs: null,
            lastFetchUs: null,
            lastUpdatedAtUs: T0 + 20,
            servicePointEnabled: true,
            servicePointCarriers: ['postnl', 'dhl'],
            webhookActive: true,
            webhookUrl: 'https://hooks.example/x',
            webhookSignatureKey: 'sig-2',
            createdAtUs: T0 + 20,
          },
        );
        assert.deepEqual(await store.getIntegration(account.id, full.id), full);
        assert.deepEqual(await store.listIntegrations(account.id), [plain, full]);
      });

      test('scoped by account: another account sees null and an empty list; list(null) sees all', async () => {
        const { account, integration } = await integrationFixture();
        const stranger = await store.createAccount({ partner: true, nowUs: T0 });
        assert.equal(await store.getIntegration(stranger.id, integration.id), null);
        assert.equal(await store.getIntegration(account.id, 987_654_321), null);
        assert.deepEqual(await store.listIntegrations(stranger.id), []);
        const all = await store.listIntegrations(null);
        assert.deepEqual(
          all.find((i) => i.id === integration.id),
          integration,
        );
        assert.deepEqual(
          all.map((i) => i.id),
          [...all.map((i) => i.id)].sort((x, y) => x - y),
        );
      });
    });

    describe('upsertShipments', () => {
      test('an empty batch is an empty answer', async () => {
        const { integration } = await integrationFixture();
        assert.deepEqual(await store.upsertShipments(integration.id, [], T0), []);
      });

      test('a new key is created with the proposed uuid and every column stored', async () => {
        const { integration } = await integrationFixture();
        const w = shipment({ externalShipmentId: null, shipmentKey: '', shopCreatedAtUs: SHOP_T - 5 });
        assert.deepEqual(await store.upsertShipments(integration.id, [w], T0 + 1), [
          { status: 'created', uuid: w.newUuid },
        ]);
        const [row] = await store.listShipments(listQuery(integration.id));
        assert.deepEqual(
          { ...row, id: 0 },
          {
            id: 0,
            uuid: w.newUuid,
            integrationId: integration.id,
            fields: JSON.parse(w.data),
            shopCreatedAtUs: SHOP_T - 5,
            shopUpdatedAtUs: SHOP_T,
            createdAtUs: T0 + 1,
            updatedAtUs: T0 + 1,
          },
        );
        assert.equal(typeof row?.id, 'number');
      });

      test('same key, same shop updated_at: "updated", same uuid, nothing changes', async () => {
        const { integration } = await integrationFixture();
        const w = shipment();
        await store.upsertShipments(integration.id, [w], T0);
        const again = { ...w, newUuid: randomUUID(), data: JSON.stringify({ name: 'changed' }) };
        assert.deepEqual(await store.upsertShipments(integration.id, [again], T0 + 50), [
          { status: 'updated', uuid: w.newUuid },
        ]);
        const rows = await store.listShipments(listQuery(integration.id));
        assert.equal(rows.length, 1);
        assert.deepEqual(rows[0]?.fields, JSON.parse(w.data));
        assert.equal(rows[0]?.updatedAtUs, T0);
        assert.equal(rows[0]?.createdAtUs, T0);
      });

      for (const [label, delta] of [
        ['newer', 1],
        ['older', -1_000_000],
      ] as const) {
        test(`same key, ${label} shop updated_at: "updated", same uuid, data replaced, times moved right`, async () => {
          const { integration } = await integrationFixture();
          const w = shipment();
          await store.upsertShipments(integration.id, [w], T0);
          const changed = {
            ...w,
            newUuid: randomUUID(),
            externalShipmentId: w.externalShipmentId,
            orderNumber: 'N-changed',
            shopCreatedAtUs: SHOP_T + 7,
            shopUpdatedAtUs: SHOP_T + delta,
            data: JSON.stringify({ name: 'changed' }),
          };
          assert.deepEqual(await store.upsertShipments(integration.id, [changed], T0 + 500), [
            { status: 'updated', uuid: w.newUuid },
          ]);
          const rows = await store.listShipments(listQuery(integration.id));
          assert.equal(rows.length, 1);
          assert.deepEqual(
            { ...rows[0], id: 0 },
            {
              id: 0,
              uuid: w.newUuid,
              integrationId: integration.id,
              fields: { name: 'changed' },
              shopCreatedAtUs: SHOP_T + 7,
              shopUpdatedAtUs: SHOP_T + delta,
              createdAtUs: T0,
              updatedAtUs: T0 + 500,
            },
          );
          assert.deepEqual(
            await store.listShipments(listQuery(integration.id, { orderNumber: 'N-changed' })),
            rows,
          );
        });
      }

      test('null and "" external_shipment_id are one key (shipmentKey "")', async () => {
        const { integration } = await integrationFixture();
        const first = shipment({ externalShipmentId: null, shipmentKey: '' });
        const second = shipment({
          externalOrderId: first.externalOrderId,
          externalShipmentId: '',
          shipmentKey: '',
          shopUpdatedAtUs: SHOP_T + 1,
        });
        const distinct = shipment({
          externalOrderId: first.externalOrderId,
          externalShipmentId: 'x',
          shipmentKey: 'x',
        });
        assert.deepEqual(await store.upsertShipments(integration.id, [first], T0), [
          { status: 'created', uuid: first.newUuid },
        ]);
        assert.deepEqual(await store.upsertShipments(integration.id, [second, distinct], T0 + 1), [
          { status: 'updated', uuid: first.newUuid },
          { status: 'created', uuid: distinct.newUuid },
        ]);
        assert.equal((await store.listShipments(listQuery(integration.id))).length, 2);
      });

      test('the same key twice in one batch: the second sees the first; order of results kept', async () => {
        const { integration } = await integrationFixture();
        const a = shipment();
        const b = shipment();
        const aAgain = { ...a, newUuid: randomUUID(), shopUpdatedAtUs: SHOP_T + 1, data: '{"v":2}' };
        const aThird = { ...a, newUuid: randomUUID(), shopUpdatedAtUs: SHOP_T + 1, data: '{"v":3}' };
        assert.deepEqual(await store.upsertShipments(integration.id, [a, b, aAgain, aThird], T0), [
          { status: 'created', uuid: a.newUuid },
          { status: 'created', uuid: b.newUuid },
          { status: 'updated', uuid: a.newUuid },
          { status: 'updated', uuid: a.newUuid },
        ]);
        const rows = await store.listShipments(
          listQuery(integration.id, { externalOrderIds: [a.externalOrderId] }),
        );
        assert.equal(rows.length, 1);
        assert.deepEqual(rows[0]?.fields, { v: 2 });
      });

      test('keys are scoped to the integration', async () => {
        const one = await integrationFixture();
        const two = await integrationFixture();
        const w = shipment();
        const w2 = { ...w, newUuid: randomUUID() };
        assert.equal((await store.upsertShipments(one.integration.id, [w], T0))[0]?.status, 'created');
        assert.deepEqual(await store.upsertShipments(two.integration.id, [w2], T0), [
          { status: 'created', uuid: w2.newUuid },
        ]);
      });

      test('concurrent upserts of one key from many parallel calls make exactly one shipment', async () => {
        const { integration } = await integrationFixture();
        const base = shipment();
        const calls = Array.from({ length: 40 }, (_, i) =>
          store.upsertShipments(
            integration.id,
            [{ ...base, newUuid: randomUUID(), shopUpdatedAtUs: SHOP_T + (i % 3) }],
            T0 + i,
          ),
        );
        const outcomes = (await Promise.all(calls)).flat();
        const created = outcomes.filter((o) => o.status === 'created');
        assert.equal(created.length, 1);
        assert.equal(new Set(outcomes.map((o) => o.uuid)).size, 1);
        const rows = await store.listShipments(listQuery(integration.id));
        assert.deepEqual(uuids(rows), [created[0]?.uuid]);
      });

      test('an upsert into a missing integration fails without disturbing the writes beside it', async () => {
        const { integration } = await integrationFixture();
        const good = shipment();
        const [bad, ok] = await Promise.allSettled([
          store.upsertShipments(987_654_321, [shipment()], T0),
          store.upsertShipments(integration.id, [good], T0),
        ]);
        assert.equal(bad?.status, 'rejected');
        assert.deepEqual(ok?.status === 'fulfilled' && ok.value, [{ status: 'created', uuid: good.newUuid }]);
        assert.deepEqual(uuids(await store.listShipments(listQuery(integration.id))), [good.newUuid]);
      });
    });

    describe('deleteShipment', () => {
      test('by uuid: true, gone from the list, then false; upserting the key again makes a new uuid', async () => {
        const { integration } = await integrationFixture();
        const a = shipment();
        const b = shipment();
        await store.upsertShipments(integration.id, [a, b], T0);
        assert.equal(await store.deleteShipment(integration.id, { uuid: a.newUuid }), true);
        assert.deepEqual(uuids(await store.listShipments(listQuery(integration.id))), [b.newUuid]);
        assert.equal(await store.deleteShipment(integration.id, { uuid: a.newUuid }), false);
        const again = { ...a, newUuid: randomUUID() };
        assert.deepEqual(await store.upsertShipments(integration.id, [again], T0 + 1), [
          { status: 'created', uuid: again.newUuid },
        ]);
      });

      test('by key, including the null key ""', async () => {
        const { integration } = await integrationFixture();
        const a = shipment({ externalShipmentId: null, shipmentKey: '' });
        const b = shipment();
        await store.upsertShipments(integration.id, [a, b], T0);
        const keyA = { externalOrderId: a.externalOrderId, shipmentKey: '' };
        assert.equal(await store.deleteShipment(integration.id, keyA), true);
        assert.equal(await store.deleteShipment(integration.id, keyA), false);
        assert.equal(
          await store.deleteShipment(integration.id, { externalOrderId: b.externalOrderId, shipmentKey: '' }),
          false,
        );
        assert.equal(
          await store.deleteShipment(integration.id, {
            externalOrderId: b.externalOrderId,
            shipmentKey: b.shipmentKey,
          }),
          true,
        );
        assert.deepEqual(await store.listShipments(listQuery(integration.id)), []);
      });

      test("scoped to the integration: another integration's uuid or key is false and stays", async () => {
        const mine = await integrationFixture();
        const theirs = await integrationFixture();
        const w = shipment();
        await store.upsertShipments(theirs.integration.id, [w], T0);
        assert.equal(await store.deleteShipment(mine.integration.id, { uuid: w.newUuid }), false);
        assert.equal(
          await store.deleteShipment(mine.integration.id, {
            externalOrderId: w.externalOrderId,
            shipmentKey: w.shipmentKey,
          }),
          false,
        );
        assert.deepEqual(uuids(await store.listShipments(listQuery(theirs.integration.id))), [w.newUuid]);
      });

      test('many deletes at once, by uuid and by key, some naming one shipment twice: each deleted once', async () => {
        const { integration } = await integrationFixture();
        const writes = Array.from({ length: 20 }, () => shipment());
        await store.upsertShipments(integration.id, writes, T0);
        const calls: Promise<boolean>[] = [];
        for (const [i, w] of writes.entries()) {
          calls.push(store.deleteShipment(integration.id, { uuid: w.newUuid }));
          if (i % 2 === 0) calls.push(store.deleteShipment(integration.id, { uuid: w.newUuid }));
          if (i % 3 === 0) {
            calls.push(
              store.deleteShipment(integration.id, {
                externalOrderId: w.externalOrderId,
                shipmentKey: w.shipmentKey,
              }),
            );
          }
        }
        calls.push(store.deleteShipment(integration.id, { uuid: randomUUID() }));
        const results = await Promise.all(calls);
        assert.equal(results.filter(Boolean).length, writes.length);
        // Calls were issued in order: the first call per shipment (by uuid) is the one that deletes.
        let k = 0;
        for (const [i, w] of writes.entries()) {
          assert.equal(results[k++], true, `first delete of ${w.newUuid}`);
          if (i % 2 === 0) assert.equal(results[k++], false);
          if (i % 3 === 0) assert.equal(results[k++], false);
        }
        assert.deepEqual(await store.listShipments(listQuery(integration.id)), []);
      });
    });

    describe('listShipments', () => {
      async function seeded() {
        const { integration } = await integrationFixture();
        const other = await integrationFixture();
        // Three imports; the second has two rows with the same import time (tie broken by id).
        await store.upsertShipments(integration.id, [shipment({ orderNumber: 'dup' })], T0 + 100);
        await store.upsertShipments(
          integration.id,
          [shipment({ externalShipmentId: null, shipmentKey: '' }), shipment({ orderNumber: 'dup' })],
          T0 + 200,
        );
        await store.upsertShipments(integration.id, [shipment()], T0 + 300);
        await store.upsertShipments(other.integration.id, [shipment({ orderNumber: 'dup' })], T0 + 250);
        const rows = await store.listShipments(listQuery(integration.id));
        return { integration, rows };
      }

      test('newest import first, ties broken by id, only this integration', async () => {
        const { rows } = await seeded();
        assert.equal(rows.length, 4);
        assert.deepEqual(uuids(rows), uuids(expectedOrder(rows)));
        assert.deepEqual(
          rows.map((r) => r.createdAtUs),
          [T0 + 300, T0 + 200, T0 + 200, T0 + 100],
        );
        assert.ok((rows[1]?.id ?? 0) > (rows[2]?.id ?? 0));
      });

      test('limit, and keyset pages forwards and backwards', async () => {
        const { integration, rows } = await seeded();
        assert.deepEqual(
          uuids(await store.listShipments(listQuery(integration.id, { limit: 2 }))),
          uuids(rows.slice(0, 2)),
        );

        // Forwards in pages of one: every row exactly once, in order.
        const walked: StoredShipment[] = [];
        let after: ShipmentListQuery['after'] = null;
        for (;;) {
          const page = await store.listShipments(listQuery(integration.id, { limit: 1, after }));
          if (page.length === 0) break;
          walked.push(...page);
          const last = page[page.length - 1] as StoredShipment;
          after = { createdAtUs: last.createdAtUs, id: last.id };
        }
        assert.deepEqual(uuids(walked), uuids(rows));

        // From the tied row at index 2: forwards gives what follows it, backwards what precedes it,
        // nearest first (the caller turns a reversed page around).
        const pivot = rows[2] as StoredShipment;
        const at = { createdAtUs: pivot.createdAtUs, id: pivot.id };
        assert.deepEqual(
          uuids(await store.listShipments(listQuery(integration.id, { after: at }))),
          uuids(rows.slice(3)),
        );
        assert.deepEqual(
          uuids(await store.listShipments(listQuery(integration.id, { after: at, reverse: true }))),
          uuids(rows.slice(0, 2).reverse()),
        );
        assert.deepEqual(
          uuids(await store.listShipments(listQuery(integration.id, { after: at, reverse: true, limit: 1 }))),
          [rows[1]?.uuid],
        );
        assert.deepEqual(
          uuids(await store.listShipments(listQuery(integration.id, { reverse: true }))),
          uuids([...rows].reverse()),
        );
      });

      test('filters: external order ids, shipment keys (with ""), order number, combined', async () => {
        const { integration, rows } = await seeded();
        const byUuid = new Map<string, StoredShipment>(rows.map((r) => [r.uuid, r]));
        const fieldsOf = (r: StoredShipment) => r.fields as { seq: number };
        const seqs = rows.map((r) => fieldsOf(r).seq);
        const orderIds = seqs.map((s) => `order-${s}`);

        const two = await store.listShipments(
          listQuery(integration.id, {
            externalOrderIds: [orderIds[0] as string, orderIds[3] as string, 'nope'],
          }),
        );
        assert.deepEqual(uuids(two), [rows[0]?.uuid, rows[3]?.uuid]);

        const nullKey = await store.listShipments(listQuery(integration.id, { shipmentKeys: [''] }));
        assert.equal(nullKey.length, 1);
        assert.ok(byUuid.has(nullKey[0]?.uuid ?? ''));

        const dups = await store.listShipments(listQuery(integration.id, { orderNumber: 'dup' }));
        assert.equal(dups.length, 2);
        assert.deepEqual(uuids(dups), uuids(rows.filter((r) => dups.some((d) => d.uuid === r.uuid))));

        const combined = await store.listShipments(
          listQuery(integration.id, {
            orderNumber: 'dup',
            externalOrderIds: orderIds,
            shipmentKeys: seqs.map((s) => `ship-${s}`),
            limit: 1,
          }),
        );
        assert.deepEqual(uuids(combined), [dups[0]?.uuid]);
        assert.deepEqual(await store.listShipments(listQuery(integration.id, { externalOrderIds: [] })), []);
        assert.deepEqual(await store.listShipments(listQuery(integration.id, { orderNumber: 'none' })), []);
      });

      test('date window: from inclusive, to exclusive', async () => {
        const { integration, rows } = await seeded();
        const window = (fromUs: number, toUs: number) =>
          store.listShipments(listQuery(integration.id, { fromUs, toUs })).then(uuids);
        assert.deepEqual(await window(T0 + 200, T0 + 300), uuids(rows.slice(1, 3)));
        assert.deepEqual(await window(T0 + 200, T0 + 301), uuids(rows.slice(0, 3)));
        assert.deepEqual(await window(T0 + 201, T0 + 300), []);
        assert.deepEqual(await window(T0 + 100, T0 + 101), [rows[3]?.uuid]);
      });
    });

    describe('migrations and lifecycle', () => {
      test('migrating again changes nothing', async () => {
        assert.deepEqual(await store.migrate(), []);
        await store.ping();
      });

      test('two stores migrating one new database at once: applied once, both usable', async () => {
        const { stores, cleanup } = await options.freshPair();
        try {
          const [a, b] = stores;
          const results = await Promise.all([a.migrate(), b.migrate()]);
          const ids = loadMigrations(a.dialect).map((m) => m.id);
          assert.deepEqual(
            [...results].sort((x, y) => y.length - x.length),
            [ids, []],
          );
          const account = await a.createAccount({ partner: true, nowUs: T0 });
          assert.deepEqual(await b.getAccount(account.id), account);
          assert.deepEqual(await b.migrate(), []);
        } finally {
          await cleanup();
        }
      });

      test('close() commits the writes still queued before it ends', async () => {
        const extra = await open();
        const pending = extra.createAccount({ partner: false, nowUs: T0 + 42 });
        await extra.close();
        const account = await pending;
        assert.deepEqual(await store.getAccount(account.id), account);
      });
    });
  });
}

test('the migration ids are the same for SQLite and PostgreSQL', () => {
  const sqlite = loadMigrations('sqlite').map((m) => m.id);
  assert.ok(sqlite.length > 0);
  assert.deepEqual(
    loadMigrations('postgres').map((m) => m.id),
    sqlite,
  );
});

const tmp = mkdtempSync(join(tmpdir(), 'oi-store-contract-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const sqlitePath = join(tmp, 'contract.db');
contract('sqlite', () => SqliteStore.open({ path: sqlitePath }), {
  async freshPair() {
    const path = join(tmp, `fresh-${randomUUID()}.db`);
    const stores: [Store, Store] = [new SqliteStore({ path }), new SqliteStore({ path })];
    return { stores, cleanup: async () => void (await Promise.all(stores.map((s) => s.close()))) };
  },
});

// A missing server skips this half (and says so); in CI it throws here and fails the file.
const pgDatabase = await createThrowawayDatabase();
after(async () => {
  await pgDatabase?.drop();
});
contract('postgres', () => PostgresStore.open({ url: pgDatabase?.url ?? '', poolSize: 4 }), {
  skip: pgDatabase === null ? postgresSkipMessage() : false,
  async freshPair() {
    const fresh = await createThrowawayDatabase();
    if (fresh === null) throw new Error(postgresSkipMessage());
    const stores: [Store, Store] = [
      new PostgresStore({ url: fresh.url }),
      new PostgresStore({ url: fresh.url }),
    ];
    return {
      stores,
      async cleanup() {
        await Promise.all(stores.map((s) => s.close()));
        await fresh.drop();
      },
    };
  },
});

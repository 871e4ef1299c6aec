/**
 * The Store's admin methods (tenants, account listing, resets), one suite run against SQLite and
 * PostgreSQL so that both engines behave alike. Two stores share each database, as the command line or
 * a second instance would.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newIntegration } from '../../src/domain/accounts.js';
import type { Integration } from '../../src/domain/types.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';
import { storedShipments } from '../helpers/server.js';
import { T0, connected, created, fill, tenant } from './store-fixtures.js';

const shipmentCount = async (store: Store, integrationId: number): Promise<number> =>
  (await storedShipments(store, integrationId)).length;

const logCount = async (store: Store, accountId: number): Promise<number> =>
  (await store.listLogs({ accountId, integrationId: null, after: null, reverse: false, limit: 1000 })).length;

function suite(
  name: string,
  pair: (() => Promise<{ stores: [Store, Store]; cleanup: () => Promise<void> }>) | string,
): void {
  if (typeof pair === 'string') {
    test(`Store admin methods: ${name}`, { skip: pair }, () => undefined);
    return;
  }
  describe(`Store admin methods: ${name}`, () => {
    let store: Store;
    let other: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      const made = await pair();
      [store, other] = made.stores;
      cleanup = made.cleanup;
      await store.migrate();
      await other.migrate();
    });
    after(() => cleanup());

    test('createTenant writes the account, its key pair, its integrations and their outbox entries', async () => {
      const input = tenant({
        partner: false,
        credential: { publicKey: `pk-${randomUUID()}`, secretHash: 'cd'.repeat(32), oauthOnly: true },
        integrations: [
          { ...newIntegration({ shopName: 'One' }), id: null },
          {
            ...newIntegration({ shopName: 'Two', webhookActive: true, webhookUrl: 'https://h.example/2' }),
            id: null,
          },
        ],
      });
      const t = await created(store, input);
      assert.deepEqual(t.account, { id: t.account.id, partner: false, createdAtUs: T0 });
      assert.deepEqual(await other.getAccount(t.account.id), t.account);
      assert.equal(t.credential.publicKey, input.credential.publicKey);
      assert.equal(t.credential.oauthOnly, true);
      const found = await other.findCredential(input.credential.publicKey);
      assert.equal(found?.secretHash, input.credential.secretHash);
      assert.equal(found?.accountPartner, false);
      assert.deepEqual(
        t.integrations.map((i) => [i.shopName, i.accountId, i.webhookActive]),
        [
          ['One', t.account.id, false],
          ['Two', t.account.id, true],
        ],
      );
      assert.deepEqual(await other.listIntegrations(t.account.id), t.integrations);
      const [, two] = t.integrations as [Integration, Integration];
      const deliveries = await other.listWebhookDeliveries(null);
      assert.deepEqual(
        deliveries.filter((d) => d.accountId === t.account.id).map((d) => [d.integrationId, d.action, d.url]),
        [[two.id, 'integration_connected', 'https://h.example/2']],
      );
    });

    test('chosen integration ids are kept, and ids chosen later by the database go past them', async () => {
      const chosen = 5_000_000 + Math.floor(Math.random() * 1_000_000);
      const t = await created(store, tenant({ integrations: [{ ...newIntegration(), id: chosen }] }));
      assert.equal(t.integrations[0]?.id, chosen);
      const next = await other.createIntegration(t.account.id, newIntegration(), T0);
      assert.ok(next.id > chosen, `${next.id} > ${chosen}`);
      const after = await created(store);
      assert.ok((after.integrations[0]?.id ?? 0) > next.id);
    });

    test('a taken public key or integration id writes nothing, even beside other writes in one batch', async () => {
      const first = await created(store);
      const accountsBefore = await store.countAccounts();
      const credentialsBefore = (await store.listCredentials(null)).length;
      const integrationsBefore = (await store.listIntegrations(null)).length;
      const takenId = first.integrations[0]?.id as number;
      // Issued in one turn: they share a transaction, and the failing ones must roll back alone.
      const [keyTaken, fine, idTaken] = await Promise.all([
        store.createTenant(
          tenant({ credential: { ...first.credential, secretHash: 'ef'.repeat(32) } }),
          T0,
          connected,
        ),
        store.createTenant(tenant(), T0, connected),
        store.createTenant(
          tenant({
            integrations: [
              { ...newIntegration({ webhookActive: true, webhookUrl: 'https://h.example/x' }), id: null },
              { ...newIntegration(), id: takenId },
            ],
          }),
          T0,
          connected,
        ),
      ]);
      assert.deepEqual(keyTaken, { conflict: { taken: 'public_key', value: first.credential.publicKey } });
      assert.deepEqual(idTaken, { conflict: { taken: 'integration_id', value: takenId } });
      assert.ok('created' in fine);
      assert.equal(await store.countAccounts(), accountsBefore + 1);
      assert.equal((await store.listCredentials(null)).length, credentialsBefore + 1);
      assert.equal((await store.listIntegrations(null)).length, integrationsBefore + 1);
      assert.ok(!(await other.listWebhookDeliveries(null)).some((d) => d.url === 'https://h.example/x'));
    });

    test('listAccounts: every account, oldest first', async () => {
      const a = await created(store);
      const b = await created(other);
      const ids = (await store.listAccounts()).map((x) => x.id);
      assert.deepEqual(
        ids,
        [...ids].sort((x, y) => x - y),
      );
      assert.ok(ids.includes(a.account.id) && ids.includes(b.account.id));
      assert.deepEqual(
        (await other.listAccounts()).find((x) => x.id === a.account.id),
        a.account,
      );
    });

    test("resetData of one account with keepAccounts: its data goes, its identity stays, others' stay", async () => {
      const a = await created(
        store,
        tenant({
          integrations: [
            { ...newIntegration({ webhookActive: true, webhookUrl: 'https://h.example/a' }), id: null },
          ],
        }),
      );
      const b = await created(store);
      await fill(store, a, 3);
      await fill(store, b, 2);
      const aIntegration = a.integrations[0]?.id as number;
      const bIntegration = b.integrations[0]?.id as number;
      // Warm the first store's lookups, so a stale cache would show.
      assert.ok(await store.findCredential(a.credential.publicKey, aIntegration));
      const removed = await other.resetData({ accountId: a.account.id, keepAccounts: true });
      assert.deepEqual(removed, {
        shipments: 3,
        logs: 1,
        webhook_deliveries: 1,
        oauth_tokens: 0,
        credentials: 0,
        integrations: 0,
        accounts: 0,
      });
      assert.equal(await shipmentCount(store, aIntegration), 0);
      assert.equal(await shipmentCount(store, bIntegration), 2);
      assert.deepEqual(await store.listWebhookDeliveries(aIntegration), []);
      assert.equal(await logCount(store, a.account.id), 0);
      assert.equal(await logCount(store, b.account.id), 1);
      assert.equal(
        (await store.findCredential(a.credential.publicKey, aIntegration))?.integration?.id,
        aIntegration,
      );
    });

    test('resetData of one account without keepAccounts removes it whole; the other store sees it at once', async () => {
      const a = await created(store);
      const b = await created(store);
      await fill(store, a, 2);
      await fill(store, b, 1);
      const aIntegration = a.integrations[0]?.id as number;
      assert.ok(await store.findCredential(a.credential.publicKey, aIntegration));
      assert.ok(await other.findCredential(a.credential.publicKey, aIntegration));
      assert.deepEqual(await store.resetData({ accountId: a.account.id, keepAccounts: false }), {
        shipments: 2,
        logs: 1,
        webhook_deliveries: 0,
        oauth_tokens: 1,
        credentials: 1,
        integrations: 1,
        accounts: 1,
      });
      assert.equal(await store.findCredential(a.credential.publicKey, aIntegration), null);
      assert.equal(await other.findCredential(a.credential.publicKey, aIntegration), null);
      assert.equal(await other.getAccount(a.account.id), null);
      assert.ok(await other.findCredential(b.credential.publicKey));
      assert.equal(await store.resetData({ accountId: a.account.id, keepAccounts: false }), null);
      assert.equal(await store.resetData({ accountId: a.account.id, keepAccounts: true }), null);
    });

    test('resetData of everything, with and then without keepAccounts', async () => {
      const a = await created(store);
      await fill(store, a, 2);
      const kept = await store.resetData({ accountId: null, keepAccounts: true });
      assert.ok(kept !== null && kept.shipments >= 2 && kept.logs >= 1);
      assert.equal(kept.accounts, 0);
      assert.equal(await shipmentCount(store, a.integrations[0]?.id as number), 0);
      assert.ok(await other.findCredential(a.credential.publicKey));
      const accounts = await store.countAccounts();
      const integrations = (await store.listIntegrations(null)).length;
      const all = await other.resetData({ accountId: null, keepAccounts: false });
      assert.equal(all?.accounts, accounts);
      assert.equal(all?.integrations, integrations);
      assert.equal(all?.shipments, 0);
      assert.equal(await store.countAccounts(), 0);
      assert.deepEqual(await store.listCredentials(null), []);
      assert.equal(await store.findCredential(a.credential.publicKey), null);
      // The database keeps serving: a new tenant after the wipe works and gets fresh ids.
      const fresh = await created(store);
      assert.ok(fresh.account.id > a.account.id);
    });
  });
}

/** Two stores on one new database, as two processes would have; `drop` removes the database. */
function twoOn(open: () => Store, drop: () => Promise<void> = async () => undefined) {
  return async () => {
    const stores: [Store, Store] = [open(), open()];
    return {
      stores,
      async cleanup() {
        await Promise.all(stores.map((s) => s.close()));
        await drop();
      },
    };
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'oi-store-admin-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const sqlitePath = join(tmp, 'admin.db');
suite(
  'sqlite',
  twoOn(() => new SqliteStore({ path: sqlitePath })),
);

// A missing server skips this half (and says so); in CI it throws and fails the file.
const pgDatabase = await createThrowawayDatabase();
suite(
  'postgres',
  pgDatabase === null
    ? postgresSkipMessage()
    : twoOn(
        () => new PostgresStore({ url: pgDatabase.url }),
        () => pgDatabase.drop(),
      ),
);

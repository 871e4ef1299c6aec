/**
 * The v3 integration settings on the Store, one suite for both engines: shop order statuses declared
 * as a whole (left-out ones kept as deleted, re-declared ones back), the category mapping, the
 * integration's feedback type, all gone with the integration; and a database of the previous release
 * (migrations 0001–0005, with data) upgrading in place on both engines.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { loadMigrations } from '../../src/storage/migrations.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';

const T0 = 1_700_000_000_000_000;
const en = (status: string) => [{ status, language: 'en-gb' }];
const noWebhook = () => null;

async function integration(store: Store): Promise<{ accountId: number; id: number }> {
  const account = await store.createAccount({ partner: true, nowUs: T0 });
  const created = await store.createIntegration(
    account.id,
    { shopName: 'Shop', shopUrl: null, system: 'prestashop_v2', webhookSignatureKey: 'k' },
    T0,
    noWebhook,
  );
  return { accountId: account.id, id: created.id };
}

function contract(engine: string, open: () => Promise<Store>, skip: string | false) {
  describe(`v3 integration settings contract [${engine}]`, { skip }, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(() => store.close());

    test('a declaration replaces the last: left-out statuses kept as deleted at that time, re-declared ones back', async () => {
      const i = await integration(store);
      assert.deepEqual(await store.listShopOrderStatuses(i.id), []);
      await store.declareShopOrderStatuses(
        i.id,
        [
          {
            externalId: 'b',
            translations: [
              { status: 'Sent', language: 'en-gb' },
              { status: 'Verzonden', language: 'nl-nl' },
            ],
          },
          { externalId: 'a', translations: en('Delivered') },
        ],
        T0,
      );
      assert.deepEqual(await store.listShopOrderStatuses(i.id), [
        {
          externalId: 'b',
          translations: [
            { status: 'Sent', language: 'en-gb' },
            { status: 'Verzonden', language: 'nl-nl' },
          ],
          deletedAtUs: null,
        },
        { externalId: 'a', translations: en('Delivered'), deletedAtUs: null },
      ]);
      await store.declareShopOrderStatuses(
        i.id,
        [
          { externalId: 'c', translations: en('New') },
          { externalId: 'a', translations: en('Done') },
        ],
        T0 + 1,
      );
      assert.deepEqual(await store.listShopOrderStatuses(i.id), [
        { externalId: 'c', translations: en('New'), deletedAtUs: null },
        { externalId: 'a', translations: en('Done'), deletedAtUs: null },
        {
          externalId: 'b',
          translations: [
            { status: 'Sent', language: 'en-gb' },
            { status: 'Verzonden', language: 'nl-nl' },
          ],
          deletedAtUs: T0 + 1,
        },
      ]);
      // Deleted once keeps its time; declared again comes back.
      await store.declareShopOrderStatuses(
        i.id,
        [{ externalId: 'b', translations: en('Sent again') }],
        T0 + 2,
      );
      assert.deepEqual(
        (await store.listShopOrderStatuses(i.id)).map((s) => [s.externalId, s.deletedAtUs]),
        [
          ['b', null],
          ['c', T0 + 2],
          ['a', T0 + 2],
        ],
      );
      await store.declareShopOrderStatuses(i.id, [], T0 + 3);
      assert.deepEqual(
        (await store.listShopOrderStatuses(i.id)).map((s) => [s.externalId, s.deletedAtUs]),
        // All deleted now, by their place in the declaration that last named them (ties by id).
        [
          ['b', T0 + 3],
          ['c', T0 + 2],
          ['a', T0 + 2],
        ],
      );
    });

    test('the mapping: categories written as given, others kept, null kept as null; per integration', async () => {
      const i = await integration(store);
      const other = await integration(store);
      assert.deepEqual(await store.getStatusMapping(i.id), []);
      await store.setStatusMapping(i.id, [
        { statusCategory: 'READY_TO_SEND', externalId: '11' },
        { statusCategory: 'CANCEL', externalId: null },
      ]);
      await store.setStatusMapping(i.id, [{ statusCategory: 'READY_TO_SEND', externalId: '12' }]);
      const sorted = (await store.getStatusMapping(i.id)).sort((a, b) =>
        a.statusCategory.localeCompare(b.statusCategory),
      );
      assert.deepEqual(sorted, [
        { statusCategory: 'CANCEL', externalId: null },
        { statusCategory: 'READY_TO_SEND', externalId: '12' },
      ]);
      assert.deepEqual(await store.getStatusMapping(other.id), []);
    });

    test('feedback_type: eager by default, changed by an update, and everything goes with the integration', async () => {
      const i = await integration(store);
      assert.equal((await store.getIntegration(i.accountId, i.id))?.feedbackType, 'eager');
      const updated = await store.updateIntegration(
        i.accountId,
        i.id,
        { feedbackType: 'none' },
        T0 + 5,
        noWebhook,
      );
      assert.equal(updated?.feedbackType, 'none');
      assert.equal(updated?.lastUpdatedAtUs, T0 + 5);
      assert.equal((await store.getIntegration(i.accountId, i.id))?.feedbackType, 'none');
      const kept = await store.updateIntegration(
        i.accountId,
        i.id,
        { shopName: 'Renamed' },
        T0 + 6,
        noWebhook,
      );
      assert.equal(kept?.feedbackType, 'none');
      await store.declareShopOrderStatuses(i.id, [{ externalId: 'x', translations: en('X') }], T0);
      await store.setStatusMapping(i.id, [{ statusCategory: 'DELIVERED', externalId: 'x' }]);
      assert.equal(await store.deleteIntegration(i.accountId, i.id, T0 + 7, noWebhook), true);
      assert.deepEqual(await store.listShopOrderStatuses(i.id), []);
      assert.deepEqual(await store.getStatusMapping(i.id), []);
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'order-inbox-shop-statuses-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
contract('sqlite', () => SqliteStore.open({ path: join(tmp, 'statuses.db') }), false);

const previous = (dialect: 'sqlite' | 'postgres') => loadMigrations(dialect).filter((m) => m.id < '0006');

/** What an upgraded database must show: the old integration with its data, `eager`, and the new tables at work. */
async function checkUpgraded(store: Store): Promise<void> {
  const old = await store.getIntegration(5, 9);
  assert.equal(old?.shopName, 'Old shop');
  assert.equal(old?.shopUrl, 'https://old.example/');
  assert.equal(old?.feedbackType, 'eager');
  await store.declareShopOrderStatuses(9, [{ externalId: '1', translations: en('Paid') }], T0);
  assert.equal((await store.listShopOrderStatuses(9)).length, 1);
  await store.setStatusMapping(9, [{ statusCategory: 'DELIVERED', externalId: '1' }]);
  assert.deepEqual(await store.getStatusMapping(9), [{ statusCategory: 'DELIVERED', externalId: '1' }]);
  assert.deepEqual(await store.migrate(), []);
}

const OLD_INTEGRATION = `INSERT INTO integrations (id, account_id, shop_name, shop_url, system, last_updated_at_us,
  webhook_signature_key, created_at_us) VALUES (9, 5, 'Old shop', 'https://old.example/', 'api', ${T0}, 'k', ${T0})`;

test('SQLite: a database of the previous release (0001–0005, with data) upgrades in place', async () => {
  const path = join(tmp, `previous-${randomUUID()}.db`);
  const db = new BetterSqlite3(path);
  db.exec('CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at_us INTEGER NOT NULL)');
  for (const m of previous('sqlite')) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(m.id, T0);
  }
  db.prepare('INSERT INTO accounts (id, partner, created_at_us) VALUES (5, 1, ?)').run(T0);
  db.exec(OLD_INTEGRATION);
  db.close();
  const store = await SqliteStore.open({ path });
  try {
    await checkUpgraded(store);
  } finally {
    await store.close();
  }
});

const pgDatabase = await createThrowawayDatabase();
after(async () => {
  await pgDatabase?.drop();
});
const pgSkip = pgDatabase === null ? postgresSkipMessage() : false;
contract('postgres', () => PostgresStore.open({ url: pgDatabase?.url ?? '', poolSize: 4 }), pgSkip);

test(
  'PostgreSQL: a database of the previous release (0001–0005, with data) upgrades in place',
  { skip: pgSkip },
  async () => {
    const fresh = await createThrowawayDatabase();
    assert.ok(fresh);
    const client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
    try {
      await client.query(
        'CREATE TABLE schema_migrations (id text PRIMARY KEY, applied_at_us bigint NOT NULL)',
      );
      for (const m of previous('postgres')) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2)', [m.id, T0]);
      }
      await client.query('INSERT INTO accounts (id, partner, created_at_us) VALUES (5, true, $1)', [T0]);
      await client.query(OLD_INTEGRATION);
    } finally {
      await client.end();
    }
    const store = await PostgresStore.open({ url: fresh.url });
    try {
      await checkUpgraded(store);
    } finally {
      await store.close();
      await fresh.drop();
    }
  },
);

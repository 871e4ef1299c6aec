/**
 * The Store's v3 orders, one suite run against SQLite and PostgreSQL: all-or-nothing batches, account
 * scope, the list filters and sorts, PATCH's version check, and (PostgreSQL) the "still processing"
 * answer where another transaction is writing the same order. Also: a database made by the previous
 * release (migrations 0001–0005, with data) upgrades in place on both engines.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { OrderListQuery, OrderWrite, StoredOrder } from '../../src/domain/orders/types.js';
import { loadMigrations } from '../../src/storage/migrations.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';

const T0 = 1_700_000_000_000_000;
const DAY = 86_400_000_000;

let seq = 0;
function write(integrationId: number, overrides: Partial<OrderWrite> = {}): OrderWrite {
  seq++;
  const orderId = overrides.orderId ?? `order-${seq}`;
  return {
    integrationId,
    orderId,
    explicitId: null,
    orderNumber: `N-${seq}`,
    statusCode: 'fulfilled',
    orderCreatedAtUs: T0,
    orderUpdatedAtUs: null,
    document: JSON.stringify({ order_id: orderId, seq }),
    ...overrides,
  };
}

function listQuery(accountId: number, overrides: Partial<OrderListQuery> = {}): OrderListQuery {
  return {
    accountId,
    integrationIds: null,
    orderIdFolded: null,
    orderNumberFolded: null,
    statusFolded: null,
    orderCreatedAt: { fromUs: null, toUs: null },
    orderUpdatedAt: { fromUs: null, toUs: null },
    sort: [{ key: 'pk', descending: true }],
    idBound: null,
    reverse: false,
    offset: 0,
    limit: 1000,
    ...overrides,
  };
}

const ids = (rows: StoredOrder[]): number[] => rows.map((r) => r.id);

function contract(
  name: string,
  open: () => Promise<Store>,
  options: { skip?: string | false; pgUrl?: () => string },
) {
  if (options.skip) {
    test(`Store orders contract: ${name}`, { skip: options.skip }, () => undefined);
    return;
  }
  describe(`Store orders contract: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    async function tenant() {
      const account = await store.createAccount({ partner: true, nowUs: T0 });
      const integration = await store.createIntegration(
        account.id,
        { shopName: 'Shop', shopUrl: null, system: 'api', webhookSignatureKey: 'k' },
        T0,
      );
      const second = await store.createIntegration(
        account.id,
        { shopName: 'Second', shopUrl: null, system: 'api', webhookSignatureKey: 'k' },
        T0,
      );
      return { account, integration, second };
    }

    test('a batch creates in order, then updates on the same integration and order_id', async () => {
      const { account, integration } = await tenant();
      const a = write(integration.id);
      const b = write(integration.id);
      const first = await store.upsertOrders(account.id, [a, b], T0 + 1);
      assert.ok(first.ok);
      assert.deepEqual(
        first.results.map((r) => r.created),
        [true, true],
      );
      const again = await store.upsertOrders(
        account.id,
        [{ ...b, orderNumber: 'B2', document: '{"v":2}' }],
        T0 + 2,
      );
      assert.ok(again.ok);
      assert.deepEqual(again.results, [{ id: first.results[1]?.id, created: false }]);
      const stored = await store.getOrder(account.id, first.results[1]?.id as number);
      assert.equal(stored?.orderNumber, 'B2');
      assert.equal(stored?.document, '{"v":2}');
      assert.equal(stored?.createdAtUs, T0 + 1);
      assert.equal(stored?.modifiedAtUs, T0 + 2);
      assert.equal(stored?.version, 2);
    });

    test('the same order_id twice in a batch: one order, written in batch order, both items answered', async () => {
      const { account, integration } = await tenant();
      const kept = write(integration.id, { orderId: 'kept' });
      const first = await store.upsertOrders(account.id, [kept], T0);
      assert.ok(first.ok);
      const keptId = first.results[0]?.id as number;
      const a1 = write(integration.id, { orderId: 'twice', orderNumber: 'A1', document: '{"a":1}' });
      const b = write(integration.id);
      const a2 = { ...a1, orderNumber: 'A2', document: '{"a":2}' };
      const k2 = { ...kept, document: '{"k":2}' };
      const k3 = { ...kept, orderNumber: 'K3', document: '{"k":3}' };
      const outcome = await store.upsertOrders(account.id, [a1, k2, b, a2, k3], T0 + 1);
      assert.ok(outcome.ok);
      const [ra1, rk2, rb, ra2, rk3] = outcome.results;
      assert.deepEqual(
        outcome.results.map((r) => r.created),
        [true, false, true, false, false],
      );
      assert.equal(ra2?.id, ra1?.id);
      assert.equal(rk2?.id, keptId);
      assert.equal(rk3?.id, keptId);
      // New orders take ascending ids in batch order, after every order before them.
      assert.ok(keptId < (ra1?.id as number) && (ra1?.id as number) < (rb?.id as number));
      const stored = await store.listOrders(listQuery(account.id));
      assert.deepEqual(ids(stored), [rb?.id, ra1?.id, keptId]);
      const twice = stored.find((o) => o.id === ra1?.id);
      assert.deepEqual(
        [twice?.orderNumber, twice?.document, twice?.version, twice?.createdAtUs, twice?.modifiedAtUs],
        ['A2', '{"a":2}', 2, T0 + 1, T0 + 1],
      );
      const again = stored.find((o) => o.id === keptId);
      assert.deepEqual(
        [again?.orderNumber, again?.document, again?.version, again?.createdAtUs, again?.modifiedAtUs],
        ['K3', '{"k":3}', 3, T0, T0 + 1],
      );
    });

    test('a batch of new and updated orders across integrations answers each in batch order', async () => {
      const { account, integration, second } = await tenant();
      const a = write(integration.id);
      const b = write(second.id, { orderId: a.orderId });
      const created = await store.upsertOrders(account.id, [a, b], T0);
      assert.ok(created.ok);
      const [ida, idb] = created.results.map((r) => r.id) as [number, number];
      const c = write(second.id);
      const d = write(integration.id);
      const outcome = await store.upsertOrders(
        account.id,
        [c, { ...b, document: '{"b":2}' }, d, { ...a, orderNumber: 'A2' }],
        T0 + 7,
      );
      assert.ok(outcome.ok);
      const [rc, rb, rd, ra] = outcome.results;
      assert.deepEqual(
        [rb, ra],
        [
          { id: idb, created: false },
          { id: ida, created: false },
        ],
      );
      assert.deepEqual([rc?.created, rd?.created], [true, true]);
      assert.ok(idb < (rc?.id as number) && (rc?.id as number) < (rd?.id as number));
      const stored = await store.listOrders(listQuery(account.id));
      assert.deepEqual(ids(stored), [rd?.id, rc?.id, idb, ida]);
      const byId = new Map(stored.map((o) => [o.id, o]));
      assert.deepEqual(
        [byId.get(ida)?.orderNumber, byId.get(ida)?.version, byId.get(ida)?.modifiedAtUs],
        ['A2', 2, T0 + 7],
      );
      assert.deepEqual(
        [byId.get(idb)?.document, byId.get(idb)?.integrationId, byId.get(idb)?.version],
        ['{"b":2}', second.id, 2],
      );
      assert.deepEqual(
        [byId.get(rc?.id as number)?.document, byId.get(rc?.id as number)?.integrationId],
        [c.document, second.id],
      );
      assert.deepEqual(
        [byId.get(rd?.id as number)?.createdAtUs, byId.get(rd?.id as number)?.version],
        [T0 + 7, 1],
      );
    });

    test('one problem refuses the whole batch and writes nothing', async () => {
      const { account, integration } = await tenant();
      const other = await tenant();
      const before = await store.listOrders(listQuery(account.id));
      const outcome = await store.upsertOrders(
        account.id,
        [
          write(integration.id),
          write(other.integration.id),
          write(integration.id, { explicitId: 999_999_999 }),
        ],
        T0,
      );
      assert.deepEqual(outcome, {
        ok: false,
        problems: [
          { index: 1, kind: 'integration' },
          { index: 2, kind: 'id' },
        ],
      });
      assert.deepEqual(await store.listOrders(listQuery(account.id)), before);
    });

    test("every item naming another account's or an unknown integration is a problem, each at its index", async () => {
      const { account, integration, second } = await tenant();
      const other = await tenant();
      const outcome = await store.upsertOrders(
        account.id,
        [
          write(integration.id),
          write(other.integration.id),
          write(second.id),
          write(other.integration.id),
          write(999_999_999),
          write(integration.id),
        ],
        T0,
      );
      assert.deepEqual(outcome, {
        ok: false,
        problems: [
          { index: 1, kind: 'integration' },
          { index: 3, kind: 'integration' },
          { index: 4, kind: 'integration' },
        ],
      });
      assert.deepEqual(await store.listOrders(listQuery(account.id)), []);
      assert.deepEqual(await store.listOrders(listQuery(other.account.id)), []);
    });

    test('an explicit id updates that order; a changed order_id is refused with the current one', async () => {
      const { account, integration, second } = await tenant();
      const created = await store.upsertOrders(account.id, [write(integration.id, { orderId: 'keep' })], T0);
      assert.ok(created.ok);
      const id = created.results[0]?.id as number;
      const changed = await store.upsertOrders(
        account.id,
        [write(integration.id, { orderId: 'new', explicitId: id })],
        T0,
      );
      assert.deepEqual(changed, { ok: false, problems: [{ index: 0, kind: 'order_id', current: 'keep' }] });
      const moved = await store.upsertOrders(
        account.id,
        [write(second.id, { orderId: 'keep', explicitId: id })],
        T0 + 5,
      );
      assert.deepEqual(moved, { ok: true, results: [{ id, created: false }] });
      assert.equal((await store.getOrder(account.id, id))?.integrationId, second.id);
    });

    test('an explicit id moved onto a key another order holds is refused, earlier items rolled back', async () => {
      const { account, integration, second } = await tenant();
      const created = await store.upsertOrders(
        account.id,
        [write(integration.id, { orderId: 'x' }), write(second.id, { orderId: 'x' })],
        T0,
      );
      assert.ok(created.ok);
      const [one] = created.results;
      const outcome = await store.upsertOrders(
        account.id,
        [
          write(integration.id, { orderId: 'fresh' }),
          write(second.id, { orderId: 'x', explicitId: one?.id as number }),
        ],
        T0,
      );
      assert.deepEqual(outcome, { ok: false, problems: [{ index: 1, kind: 'taken' }] });
      assert.deepEqual(
        (await store.listOrders(listQuery(account.id))).map((o) => o.orderId),
        ['x', 'x'],
      );
    });

    test("another account's order is unknown to get, patch and delete", async () => {
      const { account, integration } = await tenant();
      const stranger = await tenant();
      const created = await store.upsertOrders(account.id, [write(integration.id)], T0);
      assert.ok(created.ok);
      const id = created.results[0]?.id as number;
      assert.equal(await store.getOrder(stranger.account.id, id), null);
      assert.equal(await store.deleteOrder(stranger.account.id, id), false);
      const patched = await store.patchOrder(stranger.account.id, id, write(stranger.integration.id), T0);
      assert.deepEqual(patched, { ok: false, problems: [{ index: 0, kind: 'id' }] });
      assert.deepEqual(await store.listOrders(listQuery(stranger.account.id)), []);
      assert.equal(await store.deleteOrder(account.id, id), true);
      assert.equal(await store.getOrder(account.id, id), null);
      assert.equal(await store.deleteOrder(account.id, id), false);
    });

    test("an admin reset of the account's data removes its orders, and no other account's", async () => {
      const { account, integration } = await tenant();
      const other = await tenant();
      assert.ok((await store.upsertOrders(account.id, [write(integration.id)], T0)).ok);
      assert.ok((await store.upsertOrders(other.account.id, [write(other.integration.id)], T0)).ok);
      assert.ok(await store.resetData({ accountId: account.id, keepAccounts: true }));
      assert.deepEqual(await store.listOrders(listQuery(account.id)), []);
      assert.equal((await store.listOrders(listQuery(other.account.id))).length, 1);
    });

    test('a PATCH writes only over the version it read', async () => {
      const { account, integration } = await tenant();
      const w = write(integration.id);
      const created = await store.upsertOrders(account.id, [w], T0);
      assert.ok(created.ok);
      const id = created.results[0]?.id as number;
      const ok = await store.patchOrder(
        account.id,
        id,
        { ...w, expectVersion: 1, document: '{"p":1}' },
        T0 + 1,
      );
      assert.deepEqual(ok, { ok: true, results: [{ id, created: false }] });
      const stale = await store.patchOrder(
        account.id,
        id,
        { ...w, expectVersion: 1, document: '{"p":2}' },
        T0 + 2,
      );
      assert.deepEqual(stale, { ok: false, problems: [{ index: 0, kind: 'stale' }] });
      assert.equal((await store.getOrder(account.id, id))?.document, '{"p":1}');
    });

    test('filters: integrations, case-folded order_id/order_number/status, shop-time ranges', async () => {
      const { account, integration, second } = await tenant();
      const created = await store.upsertOrders(
        account.id,
        [
          write(integration.id, {
            orderId: 'AbC',
            orderNumber: 'Ord-1',
            statusCode: 'Paid',
            orderCreatedAtUs: T0,
          }),
          write(second.id, {
            orderId: 'x2',
            orderNumber: 'ORD-2',
            statusCode: 'open',
            orderCreatedAtUs: T0 + DAY,
          }),
          write(second.id, {
            orderId: 'x3',
            orderNumber: 'ord-3',
            statusCode: 'PAID',
            orderCreatedAtUs: T0 + 2 * DAY,
            orderUpdatedAtUs: T0 + 2 * DAY,
          }),
        ],
        T0,
      );
      assert.ok(created.ok);
      const [a, b, c] = created.results.map((r) => r.id);
      const q = (o: Partial<OrderListQuery>) => store.listOrders(listQuery(account.id, o)).then(ids);
      assert.deepEqual(await q({}), [c, b, a]);
      assert.deepEqual(await q({ integrationIds: [second.id] }), [c, b]);
      assert.deepEqual(await q({ integrationIds: [] }), []);
      assert.deepEqual(await q({ orderIdFolded: 'abc' }), [a]);
      assert.deepEqual(await q({ orderNumberFolded: 'ord-2' }), [b]);
      assert.deepEqual(await q({ statusFolded: 'paid' }), [c, a]);
      assert.deepEqual(await q({ orderCreatedAt: { fromUs: T0 + DAY, toUs: null } }), [c, b]);
      assert.deepEqual(await q({ orderCreatedAt: { fromUs: null, toUs: T0 + DAY } }), [a]);
      assert.deepEqual(await q({ orderUpdatedAt: { fromUs: T0, toUs: null } }), [c]);
    });

    test('sorts: several keys, nulls last ascending, a tie broken by -pk; offsets, reversal, id bounds', async () => {
      const { account, integration, second } = await tenant();
      const created = await store.upsertOrders(
        account.id,
        [
          write(second.id, { orderNumber: 'b', orderUpdatedAtUs: T0 + 2 }),
          write(integration.id, { orderNumber: 'a', orderUpdatedAtUs: null }),
          write(integration.id, { orderNumber: 'B', orderUpdatedAtUs: T0 + 1 }),
          write(second.id, { orderNumber: 'b', orderUpdatedAtUs: T0 + 1 }),
        ],
        T0,
      );
      assert.ok(created.ok);
      const [o1, o2, o3, o4] = created.results.map((r) => r.id) as [number, number, number, number];
      const q = (o: Partial<OrderListQuery>) => store.listOrders(listQuery(account.id, o)).then(ids);
      // Byte order: 'B' < 'a' < 'b'; the tie between the two 'b's falls to -pk.
      assert.deepEqual(await q({ sort: [{ key: 'order_number', descending: false }] }), [o3, o2, o4, o1]);
      assert.deepEqual(
        await q({
          sort: [
            { key: 'integration', descending: false },
            { key: 'order_number', descending: true },
          ],
        }),
        [o2, o3, o4, o1],
      );
      assert.deepEqual(await q({ sort: [{ key: 'order_updated_at', descending: false }] }), [o4, o3, o1, o2]);
      assert.deepEqual(await q({ sort: [{ key: 'order_updated_at', descending: true }] }), [o2, o1, o4, o3]);
      assert.deepEqual(await q({ offset: 1, limit: 2 }), [o3, o2]);
      assert.deepEqual(await q({ reverse: true, limit: 2 }), [o1, o2]);
      assert.deepEqual(await q({ idBound: { op: '<', id: o3 } }), [o2, o1]);
    });

    if (options.pgUrl !== undefined) {
      const pgUrl = options.pgUrl;
      test('PostgreSQL: a batch meeting an order another transaction is writing is busy, and writes nothing', async () => {
        const { account, integration } = await tenant();
        const w = write(integration.id, { orderId: 'contended' });
        const holder = new pg.Client({ connectionString: pgUrl() });
        await holder.connect();
        try {
          await holder.query('BEGIN');
          await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 6))', [
            `orders:${integration.id}:contended`,
          ]);
          const outcome = await store.upsertOrders(account.id, [write(integration.id), w], T0);
          assert.deepEqual(outcome, { ok: false, busy: true });
          assert.deepEqual(await store.listOrders(listQuery(account.id)), []);
          await holder.query('COMMIT');
          const after = await store.upsertOrders(account.id, [w], T0);
          assert.ok(after.ok);
        } finally {
          await holder.end();
        }
      });

      test('PostgreSQL: a batch whose one UPSERT meets a unique key is written again order by order', async () => {
        const { account, integration } = await tenant();
        const other = new pg.Client({ connectionString: pgUrl() });
        await other.connect();
        try {
          // A row with the id the batch's second order would take (a sequence left behind an id
          // written explicitly): the batch's UPSERT fails on the primary key, the replay takes new ids.
          const next = await other.query<{ id: string }>(
            "SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id",
          );
          const rogue = Number(next.rows[0]?.id) + 2;
          await other.query(
            `INSERT INTO orders (id, account_id, integration_id, order_id, order_id_folded, order_number,
               order_number_folded, status_folded, order_created_at_us, created_at_us, modified_at_us,
               version, data)
             VALUES ($1, $2, $3, 'rogue', 'rogue', 'R', 'r', 'open', $4, $4, $4, 1, '{}')`,
            [rogue, account.id, integration.id, T0],
          );
          const batch = [write(integration.id), write(integration.id), write(integration.id)];
          const outcome = await store.upsertOrders(account.id, batch, T0);
          assert.ok(outcome.ok);
          assert.deepEqual(
            outcome.results.map((r) => r.created),
            [true, true, true],
          );
          const [a, b, c] = outcome.results.map((r) => r.id) as [number, number, number];
          assert.ok(rogue < a && a < b && b < c);
          const stored = await store.listOrders(listQuery(account.id));
          assert.deepEqual(
            stored.map((o) => [o.id, o.orderId, o.document]),
            [
              [c, batch[2]?.orderId, batch[2]?.document],
              [b, batch[1]?.orderId, batch[1]?.document],
              [a, batch[0]?.orderId, batch[0]?.document],
              [rogue, 'rogue', '{}'],
            ],
          );
        } finally {
          await other.end();
        }
      });

      test('PostgreSQL: busy on an order being updated, or on the current key of an explicit id: nothing written', async () => {
        const { account, integration, second } = await tenant();
        const [a, b, c] = [write(integration.id), write(integration.id), write(integration.id)];
        const created = await store.upsertOrders(account.id, [a, b, c], T0);
        assert.ok(created.ok);
        const before = await store.listOrders(listQuery(account.id));
        const holder = new pg.Client({ connectionString: pgUrl() });
        await holder.connect();
        try {
          await holder.query('BEGIN');
          await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 6))', [
            `orders:${integration.id}:${b.orderId}`,
          ]);
          const updates = [a, b, c].map((w) => ({ ...w, document: '{"changed":true}' }));
          assert.deepEqual(
            await store.upsertOrders(account.id, [write(integration.id), ...updates], T0 + 1),
            {
              ok: false,
              busy: true,
            },
          );
          // The order moves to another integration: its current key is locked as well as its new one.
          const moved = { ...b, integrationId: second.id, explicitId: created.results[1]?.id as number };
          assert.deepEqual(await store.upsertOrders(account.id, [moved], T0 + 1), { ok: false, busy: true });
          assert.deepEqual(await store.listOrders(listQuery(account.id)), before);
          await holder.query('COMMIT');
          const after = await store.upsertOrders(account.id, updates, T0 + 2);
          assert.deepEqual(after, {
            ok: true,
            results: created.results.map((r) => ({ ...r, created: false })),
          });
          assert.deepEqual(
            (await store.listOrders(listQuery(account.id))).map((o) => [o.id, o.document, o.version]),
            before.map((o) => [o.id, '{"changed":true}', 2]),
          );
        } finally {
          await holder.end();
        }
      });
    }

    test('concurrent batches on the same new order never make two', async () => {
      const { account, integration } = await tenant();
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, () =>
          store.upsertOrders(account.id, [write(integration.id, { orderId: 'same' })], T0),
        ),
      );
      const stored = await store.listOrders(listQuery(account.id));
      assert.equal(stored.length, 1);
      for (const outcome of outcomes) {
        // Serialized (SQLite, or PostgreSQL's batch of one transaction) or refused as busy: never a second row.
        if (outcome.ok) assert.deepEqual(ids(stored), [outcome.results[0]?.id]);
        else assert.deepEqual(outcome, { ok: false, busy: true });
      }
      assert.ok(outcomes.some((o) => o.ok));
    });
  });
}

const previous = loadMigrations('sqlite').filter((m) => m.id < '0006');

const tmp = mkdtempSync(join(tmpdir(), 'oi-orders-contract-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
contract('sqlite', () => SqliteStore.open({ path: join(tmp, 'orders.db') }), {});

test('SQLite: a database of the previous release (0001–0005, with data) upgrades in place', async () => {
  const path = join(tmp, `previous-${randomUUID()}.db`);
  const db = new BetterSqlite3(path);
  db.exec('CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at_us INTEGER NOT NULL)');
  for (const m of previous) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(m.id, T0);
  }
  db.prepare('INSERT INTO accounts (id, partner, created_at_us) VALUES (5, 1, ?)').run(T0);
  db.prepare(
    `INSERT INTO integrations (id, account_id, shop_name, system, last_updated_at_us, webhook_signature_key, created_at_us)
     VALUES (9, 5, 'Old shop', 'api', ?, 'k', ?)`,
  ).run(T0, T0);
  db.close();
  const store = await SqliteStore.open({ path });
  try {
    assert.equal((await store.getIntegration(5, 9))?.shopName, 'Old shop');
    const outcome = await store.upsertOrders(5, [write(9)], T0);
    assert.ok(outcome.ok);
    assert.equal((await store.listOrders(listQuery(5))).length, 1);
    assert.deepEqual(await store.migrate(), []);
  } finally {
    await store.close();
  }
});

const pgDatabase = await createThrowawayDatabase();
after(async () => {
  await pgDatabase?.drop();
});
contract('postgres', () => PostgresStore.open({ url: pgDatabase?.url ?? '', poolSize: 4 }), {
  skip: pgDatabase === null ? postgresSkipMessage() : false,
  pgUrl: () => pgDatabase?.url ?? '',
});

test(
  'PostgreSQL: a database of the previous release (0001–0005, with data) upgrades in place',
  { skip: pgDatabase === null ? postgresSkipMessage() : false },
  async () => {
    const fresh = await createThrowawayDatabase();
    assert.ok(fresh);
    const client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
    try {
      await client.query(
        'CREATE TABLE schema_migrations (id text PRIMARY KEY, applied_at_us bigint NOT NULL)',
      );
      for (const m of loadMigrations('postgres').filter((x) => x.id < '0006')) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2)', [m.id, T0]);
      }
      await client.query('INSERT INTO accounts (id, partner, created_at_us) VALUES (5, true, $1)', [T0]);
      await client.query(
        `INSERT INTO integrations (id, account_id, shop_name, system, last_updated_at_us, webhook_signature_key, created_at_us)
         VALUES (9, 5, 'Old shop', 'api', $1, 'k', $1)`,
        [T0],
      );
    } finally {
      await client.end();
    }
    const store = await PostgresStore.open({ url: fresh.url });
    try {
      assert.equal((await store.getIntegration(5, 9))?.shopName, 'Old shop');
      const outcome = await store.upsertOrders(5, [write(9)], T0);
      assert.ok(outcome.ok);
      assert.equal((await store.listOrders(listQuery(5))).length, 1);
    } finally {
      await store.close();
      await fresh.drop();
    }
  },
);

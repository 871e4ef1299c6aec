/**
 * Filtered lists read their filter's index on both engines right after a bulk load, before any
 * statistics exist: the plan is read back (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL, custom
 * and generic plans) and must name the intended index, never the import-time one.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { ShipmentListQuery, ShipmentWrite } from '../../src/domain/types.js';
import { PostgresStore, buildPgListQuery } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore, buildListQuery } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';

const T0 = 1_700_000_000_000_000;
const ROWS = 20_000;

/** One integration with ROWS shipments, loaded in batches of 1,000 (as a bulk import would). */
async function load(store: Store): Promise<number> {
  const account = await store.createAccount({ partner: true, nowUs: T0 });
  const integration = await store.createIntegration(
    account.id,
    { shopName: 'Shop', shopUrl: null, system: 'api', webhookSignatureKey: 'k' },
    T0,
  );
  for (let start = 0; start < ROWS; start += 1000) {
    const writes: ShipmentWrite[] = [];
    for (let i = start; i < start + 1000; i++) {
      writes.push({
        newUuid: randomUUID(),
        externalOrderId: `order-${i}`,
        shipmentKey: `ship-${i}`,
        externalShipmentId: `ship-${i}`,
        orderNumber: `N-${i}`,
        shopCreatedAtUs: T0,
        shopUpdatedAtUs: T0,
        data: '{}',
      });
    }
    await store.upsertShipments(integration.id, writes, T0 + start);
  }
  return integration.id;
}

/**
 * Every filter shape, and the index each must read: SQLite the one named, PostgreSQL the index of one
 * of the filters present (with two, which one is cheaper is its choice; both read only matching rows).
 */
function shapes(integrationId: number): { name: string; query: ShipmentListQuery; index: string }[] {
  const base: ShipmentListQuery = {
    integrationId,
    fromUs: 0,
    toUs: 4_000_000_000_000_000,
    externalOrderIds: null,
    shipmentKeys: null,
    orderNumber: null,
    after: null,
    reverse: false,
    limit: 100,
  };
  const ids = ['order-1', 'order-500', 'order-9000', 'order-15000', 'order-19999'];
  const keys = ['ship-1', 'ship-500', 'ship-9000', 'ship-15000', 'ship-19999'];
  const boundary = { createdAtUs: T0 + 10_000, id: 10_000 };
  return [
    { name: '5 external order ids', query: { ...base, externalOrderIds: ids }, index: 'shipments_identity' },
    {
      name: 'external order ids, reversed from a boundary',
      query: { ...base, externalOrderIds: ids, after: boundary, reverse: true },
      index: 'shipments_identity',
    },
    {
      name: 'external order ids and shipment ids',
      query: { ...base, externalOrderIds: ids, shipmentKeys: keys },
      index: 'shipments_identity',
    },
    {
      name: '5 external shipment ids',
      query: { ...base, shipmentKeys: keys, after: boundary },
      index: 'shipments_by_shipment_key',
    },
    { name: 'an order number', query: { ...base, orderNumber: 'N-77' }, index: 'shipments_by_order_number' },
    {
      name: 'an order number and shipment ids',
      query: { ...base, orderNumber: 'N-77', shipmentKeys: keys },
      index: 'shipments_by_order_number',
    },
  ];
}

describe('filtered list plans on SQLite, no ANALYZE ever run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oi-scale-plans-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('each filter reads its own index and gets its rows', async () => {
    const path = join(dir, 'plans.db');
    const store = await SqliteStore.open({ path });
    const integrationId = await load(store);
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      assert.equal(
        db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_stat%'").pluck().get(),
        0,
        'no statistics exist',
      );
      for (const { name, query, index } of shapes(integrationId)) {
        const { sql, params } = buildListQuery(query);
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
          .map((row) => row.detail)
          .join('\n');
        assert.match(plan, new RegExp(`SEARCH shipments USING INDEX ${index} \\(integration_id=\\?`), name);
        assert.doesNotMatch(plan, /shipments_by_import/, name);
      }
      const found = await store.listShipments(shapes(integrationId)[0]!.query);
      assert.deepEqual(
        found.map((s) => s.createdAtUs),
        [T0 + 19_000, T0 + 15_000, T0 + 9000, T0 + 0, T0 + 0],
      );
    } finally {
      db.close();
      await store.close();
    }
  });
});

const database = await createThrowawayDatabase();
after(async () => {
  await database?.drop();
});

describe(
  'filtered list plans on PostgreSQL, right after a bulk load',
  { skip: database === null ? postgresSkipMessage() : false },
  () => {
    test('each filter reads its own index, custom and generic plans alike, with and without statistics', async () => {
      const url = database?.url ?? '';
      const store = await PostgresStore.open({ url, poolSize: 2 });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // Nothing may gather statistics behind the test's back.
        await client.query('ALTER TABLE shipments SET (autovacuum_enabled = false)');
        const integrationId = await load(store);
        const stats = await client.query(
          "SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'shipments'",
        );
        assert.equal(stats.rows[0].n, 0, 'no statistics exist');

        const check = async (when: string) => {
          for (const mode of ['force_custom_plan', 'force_generic_plan']) {
            await client.query(`SET plan_cache_mode = ${mode}`);
            for (const { name, query } of shapes(integrationId)) {
              const { text, values } = buildPgListQuery(query);
              const index = [
                query.externalOrderIds !== null ? 'shipments_identity' : null,
                query.shipmentKeys !== null ? 'shipments_by_shipment_key' : null,
                query.orderNumber !== null ? 'shipments_by_order_number' : null,
              ]
                .filter((i) => i !== null)
                .join('|');
              const result = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
              const plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');
              const label = `${name} (${mode}, ${when})`;
              assert.match(
                plan,
                new RegExp(
                  `Index (Only )?Scan using (${index}) on shipments|Bitmap Index Scan on (${index})`,
                ),
                label,
              );
              assert.doesNotMatch(plan, /shipments_by_import|Seq Scan/, label);
            }
          }
        };
        await check('no statistics');
        await client.query('ANALYZE shipments');
        await check('after ANALYZE');

        const found = await store.listShipments(shapes(integrationId)[0]!.query);
        assert.deepEqual(
          found.map((s) => s.createdAtUs),
          [T0 + 19_000, T0 + 15_000, T0 + 9000, T0 + 0, T0 + 0],
        );
      } finally {
        await client.end();
        await store.close();
      }
    });
  },
);

/**
 * Filtered lists read their filter's index on both engines right after a bulk load, before any
 * statistics exist: the plan is read back (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL, custom
 * and generic plans) and must name the intended index, never the import-time one.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { listQuery } from '../helpers/list-query.js';
import type { ShipmentListQuery, ShipmentWrite } from '../../src/domain/types.js';
import { buildPgListQuery } from '../../src/storage/postgres/postgres-store.js';
import { buildListQuery } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { onBothEngines } from './scale-engines.js';
import type { RawDatabase } from './scale-engines.js';

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
 * Every filter shape, and the index SQLite must read; PostgreSQL reads the index of one of the filters
 * present (with two, which is cheaper is its choice: either reads only matching rows).
 */
function shapes(integrationId: number): { name: string; query: ShipmentListQuery; index: string }[] {
  const base = listQuery(integrationId, { limit: 100 });
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

/** The plan of a list query on the engine's own EXPLAIN, one line per step. */
async function planOf(raw: RawDatabase, query: ShipmentListQuery): Promise<string> {
  if (raw.dialect === 'sqlite') {
    const { sql, params } = buildListQuery(query);
    return (await raw.query(`EXPLAIN QUERY PLAN ${sql}`, params)).map((row) => String(row.detail)).join('\n');
  }
  const { text, values } = buildPgListQuery(query);
  return (await raw.query(`EXPLAIN ${text}`, values)).map((row) => String(row['QUERY PLAN'])).join('\n');
}

/** The indexes of the filters present, any of which PostgreSQL may choose. */
const filterIndexes = (query: ShipmentListQuery): string =>
  [
    query.externalOrderIds !== null ? 'shipments_identity' : null,
    query.shipmentKeys !== null ? 'shipments_by_shipment_key' : null,
    query.orderNumber !== null ? 'shipments_by_order_number' : null,
  ]
    .filter((i) => i !== null)
    .join('|');

await onBothEngines(
  'filtered lists read their filter index right after a bulk load: no statistics, fresh ones, and ones from before the load',
  async (store, raw) => {
    if (raw.dialect === 'postgres') {
      // Nothing may gather statistics behind the test's back.
      await raw.query('ALTER TABLE shipments SET (autovacuum_enabled = false)');
    }
    let integrationId = await load(store);
    const statistics =
      raw.dialect === 'sqlite'
        ? "SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'sqlite_stat%'"
        : "SELECT count(*) AS n FROM pg_stats WHERE tablename = 'shipments'";
    assert.equal(Number((await raw.query(statistics))[0]?.n), 0, 'no statistics exist');

    const check = async (when: string): Promise<void> => {
      // PostgreSQL: the plan for these values, and the generic plan a named statement may switch to.
      const modes = raw.dialect === 'sqlite' ? [null] : ['force_custom_plan', 'force_generic_plan'];
      for (const mode of modes) {
        if (mode !== null) await raw.query(`SET plan_cache_mode = ${mode}`);
        for (const { name, query, index } of shapes(integrationId)) {
          const plan = await planOf(raw, query);
          const label = `${name} (${mode ?? 'sqlite'}, ${when})`;
          if (raw.dialect === 'sqlite') {
            assert.match(
              plan,
              new RegExp(`SEARCH shipments USING INDEX ${index} \\(integration_id=\\?`),
              label,
            );
          } else {
            const any = filterIndexes(query);
            assert.match(
              plan,
              new RegExp(`Index (Only )?Scan using (${any}) on shipments|Bitmap Index Scan on (${any})`),
              label,
            );
          }
          assert.doesNotMatch(plan, /shipments_by_import|SCAN shipments|Seq Scan/, label);
        }
      }
    };
    await check('no statistics');
    await raw.query('ANALYZE');
    await check('after ANALYZE');
    // Statistics from before a bulk load: the new integration is not in them at all.
    const first = integrationId;
    integrationId = await load(store);
    await check('statistics from before the bulk load');
    integrationId = first;

    const found = await store.listShipments(shapes(integrationId)[0]!.query);
    assert.deepEqual(
      found.map((s) => [s.createdAtUs, s.id]),
      [...found].map((s) => [s.createdAtUs, s.id]).sort((a, b) => b[0]! - a[0]! || b[1]! - a[1]!),
    );
    assert.deepEqual(
      found.map((s) => s.createdAtUs),
      [T0 + 19_000, T0 + 15_000, T0 + 9000, T0 + 0, T0 + 0],
    );
  },
);

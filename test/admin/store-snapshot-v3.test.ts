/**
 * The Store's snapshot methods with API v3's rows, each engine into itself and into the other: orders
 * (stored JSON byte for byte), shop order statuses (JSON translations, a deleted one), the mapping
 * and a feedback type come back exactly, and the orders' sequence moves past the imported ids.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { SnapshotRows } from '../../src/domain/admin/snapshot-types.js';
import type { OrderWrite } from '../../src/domain/orders/types.js';
import type { Integration } from '../../src/domain/types.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';
import { T0, created, storeOpeners, tenant } from './store-fixtures.js';
import type { Opener } from './store-fixtures.js';

const order = (integrationId: number, orderId: string): OrderWrite => ({
  integrationId,
  orderId,
  explicitId: null,
  orderNumber: `Nº-${orderId}`,
  statusCode: 'Paid',
  orderCreatedAtUs: T0 + 11,
  orderUpdatedAtUs: orderId === 'A' ? null : T0 + 12,
  // Spacing and a number JSON.parse would rewrite: the text must survive as written.
  document: `{"order_id": "${orderId}", "total": 1.10}`,
});

async function seeded(store: Store): Promise<void> {
  const t = await created(store, tenant());
  const integration = t.integrations[0] as Integration;
  const upserted = await store.upsertOrders(
    t.account.id,
    [order(integration.id, 'A'), order(integration.id, 'B')],
    T0 + 20,
  );
  assert.equal(upserted.ok, true, JSON.stringify(upserted));
  const statuses = (ids: string[]) =>
    ids.map((externalId) => ({
      externalId,
      translations: [
        { status: `S ${externalId}`, language: 'en-gb' },
        { status: `T ${externalId}`, language: 'nl-nl' },
      ],
    }));
  await store.declareShopOrderStatuses(integration.id, statuses(['1', '2']), T0 + 30);
  await store.declareShopOrderStatuses(integration.id, statuses(['1']), T0 + 31);
  await store.setStatusMapping(integration.id, [
    { statusCategory: 'DELIVERED', externalId: '2' },
    { statusCategory: 'CANCEL', externalId: null },
  ]);
  const updated = await store.updateIntegration(
    t.account.id,
    integration.id,
    { feedbackType: 'none' },
    T0 + 40,
    () => null,
  );
  assert.equal(updated?.feedbackType, 'none');
}

const { sqlite, postgres } = storeOpeners('oi-store-snapshot-v3-');

// A missing server skips the PostgreSQL pairs (and says so); in CI it throws and fails the file.
const probe = await createThrowawayDatabase();
await probe?.drop();
const engines: [string, () => Promise<Opener>][] = [['sqlite', sqlite]];
if (probe !== null) engines.push(['postgres', postgres]);

if (probe === null)
  test('Store snapshot methods with API v3 rows on PostgreSQL', { skip: postgresSkipMessage() });

describe('Store snapshot methods with API v3 rows', () => {
  const opened: Opener[] = [];
  const stores: Store[] = [];
  const fresh = async (make: () => Promise<Opener>): Promise<Store> => {
    const opener = await make();
    opened.push(opener);
    const store = await opener.open();
    stores.push(store);
    return store;
  };
  after(async () => {
    for (const store of stores) await store.close();
    for (const opener of opened) await opener.drop();
  });

  for (const [from, makeSource] of engines) {
    for (const [to, makeTarget] of engines) {
      test(`${from} into ${to}: orders, statuses, mapping and feedback type back exactly`, async () => {
        const source = await fresh(makeSource);
        await seeded(source);
        const rows = (await source.exportSnapshot(null)) as SnapshotRows;
        assert.equal(rows.integrations[0]?.feedback_type, 'none');
        assert.deepEqual(
          rows.orders.map((row) => [row.order_id, row.order_updated_at_us, row.version, row.data]),
          [
            ['A', null, 1, '{"order_id": "A", "total": 1.10}'],
            ['B', T0 + 12, 1, '{"order_id": "B", "total": 1.10}'],
          ],
        );
        assert.deepEqual(
          rows.shop_order_statuses.map((row) => [row.external_id, row.translations, row.deleted_at_us]),
          [
            [
              '1',
              [
                { status: 'S 1', language: 'en-gb' },
                { status: 'T 1', language: 'nl-nl' },
              ],
              null,
            ],
            [
              '2',
              [
                { status: 'S 2', language: 'en-gb' },
                { status: 'T 2', language: 'nl-nl' },
              ],
              T0 + 31,
            ],
          ],
        );
        assert.deepEqual(
          rows.shop_order_status_mappings.map((row) => [row.status_category, row.external_id]),
          [
            ['CANCEL', null],
            ['DELIVERED', '2'],
          ],
        );

        const target = await fresh(makeTarget);
        const outcome = await target.importSnapshot(rows, { all: true });
        assert.ok('imported' in outcome);
        assert.equal(outcome.imported.orders, 2);
        assert.deepEqual(await target.exportSnapshot(null), rows);
        const integration = rows.integrations[0]!;
        const orderIds = rows.orders.map((row) => row.id as number);
        const read = await target.getOrder(integration.account_id as number, orderIds[0]!);
        assert.equal(read?.document, rows.orders[0]!.data);
        // A new order gets an id past the imported ones.
        const next = await target.upsertOrders(
          integration.account_id as number,
          [order(integration.id as number, 'C')],
          T0 + 50,
        );
        assert.equal(next.ok, true, JSON.stringify(next));
        const after = (await target.exportSnapshot(null)) as SnapshotRows;
        assert.ok((after.orders.at(-1)!.id as number) > Math.max(...orderIds));
      });
    }
  }
});

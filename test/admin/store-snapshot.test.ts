/**
 * The Store's snapshot methods, one suite run against SQLite and PostgreSQL: engine-neutral rows in id
 * order, an import that restores them exactly (into the same engine and into the other one), a
 * conflict that writes nothing, and id sequences moved past imported ids.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { newIntegration } from '../../src/domain/accounts.js';
import type { SnapshotRow, SnapshotRows } from '../../src/domain/admin/snapshot-types.js';
import type { StoredTenant } from '../../src/domain/admin/types.js';
import type { Integration } from '../../src/domain/types.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';
import { T0, created as createdTenant, fill, storeOpeners, tenant } from './store-fixtures.js';
import type { Opener } from './store-fixtures.js';

/** A tenant with two integrations, shipments (one with a number JSON would rewrite), a log, a token and a tried webhook. */
async function created(store: Store): Promise<StoredTenant> {
  const t = await createdTenant(
    store,
    tenant({
      integrations: [
        {
          ...newIntegration({
            shopName: 'One',
            webhookActive: true,
            webhookUrl: 'https://h.example/1',
            servicePointEnabled: true,
            servicePointCarriers: ['postnl', 'dhl'],
          }),
          id: null,
        },
        { ...newIntegration({ shopName: 'Two' }), id: null },
      ],
    }),
  );
  await fill(store, t, 2);
  await store.upsertShipments(
    (t.integrations[0] as Integration).id,
    [
      {
        newUuid: randomUUID(),
        externalOrderId: 'o-exact',
        shipmentKey: 's-1',
        externalShipmentId: 's-1',
        orderNumber: 'N-exact',
        shopCreatedAtUs: T0 + 1,
        shopUpdatedAtUs: T0 + 2,
        data: '{"n": 1.10}',
      },
    ],
    T0 + 7,
  );
  const [delivery] = await store.claimWebhooks(T0 + 1, 1_000_000, 10);
  assert.ok(delivery !== undefined);
  await store.recordWebhookAttempt(
    delivery.id,
    { attemptedAtUs: T0 + 2, statusCode: 503, error: null, durationMs: 12 },
    { status: 'pending', nextAttemptAtUs: T0 + 60_000_000 },
  );
  return t;
}

function suite(
  name: string,
  engines: { make: () => Promise<Opener>; other: (() => Promise<Opener>) | null } | string,
) {
  if (typeof engines === 'string') {
    test(`Store snapshot methods: ${name}`, { skip: engines }, () => undefined);
    return;
  }
  describe(`Store snapshot methods: ${name}`, () => {
    const opened: Opener[] = [];
    const fresh = async (make = engines.make): Promise<Store> => {
      const opener = await make();
      opened.push(opener);
      const store = await opener.open();
      cleanups.push(() => store.close());
      return store;
    };
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const close of cleanups) await close();
      for (const opener of opened) await opener.drop();
    });

    test('exportSnapshot: every table in id order, engine-neutral values, no OAuth token; null for no account', async () => {
      const store = await fresh();
      const a = await created(store);
      const b = await created(store);
      const all = (await store.exportSnapshot(null)) as SnapshotRows;
      assert.deepEqual(
        all.accounts.map((row) => row.id),
        [a.account.id, b.account.id],
      );
      assert.equal(all.shipments.length, 6);
      for (const list of Object.values(all)) {
        const listed = list.map((row) => row.id as number);
        assert.deepEqual(
          listed,
          [...listed].sort((x, y) => x - y),
        );
      }
      const [integration] = all.integrations;
      assert.equal(integration?.service_point_enabled, true);
      assert.deepEqual(integration?.service_point_carriers, ['postnl', 'dhl']);
      assert.equal(integration?.webhook_signature_key, a.integrations[0]?.webhookSignatureKey);
      assert.equal(all.credentials[0]?.secret_hash, 'ab'.repeat(32));
      assert.equal(all.shipments[2]?.data, '{"n": 1.10}');
      assert.equal(all.shipments[2]?.shipment_key, 's-1');
      assert.equal(all.webhook_outbox.length, 2);
      assert.equal(all.webhook_attempts.length, 2);
      assert.ok(!('oauth_tokens' in all));

      const one = (await store.exportSnapshot(b.account.id)) as SnapshotRows;
      assert.deepEqual(
        one.accounts.map((row) => row.id),
        [b.account.id],
      );
      assert.ok(one.integrations.every((row) => row.account_id === b.account.id));
      assert.equal(one.shipments.length, 3);
      assert.equal(one.webhook_attempts.length, 1);
      assert.equal(await store.exportSnapshot(999_999), null);
    });

    const targets: [string, () => Promise<Opener>][] = [['the same engine', engines.make]];
    if (engines.other !== null) targets.push(['the other engine', engines.other]);
    for (const [where, make] of targets) {
      test(`importSnapshot into ${where}: the same rows back, sequences moved past them`, async () => {
        const source = await fresh();
        await created(source);
        await created(source);
        const rows = (await source.exportSnapshot(null)) as SnapshotRows;
        const target = await fresh(make);
        const outcome = await target.importSnapshot(rows, { all: true });
        assert.deepEqual(outcome, {
          imported: Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, list.length])),
        });
        assert.deepEqual(await target.exportSnapshot(null), rows);
        const next = await created(target);
        assert.ok(next.account.id > Math.max(...rows.accounts.map((row) => row.id as number)));
        assert.ok(next.integrations[0]!.id > Math.max(...rows.integrations.map((row) => row.id as number)));
        const after = (await target.exportSnapshot(null)) as SnapshotRows;
        assert.ok(after.shipments.at(-1)!.id! > rows.shipments.at(-1)!.id!);
      });
    }

    test('importSnapshot of one account replaces it alone; a conflict writes nothing', async () => {
      const store = await fresh();
      const a = await created(store);
      const b = await created(store);
      const snapshotA = (await store.exportSnapshot(a.account.id)) as SnapshotRows;
      await store.resetData({ accountId: a.account.id, keepAccounts: true });
      const bBefore = await store.exportSnapshot(b.account.id);
      const replaced = await store.importSnapshot(snapshotA, { all: false, accountIds: [a.account.id] });
      assert.ok('imported' in replaced);
      assert.deepEqual(await store.exportSnapshot(a.account.id), snapshotA);
      assert.deepEqual(await store.exportSnapshot(b.account.id), bBefore);

      const before = await store.exportSnapshot(null);
      const clash = structuredClone(snapshotA);
      const bShipment = bBefore!.shipments[0]!;
      const last: SnapshotRow = { ...clash.shipments[2], uuid: bShipment.uuid ?? null };
      clash.shipments[2] = last;
      const outcome = await store.importSnapshot(clash, { all: false, accountIds: [a.account.id] });
      assert.deepEqual(outcome, { conflict: { table: 'shipments', id: last.id } });
      assert.deepEqual(await store.exportSnapshot(null), before);
    });
  });
}

const { sqlite, postgres } = storeOpeners('oi-store-snapshot-');

// A missing server skips the PostgreSQL half (and says so); in CI it throws and fails the file.
const probe = await createThrowawayDatabase();
await probe?.drop();
suite('sqlite', { make: sqlite, other: probe === null ? null : postgres });
suite('postgres', probe === null ? postgresSkipMessage() : { make: postgres, other: sqlite });

/**
 * The WAL bound on the real engine: under a sustained write flood against the built server, the WAL
 * file stays within 1.5× a small configured limit at every sample, it is started over again and again
 * (the checkpoint sequence number in its header counts the restarts), it is within the limit once the
 * load stops, and every acknowledged write is in the database. These are assertions on the state of
 * the files, not on time: the flood's length only decides how much passes through the WAL.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { ShipmentWrite } from '../../src/domain/types.js';
import { runCli, serve } from '../helpers/cli.js';
import { basicHeader, minimalOrder, storedShipments } from '../helpers/server.js';
import { inspect } from './sqlite-kit.js';

const LIMIT_MB = 4;
const LIMIT = LIMIT_MB * 1024 * 1024;
const FLOOD_MS = 12_000;
const WRITERS = 8;
const ORDERS = 20;

/** A new shipment for `store.upsertShipments`, its stored text padded to take WAL space. */
function newShipment(id: string, nowUs: number, padding: number): ShipmentWrite {
  return {
    newUuid: randomUUID(),
    externalOrderId: id,
    shipmentKey: '',
    externalShipmentId: null,
    orderNumber: id,
    shopCreatedAtUs: nowUs,
    shopUpdatedAtUs: nowUs,
    data: JSON.stringify({ external_order_id: id, padding: 'x'.repeat(padding) }),
  };
}

/** Bytes 12–15 of the WAL header: SQLite adds one each time the WAL starts over from its beginning. */
function checkpointSequence(wal: string): number {
  const fd = openSync(wal, 'r');
  try {
    const header = Buffer.alloc(32);
    readSync(fd, header, 0, 32, 0);
    return header.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

describe('the SQLite WAL bound', () => {
  test(`a ${FLOOD_MS / 1000} s write flood keeps the WAL within 1.5× SQLITE_WAL_LIMIT_MB=${LIMIT_MB}, and within the limit after it`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-wal-'));
    const database = join(dir, 'wal.db');
    const wal = `${database}-wal`;
    try {
      const boot = await runCli(['bootstrap', '--json', '--database', database]);
      assert.equal(boot.status, 0, boot.stderr);
      const tenant = JSON.parse(boot.stdout) as Record<string, string | number>;
      const auth = basicHeader(String(tenant.public_key), String(tenant.secret_key));
      const server = await serve(['--database', database], { SQLITE_WAL_LIMIT_MB: String(LIMIT_MB) });
      const url = `${server.url}/api/v2/integrations/${tenant.integration_id}/shipments`;
      const walSize = () => statSync(wal, { throwIfNoEntry: false })?.size ?? 0;
      let stopped = false;
      try {
        const sequenceBefore = checkpointSequence(wal);
        const samples: number[] = [];
        const sampler = setInterval(() => samples.push(walSize()), 20);
        const acknowledged: string[] = [];
        const end = Date.now() + FLOOD_MS;
        let serial = 0;
        await Promise.all(
          Array.from({ length: WRITERS }, async () => {
            while (Date.now() < end) {
              const ids = Array.from({ length: ORDERS }, () => `wal-${++serial}`);
              const response = await fetch(url, {
                method: 'POST',
                headers: { authorization: auth, 'content-type': 'application/json' },
                body: JSON.stringify(
                  ids.map((id) => minimalOrder({ external_order_id: id, order_number: id })),
                ),
              });
              const body = (await response.json()) as { status: string }[];
              assert.equal(response.status, 200, JSON.stringify(body));
              assert.deepEqual(
                body.map((r) => r.status),
                ids.map(() => 'created'),
              );
              acknowledged.push(...ids);
            }
          }),
        );
        clearInterval(sampler);
        samples.push(walSize());
        const restarts = checkpointSequence(wal) - sequenceBefore;
        const peak = Math.max(...samples);
        t.diagnostic(
          `${acknowledged.length} orders; WAL peak ${(peak / 2 ** 20).toFixed(2)} MiB over ${samples.length} samples; ${restarts} restarts; database ${(statSync(database).size / 2 ** 20).toFixed(1)} MiB`,
        );
        assert.ok(peak <= 1.5 * LIMIT, `WAL peak ${peak} bytes, limit ${LIMIT}`);
        assert.ok(peak >= LIMIT / 2, 'the flood filled the WAL to the limit');
        assert.ok(restarts >= 2, `the WAL started over ${restarts} times under the flood`);

        // Once the load stops the WAL is within the limit (polled: a state, not a time).
        const settle = Date.now() + 5_000;
        while (walSize() > LIMIT && Date.now() < settle) await new Promise((r) => setTimeout(r, 100));
        assert.ok(walSize() <= LIMIT, `WAL ${walSize()} bytes after the load`);

        server.child.kill('SIGTERM');
        assert.equal(await server.exited, 0);
        stopped = true;
        const state = inspect(database, acknowledged);
        assert.equal(state.integrity, 'ok');
        assert.equal(state.present.size, acknowledged.length, 'every acknowledged write is there');
      } finally {
        if (!stopped) {
          server.child.kill('SIGKILL');
          await server.exited;
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a reader in another connection keeps the WAL from starting over: writes go on, and the WAL is back within the limit once it ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-wal-reader-'));
    const path = join(dir, 'pinned.db');
    const limit = 1024 * 1024;
    const store = await SqliteStore.open({ path, walLimitBytes: limit });
    const reader = new BetterSqlite3(path, { readonly: true });
    try {
      const nowUs = Date.now() * 1000;
      const account = await store.createAccount({ partner: true, nowUs });
      const integration = await store.createIntegration(
        account.id,
        { shopName: 'Pinned', shopUrl: null, system: 'api', webhookSignatureKey: 'k' },
        nowUs,
      );
      let serial = 0;
      const batch = () =>
        Promise.all(
          Array.from({ length: 8 }, () =>
            store.upsertShipments(
              integration.id,
              Array.from({ length: 25 }, () => newShipment(`pinned-${++serial}`, nowUs, 400)),
              nowUs,
            ),
          ),
        );
      const walSize = () => statSync(`${path}-wal`).size;

      // A read transaction that stays open, as a long report or a backup in another process does.
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM shipments').get();
      for (let i = 0; walSize() <= 3 * limit; i++) {
        assert.ok(i < 1000, 'the WAL grows while the reader holds it');
        await batch();
      }
      const pinned = store.walBoundStats();
      assert.ok(pinned.busy >= 1, 'a restart was tried and the reader kept it from finishing');

      reader.exec('COMMIT');
      // Writes go on; the next restart the backoff allows finishes, and the file is cut to the limit.
      for (let i = 0; walSize() > limit; i++) {
        assert.ok(i < 1000, 'the WAL is cut back to the limit');
        await batch();
      }
      assert.ok(walSize() <= limit);
      const after = store.walBoundStats();
      assert.ok(after.restarts > pinned.restarts);
      assert.equal(
        (reader.prepare('SELECT count(*) AS n FROM shipments').get() as { n: number }).n,
        serial,
        'every write committed',
      );
    } finally {
      reader.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('writes that stop with the WAL over the limit: the WAL is cut back to the limit without another write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-wal-idle-'));
    const path = join(dir, 'idle.db');
    const limit = 1024 * 1024;
    const store = await SqliteStore.open({ path, walLimitBytes: limit });
    try {
      const nowUs = Date.now() * 1000;
      const account = await store.createAccount({ partner: true, nowUs });
      const integration = await store.createIntegration(
        account.id,
        { shopName: 'Idle', shopUrl: null, system: 'api', webhookSignatureKey: 'k' },
        nowUs,
      );
      const walSize = () => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
      // One group commit (every write of one turn) that takes the WAL well past the limit, then nothing.
      const ids = Array.from({ length: 40 }, (_, call) => call);
      const outcomes = await Promise.all(
        ids.map((call) =>
          store.upsertShipments(
            integration.id,
            Array.from({ length: 25 }, (_, i) => newShipment(`idle-${call}-${i}`, nowUs, 1500)),
            nowUs,
          ),
        ),
      );
      assert.equal(outcomes.flat().filter((o) => o.status === 'created').length, 1000);
      assert.ok(walSize() > limit, `the batch took the WAL past the limit (${walSize()} bytes)`);
      // No write follows; the WAL comes back within the limit by itself (polled: a state, not a time).
      const deadline = Date.now() + 20_000;
      while (walSize() > limit && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(walSize() <= limit, `WAL ${walSize()} bytes with no write after the batch`);
      assert.equal(store.walBoundStats().restarts >= 1, true, 'a restart checkpoint cut it');
      assert.equal((await storedShipments(store, integration.id)).length, 1000, 'every write is there');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

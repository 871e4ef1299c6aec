/**
 * The virtual clock with several instances on one PostgreSQL: the setting lives in the database and
 * every instance follows a change (LISTEN/NOTIFY), so a clock frozen through one instance stamps what
 * another writes; the setting is read at start by an instance that joins later. And the clock table's
 * migration upgrades a database of the previous release in place, with its data, on both engines.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import type { RunningServer } from '../../src/server.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { ADMIN_TOKEN, admin, createTenant } from '../admin/helpers.js';
import { call, minimalOrder } from '../helpers/server.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';
import type { ThrowawayDatabase } from '../helpers/postgres.js';

const probe = await createThrowawayDatabase();
await probe?.drop();
const noPostgres = probe === null ? postgresSkipMessage() : false;

const T = '2030-06-01T08:00:00Z';

/** Reads an instance's clock until it shows `now` (an instance hears of a change a moment later). */
async function until(base: string, now: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await admin(base, '/clock');
    assert.equal(answer.status, 200, answer.text);
    if (answer.body.now === now) return;
    if (Date.now() > deadline) throw new Error(`${base} still shows ${answer.text}, not ${now}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('virtual clock on two instances of one PostgreSQL', { skip: noPostgres }, () => {
  let db: ThrowawayDatabase;
  let config: Config;
  let a: RunningServer;
  let b: RunningServer;
  before(async () => {
    db = (await createThrowawayDatabase()) as ThrowawayDatabase;
    config = {
      ...loadConfig({}),
      port: 0,
      database: { kind: 'postgres', url: db.url },
      logLevel: 'silent',
      rateLimit: false,
      adminToken: ADMIN_TOKEN,
      webhookDelivery: 'capture',
    };
    [a, b] = await Promise.all([startServer(config), startServer(config)]);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await db.drop();
  });

  test('frozen through one instance, the other stamps with it; advanced through the other, both move', async () => {
    const frozen = await admin(a.url, '/clock', { method: 'PUT', body: { frozen_at: T } });
    assert.equal(frozen.status, 200, frozen.text);
    await until(b.url, T);

    const t = await createTenant(b.url);
    const pushed = await call(`${b.url}/api/v2/integrations/${t.integrationId}/shipments`, {
      auth: t.basic,
      body: [minimalOrder({ external_order_id: 'multi-1' })],
    });
    assert.equal(pushed.status, 200, pushed.text);
    const listed = await call(`${a.url}/api/v2/integrations/${t.integrationId}/shipments`, { auth: t.basic });
    assert.equal(listed.body.results[0].created_at, T);

    const advanced = await admin(b.url, '/clock', { method: 'PUT', body: { advance_seconds: 3600 } });
    assert.equal(advanced.body.now, '2030-06-01T09:00:00Z');
    await until(a.url, '2030-06-01T09:00:00Z');
    const log = await call(`${a.url}/api/v2/integrations/${t.integrationId}/logs`, {
      auth: t.basic,
      body: { base_url: 'https://shop.example' },
    });
    assert.equal(log.status, 201, log.text);
    assert.equal(log.body.created_at, '2030-06-01T09:00:00Z');

    // Several quick changes through one instance: both end on the last one, none goes back to an earlier.
    for (let i = 1; i <= 5; i++) {
      const step = await admin(a.url, '/clock', { method: 'PUT', body: { advance_seconds: 60 } });
      assert.equal(step.status, 200, step.text);
    }
    await until(b.url, '2030-06-01T09:05:00Z');
    assert.equal((await admin(a.url, '/clock')).body.now, '2030-06-01T09:05:00Z');

    // An instance that starts now reads the setting at start.
    const c = await startServer(config);
    try {
      assert.equal((await admin(c.url, '/clock')).body.now, '2030-06-01T09:05:00Z');
      const real = await admin(c.url, '/clock', { method: 'PUT', body: { real: true } });
      assert.equal(real.body.real, true);
      for (const server of [a, b]) {
        const deadline = Date.now() + 10_000;
        while (!(await admin(server.url, '/clock')).body.real) {
          if (Date.now() > deadline) throw new Error(`${server.url} did not return to real time`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    } finally {
      await c.close();
    }
  });

  test('an instance whose listening connection is cut reconnects and catches up', async () => {
    const admin_ = new pg.Client({ connectionString: db.url });
    await admin_.connect();
    try {
      // Cut both instances' listening connections.
      const cut = await admin_.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'order-inbox clock'`,
      );
      assert.equal(cut.rowCount, 2);
    } finally {
      await admin_.end();
    }
    // Changed while the instances are not listening: they read it when they are back.
    const frozen = await admin(a.url, '/clock', {
      method: 'PUT',
      body: { frozen_at: '2031-01-01T00:00:00Z' },
    });
    assert.equal(frozen.status, 200, frozen.text);
    await until(b.url, '2031-01-01T00:00:00Z');
    await admin(a.url, '/clock', { method: 'PUT', body: { real: true } });
  });
});

describe('the clock table upgrades a database of the previous release in place', () => {
  const previous = async (store: { readClockSetting(): Promise<unknown> }) => store.readClockSetting();

  test('SQLite: data kept, clock table added, real time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-clock-'));
    const path = join(dir, 'old.db');
    try {
      const old = await SqliteStore.open({ path });
      const account = await old.createAccount({ partner: true, nowUs: 1_700_000_000_000_000 });
      await old.close();
      // The previous release's schema: everything but 0009.
      const raw = new BetterSqlite3(path);
      raw.exec("DROP TABLE clock_setting; DELETE FROM schema_migrations WHERE id = '0009_clock';");
      raw.close();
      const upgraded = await SqliteStore.open({ path });
      try {
        assert.deepEqual(await upgraded.getAccount(account.id), account);
        assert.deepEqual(await previous(upgraded), {
          setting: { frozenAtUs: null, offsetUs: 0 },
          version: 0,
        });
        const saved = await upgraded.saveClockSetting({ frozenAtUs: 5, offsetUs: 0 });
        assert.deepEqual(saved, { setting: { frozenAtUs: 5, offsetUs: 0 }, version: 1 });
      } finally {
        await upgraded.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('PostgreSQL: data kept, clock table added, real time', { skip: noPostgres }, async () => {
    const db = (await createThrowawayDatabase()) as ThrowawayDatabase;
    try {
      const old = await PostgresStore.open({ url: db.url });
      const account = await old.createAccount({ partner: false, nowUs: 1_700_000_000_000_000 });
      await old.close();
      const raw = new pg.Client({ connectionString: db.url });
      await raw.connect();
      await raw.query("DROP TABLE clock_setting; DELETE FROM schema_migrations WHERE id = '0009_clock'");
      await raw.end();
      const upgraded = await PostgresStore.open({ url: db.url });
      try {
        assert.deepEqual(await upgraded.getAccount(account.id), account);
        assert.deepEqual(await previous(upgraded), {
          setting: { frozenAtUs: null, offsetUs: 0 },
          version: 0,
        });
        const saved = await upgraded.saveClockSetting({ frozenAtUs: null, offsetUs: -7 });
        assert.deepEqual(saved, { setting: { frozenAtUs: null, offsetUs: -7 }, version: 1 });
        assert.deepEqual(await upgraded.readClockSetting(), saved);
      } finally {
        await upgraded.close();
      }
    } finally {
      await db.drop();
    }
  });
});

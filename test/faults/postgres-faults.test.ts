/**
 * PostgreSQL going away under a running server: the process stays up, every request the fault touches
 * answers a 503 envelope with Retry-After (never a 500, never an acknowledgement of something that did
 * not commit), `/readyz` says why, and the same process serves again once PostgreSQL is back.
 *
 * - Connections killed with `pg_terminate_backend` under eight writers, several times in a row (a
 *   throwaway database on the shared server; only that database's sessions are ended).
 * - A real restart of a cluster the test owns (`pg-cluster.ts`): writers run through the outage.
 * - Another session's lock: the write answers 503 after the lock timeout (or the statement timeout)
 *   and is not committed when the lock goes.
 *
 * Each writer owns its keys and sends one request at a time, so every key has one certain state: what
 * its acknowledged requests made of it. After the fault the whole list is compared with that model.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { serve } from '../helpers/cli.js';
import type { ServeProcess } from '../helpers/cli.js';
import { createPgCluster, pgClusterSkip } from '../helpers/pg-cluster.js';
import type { PgCluster } from '../helpers/pg-cluster.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';
import type { ThrowawayDatabase } from '../helpers/postgres.js';
import {
  bootstrapTenant,
  expectedFields,
  listAllShipments,
  order,
  request,
  stopServe,
  storedFields,
  waitUntil,
} from '../helpers/reliability-kit.js';
import type { HttpAnswer, Tenant } from '../helpers/reliability-kit.js';

const WRITERS = 8;
const UNAVAILABLE = 'The database is unavailable; try again later.';

/** A throwaway database on the shared server; null (the test skips) where it is not reachable. */
const sharedDatabase = createThrowawayDatabase;

/** The 503 every request touched by the fault must get: the v2 envelope, Retry-After in seconds. */
function assertUnavailable(answer: HttpAnswer, path: string): void {
  assert.equal(answer.status, 503, answer.text);
  assert.deepEqual(answer.body, { error: { code: 503, request: path, message: UNAVAILABLE } });
  assert.equal(answer.headers['retry-after'], '5');
}

type Sent = Record<string, unknown>;

interface Ledger {
  /** Keys whose upsert was acknowledged, with what was sent. */
  acked: Map<string, Sent>;
  /** Keys whose delete was acknowledged. */
  deleted: Set<string>;
  /** Keys of an upsert answered 503, with when the request was sent and answered. */
  refused: Map<string, { sentAt: number; answeredAt: number }>;
  /** Keys of a delete answered 503: present or absent, either is right. */
  deleteRefused: Set<string>;
  /** Times a 503 was answered. */
  unavailable: number[];
  /** Anything a correct server never answers: a 500, a wrong body, a reset connection. */
  wrong: string[];
  /** Times an upsert was acknowledged. */
  acknowledgedAt: number[];
}

function newLedger(): Ledger {
  return {
    acked: new Map(),
    deleted: new Set(),
    refused: new Map(),
    deleteRefused: new Set(),
    unavailable: [],
    wrong: [],
    acknowledgedAt: [],
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One writer: upserts of three new keys a request, and now and then a delete of one of its
 * acknowledged keys, until `stop()` says so or `maxRequests` is reached.
 */
async function writer(options: {
  url: string;
  tenant: Tenant;
  name: string;
  ledger: Ledger;
  stop: () => boolean;
  /** Wait between requests (keeps the shared rate limiter's budget). */
  paceMs: number;
  maxRequests: number;
}): Promise<void> {
  const { url, tenant, name, ledger } = options;
  const base = `api/v2/integrations/${tenant.integrationId}/shipments`;
  const mine: string[] = [];
  for (let n = 0; n < options.maxRequests && !options.stop(); n++) {
    if (n % 4 === 3 && mine.length > 0) {
      const key = mine.splice(Math.floor(mine.length / 2), 1)[0] as string;
      const answer = await request(`${url}/${base}/delete`, {
        auth: tenant.auth,
        body: { external_order_id: key, external_shipment_id: null },
      }).catch((error: Error) => error);
      if (answer instanceof Error) ledger.wrong.push(`delete ${key}: ${answer.message}`);
      else if (answer.status === 204 && answer.text === '') ledger.deleted.add(key);
      else if (answer.status === 503) {
        ledger.unavailable.push(Date.now());
        ledger.deleteRefused.add(key);
        try {
          assertUnavailable(answer, `${base}/delete`);
        } catch (error) {
          ledger.wrong.push(`delete ${key}: ${(error as Error).message}`);
        }
        await pause(50);
      } else ledger.wrong.push(`delete ${key}: ${answer.status} ${answer.text}`);
    } else {
      const keys = [0, 1, 2].map((j) => `${name}-${n}-${j}`);
      const orders = keys.map((key) =>
        order({
          externalOrderId: key,
          externalShipmentId: null,
          updatedAt: '2024-03-02T10:00:00Z',
          tag: key,
        }),
      );
      const sentAt = Date.now();
      const answer = await request(`${url}/${base}`, { auth: tenant.auth, body: orders }).catch(
        (error: Error) => error,
      );
      const answeredAt = Date.now();
      if (answer instanceof Error) ledger.wrong.push(`upsert ${keys[0]}: ${answer.message}`);
      else if (answer.status === 200) {
        const statuses = Array.isArray(answer.body)
          ? answer.body.map((r: { status: string }) => r.status)
          : [];
        if (statuses.join() !== 'created,created,created') {
          ledger.wrong.push(`upsert ${keys[0]}: 200 ${answer.text}`);
        }
        keys.forEach((key, j) => ledger.acked.set(key, orders[j] as Sent));
        ledger.acknowledgedAt.push(answeredAt);
        mine.push(...keys);
      } else if (answer.status === 503) {
        ledger.unavailable.push(answeredAt);
        for (const key of keys) ledger.refused.set(key, { sentAt, answeredAt });
        try {
          assertUnavailable(answer, base);
        } catch (error) {
          ledger.wrong.push(`upsert ${keys[0]}: ${(error as Error).message}`);
        }
        await pause(50);
      } else ledger.wrong.push(`upsert ${keys[0]}: ${answer.status} ${answer.text}`);
    }
    if (options.paceMs > 0) await pause(options.paceMs);
  }
}

/**
 * What the store holds afterwards, compared with the writers' model: every acknowledged upsert there
 * field for field, every acknowledged delete gone, no key twice, nothing that was never sent, and a
 * 503'd key present only where its outcome could not be known. Returns the keys answered 503 that are
 * nevertheless stored (a COMMIT whose answer the lost connection took).
 */
async function checkModel(url: string, tenants: Tenant[], ledger: Ledger): Promise<string[]> {
  const stored = new Map<string, unknown>();
  for (const tenant of tenants) {
    for (const shipment of await listAllShipments(url, tenant.integrationId, tenant.auth)) {
      const key = String(shipment.external_order_id);
      assert.equal(stored.has(key), false, `key ${key} is stored twice`);
      stored.set(key, shipment);
    }
  }
  for (const [key, sent] of ledger.acked) {
    if (ledger.deleted.has(key)) {
      assert.equal(stored.has(key), false, `acknowledged delete of ${key} is undone`);
    } else if (!ledger.deleteRefused.has(key)) {
      assert.ok(stored.has(key), `acknowledged upsert of ${key} is lost`);
      assert.deepEqual(storedFields(stored.get(key)), expectedFields(sent), `stored ${key} differs`);
    }
  }
  const unknownButStored: string[] = [];
  for (const key of stored.keys()) {
    if (ledger.acked.has(key)) continue;
    assert.ok(ledger.refused.has(key), `${key} is stored but was never acknowledged nor answered 503`);
    unknownButStored.push(key);
  }
  return unknownButStored;
}

/** One writer per tenant, started at once; `stop()` ends them and resolves when all have finished. */
function startWriters(
  url: string,
  tenants: Tenant[],
  prefix: string,
  options: { paceMs: number; maxRequests: number },
): { ledger: Ledger; stop: () => Promise<void> } {
  const ledger = newLedger();
  let stopping = false;
  const writers = tenants.map((tenant, w) =>
    writer({ url, tenant, name: `${prefix}${w}`, ledger, stop: () => stopping, ...options }),
  );
  return {
    ledger,
    stop: async () => {
      stopping = true;
      await Promise.all(writers);
    },
  };
}

const alive = (proc: ServeProcess): boolean => proc.child.exitCode === null && proc.child.signalCode === null;

describe('PostgreSQL faults', { concurrency: false }, () => {
  test('pg_terminate_backend under eight writers, six times: 503s, no crash, nothing lost', async (t) => {
    const db = await sharedDatabase();
    if (db === null) return t.skip(postgresSkipMessage());
    let proc: ServeProcess | null = null;
    const admin = new pg.Client({ connectionString: db.url });
    try {
      const database = new URL(db.url).pathname.slice(1);
      // Rate limits on: the shared limiter's connections are among those killed.
      proc = await serve(['--database', db.url], { RATE_LIMIT: 'on', LOG_LEVEL: 'warn' });
      const tenants = Array.from({ length: WRITERS }, () => bootstrapTenant(db.url));
      await admin.connect();
      // Paced below the limiter's 15 unsafe requests a second per account.
      const { ledger, stop } = startWriters(proc.url, tenants, 't', { paceMs: 90, maxRequests: 400 });
      const killed: number[] = [];
      for (let round = 0; round < 6; round++) {
        await pause(500);
        const result = await admin.query(
          `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid()) AS t`,
          [database],
        );
        killed.push(Number(result.rows[0].n));
      }
      await pause(500);
      await stop();

      assert.ok(alive(proc), `the server died:\n${proc.output()}`);
      assert.deepEqual(ledger.wrong, []);
      assert.ok(
        killed.some((n) => n > 0),
        `no session of the server was ended: ${killed.join(', ')}`,
      );
      const ready = await request(`${proc.url}/readyz`);
      assert.equal(ready.status, 200, ready.text);
      assert.deepEqual(ready.body, { status: 'ok' });
      const unknown = await checkModel(proc.url, tenants, ledger);
      t.diagnostic(
        `sessions ended per round: ${killed.join(', ')}; ${ledger.acked.size} keys acknowledged, ` +
          `${ledger.deleted.size} deletes acknowledged, ${ledger.unavailable.length} answers 503, ` +
          `${unknown.length} keys answered 503 yet committed`,
      );
    } finally {
      await admin.end().catch(() => undefined);
      await stopServe(proc);
      await db.drop();
    }
  });

  test('a real restart of PostgreSQL: 503s with Retry-After and /readyz 503 during the outage, the same process serves again', async (t) => {
    const skip = pgClusterSkip();
    if (skip !== false) return t.skip(skip);
    let cluster: PgCluster | null = null;
    let proc: ServeProcess | null = null;
    try {
      cluster = await createPgCluster();
      proc = await serve(['--database', cluster.url], { LOG_LEVEL: 'warn', WEBHOOK_POLL_MS: '100' });
      const tenants = Array.from({ length: WRITERS }, () => bootstrapTenant(cluster!.url));
      const { ledger, stop } = startWriters(proc.url, tenants, 'r', { paceMs: 0, maxRequests: 2_000 });
      await pause(1_000);
      const stopStarted = Date.now();
      cluster.stop();
      const down = Date.now();

      // During the outage: every kind of request answers 503, and /readyz says why.
      await pause(300);
      const tenant = tenants[0] as Tenant;
      const list = await request(`${proc.url}/api/v2/integrations/${tenant.integrationId}/shipments`, {
        auth: tenant.auth,
      });
      assertUnavailable(list, `api/v2/integrations/${tenant.integrationId}/shipments`);
      const integrations = await request(`${proc.url}/api/v2/integrations`, { auth: tenant.auth });
      assertUnavailable(integrations, 'api/v2/integrations');
      const patch = await request(`${proc.url}/api/v2/integrations/${tenant.integrationId}`, {
        method: 'PATCH',
        auth: tenant.auth,
        body: { shop_name: 'during the outage' },
      });
      assertUnavailable(patch, `api/v2/integrations/${tenant.integrationId}`);
      const logs = await request(`${proc.url}/api/v2/integrations/logs`, { auth: tenant.auth });
      assertUnavailable(logs, 'api/v2/integrations/logs');
      const token = await request(`${proc.url}/oauth2/token`, {
        auth: tenant.auth,
        body: 'grant_type=client_credentials',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(token.status, 503, token.text);
      assert.deepEqual(token.body, {
        error: 'temporarily_unavailable',
        error_description: UNAVAILABLE,
        status_code: 503,
      });
      assert.equal(token.headers['retry-after'], '5');
      const unready = await request(`${proc.url}/readyz`);
      assert.equal(unready.status, 503, unready.text);
      assert.equal(unready.body.status, 'unavailable');
      assert.match(unready.body.reason, /^PostgreSQL ECONNREFUSED/);
      await pause(1_500);

      const upStarted = Date.now();
      cluster.start();
      const up = Date.now();
      const served = await waitUntil(() => ledger.acknowledgedAt.some((at) => at > up), 30_000);
      assert.ok(served, `no write was acknowledged within 30 s of PostgreSQL's start:\n${proc.output()}`);
      const firstServed = Math.min(...ledger.acknowledgedAt.filter((at) => at > up));
      await waitUntil(async () => (await request(`${proc!.url}/readyz`)).status === 200, 10_000);
      await pause(1_000);
      await stop();

      assert.ok(alive(proc), `the server died:\n${proc.output()}`);
      assert.deepEqual(ledger.wrong, []);
      const ready = await request(`${proc.url}/readyz`);
      assert.equal(ready.status, 200, ready.text);
      assert.deepEqual(ready.body, { status: 'ok' });
      // The integration whose update was refused is unchanged, and a new update goes through.
      const integration = await request(`${proc.url}/api/v2/integrations/${tenant.integrationId}`, {
        auth: tenant.auth,
      });
      assert.equal(integration.status, 200);
      assert.notEqual(integration.body.shop_name, 'during the outage');

      const outage = ledger.unavailable.filter((at) => at >= stopStarted);
      assert.ok(outage.length > 0, 'no write was answered 503 during the outage');
      const unknown = await checkModel(proc.url, tenants, ledger);
      // Sent after PostgreSQL was down and answered before it started again: certainly not committed.
      for (const [key, times] of ledger.refused) {
        if (times.sentAt > down && times.answeredAt < upStarted) {
          assert.equal(unknown.includes(key), false, `${key} was answered 503 in the outage yet stored`);
        }
      }
      // The webhook dispatcher polled through the outage, backed off, and lived on.
      assert.match(proc.output(), /webhook dispatch paused: database unavailable/);

      // Read-only transactions (as on a standby being promoted, or set by an operator): unready, and
      // a write answers 503 and is not stored; ready again once writes can commit.
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      try {
        await admin.query('ALTER SYSTEM SET default_transaction_read_only = on');
        await admin.query('SELECT pg_reload_conf()');
        const readOnly = await waitUntil(
          async () => (await request(`${proc!.url}/readyz`)).status === 503,
          5_000,
        );
        assert.ok(readOnly, '/readyz stayed ready with read-only transactions');
        const unwritable = await request(`${proc.url}/readyz`);
        assert.deepEqual(unwritable.body, {
          status: 'unavailable',
          reason: 'PostgreSQL transactions are read-only: writes cannot commit',
        });
        const base = `api/v2/integrations/${tenant.integrationId}/shipments`;
        const refused = await request(`${proc.url}/${base}`, {
          auth: tenant.auth,
          body: [
            order({
              externalOrderId: 'RO-1',
              externalShipmentId: null,
              updatedAt: '2024-03-02T10:00:00Z',
              tag: 'ro',
            }),
          ],
        });
        assertUnavailable(refused, base);
        await admin.query('ALTER SYSTEM RESET default_transaction_read_only');
        await admin.query('SELECT pg_reload_conf()');
        assert.ok(await waitUntil(async () => (await request(`${proc!.url}/readyz`)).status === 200, 5_000));
        const stored = await admin.query(
          "SELECT count(*)::int AS n FROM shipments WHERE external_order_id = 'RO-1'",
        );
        assert.equal(stored.rows[0].n, 0);
      } finally {
        await admin.end();
      }

      t.diagnostic(
        `outage ${upStarted - stopStarted} ms; ${outage.length} answers 503 from the stop on; ` +
          `first write acknowledged ${firstServed - up} ms after PostgreSQL accepted connections again; ` +
          `${ledger.acked.size} keys acknowledged, ${ledger.deleted.size} deletes acknowledged, ` +
          `${unknown.length} keys answered 503 yet committed`,
      );
    } finally {
      await stopServe(proc);
      cluster?.destroy();
    }
  });

  describe('another session holds a lock', () => {
    const databases: ThrowawayDatabase[] = [];
    after(async () => {
      for (const db of databases) await db.drop();
    });

    for (const variant of [
      { name: 'lock_timeout', env: { PG_LOCK_TIMEOUT_MS: '500', PG_STATEMENT_TIMEOUT_MS: '10000' } },
      { name: 'statement_timeout', env: { PG_LOCK_TIMEOUT_MS: '0', PG_STATEMENT_TIMEOUT_MS: '800' } },
    ]) {
      test(`a write behind the lock answers 503 (${variant.name}) and is not committed when the lock goes`, async (t) => {
        const db = await sharedDatabase();
        if (db === null) return t.skip(postgresSkipMessage());
        databases.push(db);
        let proc: ServeProcess | null = null;
        const locker = new pg.Client({ connectionString: db.url });
        try {
          proc = await serve(['--database', db.url], { LOG_LEVEL: 'warn', ...variant.env });
          const tenant = bootstrapTenant(db.url);
          const base = `api/v2/integrations/${tenant.integrationId}/shipments`;
          const first = order({
            externalOrderId: 'L1',
            externalShipmentId: null,
            updatedAt: '2024-03-02T10:00:00Z',
            tag: 'first',
          });
          const other = order({
            externalOrderId: 'L2',
            externalShipmentId: null,
            updatedAt: '2024-03-02T10:00:00Z',
            tag: 'other',
          });
          const fresh = order({
            externalOrderId: 'L3',
            externalShipmentId: null,
            updatedAt: '2024-03-02T10:00:00Z',
            tag: 'fresh',
          });
          const created = await request(`${proc.url}/${base}`, { auth: tenant.auth, body: [first] });
          assert.equal(created.status, 200, created.text);
          assert.equal(created.body[0].status, 'created');
          await locker.connect();

          // A row lock: the update of that very order waits for it.
          await locker.query('BEGIN');
          await locker.query("SELECT * FROM shipments WHERE external_order_id = 'L1' FOR UPDATE");
          const changed = { ...first, name: 'Name changed', updated_at: '2024-03-03T10:00:00Z' };
          const started = Date.now();
          const blocked = await request(`${proc.url}/${base}`, { auth: tenant.auth, body: [changed] });
          const waitedRowMs = Date.now() - started;
          assertUnavailable(blocked, base);
          // The delete of the same row too.
          const blockedDelete = await request(`${proc.url}/${base}/delete`, {
            auth: tenant.auth,
            body: { shipment_uuid: created.body[0].shipment_uuid },
          });
          assertUnavailable(blockedDelete, `${base}/delete`);
          // Other orders are not held up by that row.
          const unheld = await request(`${proc.url}/${base}`, { auth: tenant.auth, body: [other] });
          assert.equal(unheld.status, 200, unheld.text);
          assert.equal(unheld.body[0].status, 'created');
          await locker.query('COMMIT');

          // A table lock: every write waits, and /readyz says the table is locked.
          await locker.query('BEGIN');
          await locker.query('LOCK TABLE shipments IN EXCLUSIVE MODE');
          const blockedNew = await request(`${proc.url}/${base}`, { auth: tenant.auth, body: [fresh] });
          assertUnavailable(blockedNew, base);
          const unready = await request(`${proc.url}/readyz`);
          assert.equal(unready.status, 503, unready.text);
          assert.match(
            unready.body.reason,
            /^PostgreSQL 55P03: could not obtain lock on relation "shipments"/,
          );
          await locker.query('COMMIT');
          await pause(500);

          // Nothing refused was committed once the locks went.
          const listed = await listAllShipments(proc.url, tenant.integrationId, tenant.auth);
          assert.deepEqual(
            listed.map((s) => storedFields(s)),
            [expectedFields(other), expectedFields(first)],
          );
          const ready = await request(`${proc.url}/readyz`);
          assert.equal(ready.status, 200, ready.text);
          // And the refused write goes through when sent again.
          const retried = await request(`${proc.url}/${base}`, { auth: tenant.auth, body: [changed] });
          assert.equal(retried.status, 200, retried.text);
          assert.deepEqual(
            { status: retried.body[0].status, uuid: retried.body[0].shipment_uuid },
            { status: 'updated', uuid: created.body[0].shipment_uuid },
          );
          assert.ok(alive(proc));
          t.diagnostic(`${variant.name}: the write behind a row lock answered 503 after ${waitedRowMs} ms`);
        } finally {
          await locker.end().catch(() => undefined);
          await stopServe(proc);
        }
      });
    }
  });
});

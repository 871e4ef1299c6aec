/**
 * SQLite under faults of its files, on the real engine: a full disk (a small tmpfs this test mounts),
 * a lock held by another connection beyond busy_timeout, the database's folder moved or deleted under
 * the running server, a COMMIT and a ROLLBACK that fail. Each time: 503 envelopes with Retry-After,
 * never a 500 and never a 200 for a write that is not durable in the file the next start opens;
 * /readyz unready with the reason, and ready again once the cause is gone; every acknowledged write
 * present and `PRAGMA integrity_check` ok afterwards.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { WriteQueue } from '../../src/storage/sqlite/write-queue.js';
import { inspect, withExt4, withTmpfs } from './sqlite-kit.js';
import { call, envelope, minimalOrder, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';

const UNAVAILABLE = 'The database is unavailable; try again later.';

/** Polls `check` until it holds (the state, not the time, is what the test asserts). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const readyz = async (srv: TestServer) => {
  const answer = await fetch(`${srv.url}/readyz`);
  return { status: answer.status, body: (await answer.json()) as { status: string; reason?: string } };
};

/** One upsert of `count` orders with fresh ids; the ids and the answer. */
let serial = 0;
async function upsert(srv: TestServer, tenant: Tenant, count: number) {
  const ids = Array.from({ length: count }, () => `order-${++serial}`);
  const path = `api/v2/integrations/${tenant.integrationId}/shipments`;
  // Plain fetch, not `call()`: the served OpenAPI document does not list 503 yet, and `call()` checks
  // every answer against it.
  const response = await fetch(`${srv.url}/${path}`, {
    method: 'POST',
    headers: { authorization: tenant.basic, 'content-type': 'application/json' },
    body: JSON.stringify(ids.map((id) => minimalOrder({ external_order_id: id, order_number: id }))),
  });
  const text = await response.text();
  const answer = { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
  if (answer.status === 200) {
    assert.deepEqual(
      answer.body.map((r: { status: string }) => r.status),
      ids.map(() => 'created'),
    );
  } else {
    assert.equal(answer.status, 503, answer.text);
    assert.deepEqual(answer.body, envelope(503, path, UNAVAILABLE));
    assert.equal(answer.headers.get('retry-after'), '5');
  }
  return { ids, status: answer.status };
}

describe('SQLite faults: 503, never a false acknowledgement, and recovery', () => {
  test('a full disk: 503s, readyz unready, every acknowledged write kept, ready again once space is freed', async (t) => {
    await withTmpfs(t, 12, async (dir) => {
      const path = join(dir, 'data', 'full.db');
      const srv = await startTestServer({
        database: { kind: 'sqlite', path },
        sqliteWalLimitMb: 1,
      });
      const acknowledged: string[] = [];
      const refused: string[] = [];
      let closed = false;
      try {
        const tenant = await srv.tenant();
        const before = await upsert(srv, tenant, 10);
        assert.equal(before.status, 200);
        acknowledged.push(...before.ids);

        // Everything else the filesystem has goes to a filler file.
        const filler = join(dir, 'filler');
        const chunk = Buffer.alloc(64 * 1024, 1);
        writeFileSync(filler, '');
        try {
          for (;;) writeFileSync(filler, chunk, { flag: 'a' });
        } catch (error) {
          assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
        }

        for (let i = 0; i < 400 && refused.length === 0; i++) {
          const result = await upsert(srv, tenant, 50);
          (result.status === 200 ? acknowledged : refused).push(...result.ids);
        }
        assert.ok(refused.length > 0, 'writes on a full disk are refused');
        const unready = await readyz(srv);
        assert.equal(unready.status, 503);
        assert.equal(unready.body.status, 'unavailable');
        assert.match(unready.body.reason ?? '', /SQLITE_FULL|disk full/);
        // Reads still answer.
        const list = await call(`${srv.url}/api/v2/integrations/${tenant.integrationId}/shipments`, {
          auth: tenant.basic,
        });
        assert.equal(list.status, 200);

        rmSync(filler);
        await eventually('ready after space is freed', async () => (await readyz(srv)).status === 200);
        const after = await upsert(srv, tenant, 10);
        assert.equal(after.status, 200);
        acknowledged.push(...after.ids);

        await srv.close();
        closed = true;
        t.diagnostic(`${acknowledged.length} orders acknowledged, ${refused.length} refused`);
        const state = inspect(path, [...acknowledged, ...refused]);
        assert.equal(state.integrity, 'ok');
        assert.deepEqual(
          acknowledged.filter((id) => !state.present.has(id)),
          [],
          'every acknowledged write is there',
        );
        assert.deepEqual(
          refused.filter((id) => state.present.has(id)),
          [],
          'no refused write was applied',
        );
      } finally {
        if (!closed) await srv.close();
      }
    });
  });

  test('the filesystem turns read-only under the running server: 503s, readyz unready; after a restart every acknowledged write is there', async (t) => {
    await withExt4(t, async (fs) => {
      const path = join(fs.dir, 'orders.db');
      const srv = await startTestServer({ database: { kind: 'sqlite', path } });
      const acknowledged: string[] = [];
      let closed = false;
      try {
        const tenant = await srv.tenant();
        for (let i = 0; i < 5; i++) {
          const result = await upsert(srv, tenant, 20);
          assert.equal(result.status, 200);
          acknowledged.push(...result.ids);
        }
        fs.fail();
        const refused = await upsert(srv, tenant, 20);
        assert.equal(refused.status, 503);
        const again = await upsert(srv, tenant, 1);
        assert.equal(again.status, 503);
        const unready = await readyz(srv);
        assert.equal(unready.status, 503);
        assert.match(unready.body.reason ?? '', /SQLITE_(IOERR|READONLY)/);
        // The process stays up and closes cleanly although nothing can be written.
        await srv.close();
        closed = true;

        // The operator's remedy: check the filesystem, mount it again, start again.
        fs.remount();
        const state = inspect(path, [...acknowledged, ...refused.ids, ...again.ids]);
        assert.equal(state.integrity, 'ok');
        assert.deepEqual(
          acknowledged.filter((id) => !state.present.has(id)),
          [],
          'every acknowledged write is there',
        );
        assert.deepEqual(
          [...refused.ids, ...again.ids].filter((id) => state.present.has(id)),
          [],
        );
        const restarted = await startTestServer({ database: { kind: 'sqlite', path } });
        try {
          assert.equal((await readyz(restarted)).status, 200);
          const more = await restarted.tenant();
          assert.equal((await upsert(restarted, more, 3)).status, 200);
        } finally {
          await restarted.close();
        }
      } finally {
        if (!closed) await srv.close();
      }
    });
  });

  test('a lock held by another connection beyond busy_timeout: 503, readyz unready, recovery once released', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-lock-'));
    const path = join(dir, 'lock.db');
    const srv = await startTestServer({ database: { kind: 'sqlite', path }, sqliteBusyTimeoutMs: 200 });
    const other = new BetterSqlite3(path);
    try {
      const tenant = await srv.tenant();
      const first = await upsert(srv, tenant, 3);
      assert.equal(first.status, 200);
      assert.equal((await readyz(srv)).status, 200);

      other.exec('BEGIN IMMEDIATE');
      // No write of ours has failed yet: the probe finds the lock by itself.
      await eventually('unready while the lock is held', async () => (await readyz(srv)).status === 503);
      assert.match((await readyz(srv)).body.reason ?? '', /SQLITE_BUSY/);
      const refused = await upsert(srv, tenant, 3);
      assert.equal(refused.status, 503);
      assert.match((await readyz(srv)).body.reason ?? '', /SQLITE_BUSY/);

      other.exec('ROLLBACK');
      await eventually('ready once the lock is released', async () => (await readyz(srv)).status === 200);
      const after = await upsert(srv, tenant, 3);
      assert.equal(after.status, 200);

      const state = inspect(path, [...first.ids, ...refused.ids, ...after.ids]);
      assert.equal(state.integrity, 'ok');
      assert.deepEqual([...state.present].sort(), [...first.ids, ...after.ids].sort());
    } finally {
      other.close();
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the database folder moved away under the running server: unready, writes 503, every acknowledged write in the moved file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-gone-'));
    const path = join(dir, 'data', 'gone.db');
    const srv = await startTestServer({ database: { kind: 'sqlite', path } });
    const acknowledged: string[] = [];
    try {
      const tenant = await srv.tenant();
      let moved = false;
      let refusedAfterMove = 0;
      // Four writers keep batches in flight while the folder goes.
      const writers = Array.from({ length: 4 }, async () => {
        while (refusedAfterMove < 20) {
          const result = await upsert(srv, tenant, 5);
          if (result.status === 200) acknowledged.push(...result.ids);
          else if (moved) refusedAfterMove++;
          else assert.fail('a write was refused before the folder moved');
        }
      });
      await eventually('some writes acknowledged', async () => acknowledged.length >= 100);
      renameSync(join(dir, 'data'), join(dir, 'data.moved'));
      moved = true;
      const acknowledgedAtMove = acknowledged.length;
      await Promise.all(writers);
      // Once a batch has seen the move, nothing more is acknowledged.
      assert.ok(acknowledged.length - acknowledgedAtMove <= 20, 'at most the batches already committed');
      const last = await upsert(srv, tenant, 1);
      assert.equal(last.status, 503);
      const unready = await readyz(srv);
      assert.equal(unready.status, 503);
      assert.match(unready.body.reason ?? '', /was deleted, moved or replaced while the server ran/);

      await srv.close();
      const state = inspect(join(dir, 'data.moved', 'gone.db'), acknowledged);
      assert.equal(state.integrity, 'ok');
      assert.equal(state.present.size, acknowledged.length, 'every acknowledged write is in the moved file');
    } finally {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the database folder deleted under the running server: unready and every write 503', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-deleted-'));
    const path = join(dir, 'data', 'deleted.db');
    const srv = await startTestServer({ database: { kind: 'sqlite', path } });
    try {
      const tenant = await srv.tenant();
      assert.equal((await upsert(srv, tenant, 2)).status, 200);
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      for (let i = 0; i < 3; i++) assert.equal((await upsert(srv, tenant, 2)).status, 503);
      const unready = await readyz(srv);
      assert.equal(unready.status, 503);
      assert.match(unready.body.reason ?? '', /deleted\.db was deleted, moved or replaced/);
      // A folder made again at the path is not the file the server has open: still unready.
      mkdirSync(join(dir, 'data'));
      assert.equal((await upsert(srv, tenant, 2)).status, 503);
      assert.equal((await readyz(srv)).status, 503);
    } finally {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite write queue: a failing COMMIT or ROLLBACK fails its whole batch, and the next batch runs', () => {
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-queue-'));
    const db = new BetterSqlite3(join(dir, 'queue.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (id INTEGER PRIMARY KEY,
        parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`);
    return {
      db,
      rows: () => db.prepare('SELECT id FROM child ORDER BY id').pluck().all(),
      cleanup: () => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
  const settle = (promises: Promise<unknown>[]) => Promise.allSettled(promises);

  test('a COMMIT that fails (a deferred foreign key): every write of the batch rejected, none applied', async () => {
    const { db, rows, cleanup } = open();
    const outcomes: unknown[] = [];
    const queue = new WriteQueue(db, { outcome: (error) => outcomes.push(error) });
    try {
      const insert = db.prepare('INSERT INTO child (id, parent_id) VALUES (?, ?)');
      const batch = await settle([
        queue.enqueue(() => insert.run(1, null)),
        queue.enqueue(() => insert.run(2, 999)),
        queue.enqueue(() => insert.run(3, null)),
      ]);
      assert.deepEqual(
        batch.map((r) => r.status),
        ['rejected', 'rejected', 'rejected'],
      );
      assert.match(String((batch[0] as PromiseRejectedResult).reason), /FOREIGN KEY constraint failed/);
      assert.equal(db.inTransaction, false);
      assert.deepEqual(rows(), []);
      assert.deepEqual(await queue.enqueue(() => insert.run(4, null).changes), 1);
      assert.deepEqual(rows(), [4]);
      assert.equal(outcomes.length, 2);
      assert.equal(outcomes[1], null);
    } finally {
      cleanup();
    }
  });

  test('a ROLLBACK that fails leaves no transaction for the next batch to run inside', async () => {
    const { db, rows, cleanup } = open();
    const queue = new WriteQueue(db);
    try {
      const insert = db.prepare('INSERT INTO child (id, parent_id) VALUES (?, ?)');
      db.prepare('INSERT INTO parent (id) VALUES (1), (2)').run();
      // A write that fails with a query still open: SQLite cannot roll back under it.
      let cursor: IterableIterator<unknown> | null = null;
      const batch = await settle([
        queue.enqueue(() => insert.run(1, null)),
        queue.enqueue(() => {
          cursor = db.prepare('SELECT id FROM parent').iterate();
          cursor.next();
          throw new Error('this write fails');
        }),
        queue.enqueue(() => insert.run(2, null)),
      ]);
      assert.deepEqual(
        batch.map((r) => r.status),
        ['rejected', 'rejected', 'rejected'],
      );
      assert.equal(db.inTransaction, true, 'the failed ROLLBACK left the transaction open');
      // While the query stays open, the next batch cannot roll it back either: rejected, not nested.
      const blocked = await settle([queue.enqueue(() => insert.run(3, null))]);
      assert.equal(blocked[0]?.status, 'rejected');
      (cursor as IterableIterator<unknown> | null)?.return?.();
      assert.equal(await queue.enqueue(() => insert.run(4, null).changes), 1);
      assert.equal(db.inTransaction, false);
      assert.deepEqual(rows(), [4], 'only the write after the recovery committed');
    } finally {
      cleanup();
    }
  });
});

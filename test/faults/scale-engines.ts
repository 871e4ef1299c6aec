import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';

/** The database beside a store, read (and on PostgreSQL set up) with SQL of its own dialect. */
export interface RawDatabase {
  dialect: 'sqlite' | 'postgres';
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

/**
 * One test per engine, each on a new, migrated database: the store, and a second connection to read
 * its tables directly. PostgreSQL skips (saying so) when it is not reachable, and fails in CI.
 */
export async function onBothEngines(
  title: string,
  run: (store: Store, raw: RawDatabase) => Promise<void>,
): Promise<void> {
  describe(`${title} (sqlite)`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'oi-scale-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    test(title, async () => {
      const path = join(dir, 'scale.db');
      const store = await SqliteStore.open({ path });
      const db = new BetterSqlite3(path);
      try {
        await run(store, {
          dialect: 'sqlite',
          query: async (sql, params = []) => {
            const statement = db.prepare(sql);
            if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
            statement.run(...params);
            return [];
          },
        });
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
  describe(`${title} (postgres)`, { skip: database === null ? postgresSkipMessage() : false }, () => {
    test(title, async () => {
      const url = database?.url ?? '';
      const store = await PostgresStore.open({ url, poolSize: 2 });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await run(store, {
          dialect: 'postgres',
          query: async (sql, params = []) => (await client.query(sql, params)).rows,
        });
      } finally {
        await client.end();
        await store.close();
      }
    });
  });
}

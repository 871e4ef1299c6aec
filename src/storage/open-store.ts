import type { Config } from '../config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The adapter is chosen by configuration: an SQLite path today. Migrations run first. */
export async function openStore(
  config: Pick<Config, 'database' | 'sqliteSynchronous' | 'pgPoolSize'>,
): Promise<Store> {
  if (config.database.kind === 'postgres') {
    throw new Error('PostgreSQL is not supported by this build yet; use an SQLite path');
  }
  return SqliteStore.open({ path: config.database.path, synchronous: config.sqliteSynchronous });
}

import type { Config } from '../config.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The adapter is chosen by configuration: a `postgres://` URL or an SQLite path. Migrations run first. */
export async function openStore(
  config: Pick<Config, 'database' | 'sqliteSynchronous' | 'pgPoolSize'> &
    Partial<
      Pick<Config, 'pgStatementTimeoutMs' | 'pgLockTimeoutMs' | 'sqliteWalLimitMb' | 'sqliteBusyTimeoutMs'>
    >,
): Promise<Store> {
  if (config.database.kind === 'postgres') {
    return PostgresStore.open({
      url: config.database.url,
      poolSize: config.pgPoolSize,
      statementTimeoutMs: config.pgStatementTimeoutMs,
      lockTimeoutMs: config.pgLockTimeoutMs,
    });
  }
  return SqliteStore.open({
    path: config.database.path,
    synchronous: config.sqliteSynchronous,
    walLimitBytes: config.sqliteWalLimitMb === undefined ? undefined : config.sqliteWalLimitMb * 1024 * 1024,
    busyTimeoutMs: config.sqliteBusyTimeoutMs,
  });
}

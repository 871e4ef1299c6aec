import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ThrowawayDatabase {
  /** Connection URL of a new, empty database. */
  url: string;
  /** Drops it, ending whatever connections are still open on it. */
  drop(): Promise<void>;
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server the PostgreSQL tests use; `TEST_POSTGRES_URL` points them elsewhere. */
export function testPostgresUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? DEFAULT_URL;
}

/** The URL without its password, fit for test output. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** What a suite prints (through node:test's `skip`) when it cannot reach PostgreSQL. */
export function postgresSkipMessage(): string {
  return `PostgreSQL not reachable at ${shown(testPostgresUrl())}: the PostgreSQL tests did not run`;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A new database `oi_test_<random>` on the test server, for one test file (or one test that needs an
 * empty database). Returns null when the server cannot be reached, so the suite skips with
 * `postgresSkipMessage()`; in CI (`CI` set) an unreachable server is a failure, not a skip.
 */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase | null> {
  const serverUrl = testPostgresUrl();
  const name = `oi_test_${randomBytes(6).toString('hex')}`;
  try {
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  } catch (error) {
    if (process.env.CI) {
      throw new Error(`${postgresSkipMessage()} (CI requires PostgreSQL): ${(error as Error).message}`, {
        cause: error,
      });
    }
    return null;
  }
  let dropped = false;
  return {
    url: withDatabase(serverUrl, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

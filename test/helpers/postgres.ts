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

/** Databases of this age or more whose suite is not connected are left over from interrupted runs. */
const ABANDONED_AFTER_SECONDS = 3600;
/** `oi_test_<unix seconds>_<random>`: the name says when the database was made. */
const TIMED_NAME = /^oi_test_(\d{10})_[0-9a-f]{8}$/;
/** `oi_test_<random>`, the names of earlier releases: their age is their directory's. */
const LEGACY_NAME = /^oi_test_[0-9a-f]{12}$/;

export interface CleanupOptions {
  /** The time to measure ages from, in milliseconds (tests move it). */
  now?: number;
  /** Which of the test databases may be dropped (tests restrict it to their own). */
  only?: (name: string) => boolean;
}

/**
 * Drops the test databases that interrupted runs left behind: only those an hour old or more, and
 * only when nothing is connected to them, since other suites may be running on the same server at the
 * same time. An age that cannot be read (a server that does not let this user read its files) keeps
 * the database. Returns the names dropped; failures are not the test run's business and drop nothing.
 */
export async function dropAbandonedDatabases(
  serverUrl: string,
  options: CleanupOptions = {},
): Promise<string[]> {
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  const dropped: string[] = [];
  try {
    await client.connect();
    const { rows } = await client.query<{ datname: string; oid: string }>(
      "SELECT datname, oid::text AS oid FROM pg_database WHERE datname LIKE 'oi\\_test\\_%'",
    );
    for (const { datname, oid } of rows) {
      if (options.only && !options.only(datname)) continue;
      let createdSeconds: number | null = null;
      const timed = TIMED_NAME.exec(datname);
      if (timed) createdSeconds = Number(timed[1]);
      else if (LEGACY_NAME.test(datname)) {
        createdSeconds = await client
          .query<{ created: number }>(
            "SELECT extract(epoch FROM (pg_stat_file('base/' || $1 || '/PG_VERSION')).modification)::float8 AS created",
            [oid],
          )
          .then((result) => result.rows[0]?.created ?? null)
          .catch(() => null);
      }
      if (createdSeconds === null || nowSeconds - createdSeconds < ABANDONED_AFTER_SECONDS) continue;
      const connected = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [datname],
      );
      if ((connected.rows[0]?.n ?? 1) > 0) continue;
      // No FORCE: a suite that connects in the meantime makes the drop fail, and its database stays.
      const ok = await client.query(`DROP DATABASE IF EXISTS "${datname}"`).then(
        () => true,
        () => false,
      );
      if (ok) dropped.push(datname);
    }
  } catch {
    // An unreachable server is reported by the suites that need it, not here.
  } finally {
    await client.end().catch(() => undefined);
  }
  return dropped;
}

let cleanup: Promise<string[]> | null = null;

/**
 * A new database `oi_test_<unix seconds>_<random>` on the test server, for one test file (or one test
 * that needs an empty database). Returns null when the server cannot be reached, so the suite skips
 * with `postgresSkipMessage()`; in CI (`CI` set) an unreachable server is a failure, not a skip. The
 * first one a test process makes also drops what interrupted runs left behind.
 */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase | null> {
  const serverUrl = testPostgresUrl();
  cleanup ??= dropAbandonedDatabases(serverUrl);
  await cleanup;
  const name = `oi_test_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
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

/**
 * The one reader of the environment. Every setting has a default that runs the embedded SQLite server
 * on 127.0.0.1:3000; command-line flags override the environment. Invalid settings fail at start-up,
 * all listed at once.
 */
export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Config {
  host: string;
  port: number;
  database: DatabaseConfig;
  /** SQLite `synchronous`: `full` survives power loss, `normal` only a process crash. */
  sqliteSynchronous: 'full' | 'normal';
  pgPoolSize: number;
  pageSize: number;
  bodyLimitBytes: number;
  tokenTtlSeconds: number;
  rateLimit: boolean;
  /** Host used in absolute `next`/`previous` links; null means the request's own Host. */
  publicBaseUrl: string | null;
  /** Honour X-Forwarded-Proto/-Host/-For (only behind a proxy you trust). */
  trustProxy: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Optional HMAC key for API secret digests; changing it invalidates every stored secret. */
  secretPepper: string | null;
  /** Header and idle timeouts, so a slow client cannot hold a connection. */
  requestTimeoutMs: number;
  /** Time a client has to send the request headers (slowloris). */
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** First retry delay of a failed webhook; later ones double, capped at 12× (5 min → 1 h by default). */
  webhookRetryBaseMs: number;
  /** Deliver webhooks to loopback and private networks (the development case); off for services. */
  webhookAllowPrivate: boolean;
  /** How often each instance looks for due webhook deliveries. */
  webhookPollMs: number;
  /** Serve health, metrics and documentation on this port instead of the API port (null: same port). */
  opsPort: number | null;
  opsHost: string;
  /** PostgreSQL `statement_timeout` per connection, also the longest wait for a connection (0: none). */
  pgStatementTimeoutMs: number;
  /** PostgreSQL `lock_timeout` per connection: the longest a write waits behind another session (0: none). */
  pgLockTimeoutMs: number;
  /** The size the SQLite WAL is kept under: past it, writes wait for a checkpoint that restarts it. */
  sqliteWalLimitMb: number;
  /** How long an SQLite write waits for a lock held by another connection before a 503. */
  sqliteBusyTimeoutMs: number;
  /**
   * Bearer token of the admin API (`/__admin`: tenants, reset); null keeps the admin API off. Whoever
   * holds it can create and wipe every account.
   */
  adminToken: string | null;
  /**
   * Bytes of request bodies being read at once, across all requests; beyond it a 503. Small, as a
   * parsed and validated upload takes several times its bytes in memory.
   */
  bodyMemoryLimitBytes: number;
  /** Delivered and given-up webhook deliveries, with their attempts, are kept this many days. */
  webhookRetentionDays: number;
  /**
   * `send` POSTs webhooks to their receivers; `capture` records each delivery as delivered, with the
   * body and signature it would have carried, and contacts nobody (a CI stand-in must not leak).
   */
  webhookDelivery: 'send' | 'capture';
  /** The request journal's bounds (admin API only): entries kept, bytes they may hold, bytes of one body. */
  journalMaxEntries: number;
  journalMaxBytes: number;
  journalBodyLimitBytes: number;
}

export type ConfigOverrides = Partial<Record<keyof typeof ENV_NAMES, string | undefined>>;

const ENV_NAMES = {
  host: 'HOST',
  port: 'PORT',
  database: 'DATABASE_URL',
  sqliteSynchronous: 'SQLITE_SYNCHRONOUS',
  pgPoolSize: 'PG_POOL_SIZE',
  pageSize: 'PAGE_SIZE',
  bodyLimitBytes: 'BODY_LIMIT_BYTES',
  tokenTtlSeconds: 'TOKEN_TTL_SECONDS',
  rateLimit: 'RATE_LIMIT',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  trustProxy: 'TRUST_PROXY',
  logLevel: 'LOG_LEVEL',
  secretPepper: 'SECRET_PEPPER',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  headersTimeoutMs: 'HEADERS_TIMEOUT_MS',
  keepAliveTimeoutMs: 'KEEP_ALIVE_TIMEOUT_MS',
  webhookRetryBaseMs: 'WEBHOOK_RETRY_BASE_MS',
  webhookAllowPrivate: 'WEBHOOK_ALLOW_PRIVATE',
  webhookPollMs: 'WEBHOOK_POLL_MS',
  opsPort: 'OPS_PORT',
  opsHost: 'OPS_HOST',
  pgStatementTimeoutMs: 'PG_STATEMENT_TIMEOUT_MS',
  pgLockTimeoutMs: 'PG_LOCK_TIMEOUT_MS',
  sqliteWalLimitMb: 'SQLITE_WAL_LIMIT_MB',
  sqliteBusyTimeoutMs: 'SQLITE_BUSY_TIMEOUT_MS',
  adminToken: 'ADMIN_TOKEN',
  bodyMemoryLimitBytes: 'BODY_MEMORY_LIMIT_BYTES',
  webhookRetentionDays: 'WEBHOOK_RETENTION_DAYS',
  webhookDelivery: 'WEBHOOK_DELIVERY',
  journalMaxEntries: 'JOURNAL_MAX_ENTRIES',
  journalMaxBytes: 'JOURNAL_MAX_BYTES',
  journalBodyLimitBytes: 'JOURNAL_BODY_LIMIT_BYTES',
} as const;

export const DEFAULT_SQLITE_PATH = './data/order-inbox.db';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    // One line per problem, each complete on its own: a person reads it, a script can grep it.
    super(problems.map((problem) => `invalid configuration: ${problem}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** The name a person set a value by: the command-line flag when one was given, else the variable. */
export function settingName(key: keyof typeof ENV_NAMES, overrides: ConfigOverrides = {}): string {
  return overrides[key] !== undefined && overrides[key] !== ''
    ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
    : ENV_NAMES[key];
}

const ACCEPTED_DATABASES = 'an SQLite file path, sqlite://PATH, file:PATH, postgres://… or postgresql://…';
/** `scheme:` at the start of a value; a drive letter (`C:\\…`, `C:/…`) is a path, not a scheme. */
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const DRIVE = /^[a-z]:[\\/]/i;

/** A database URL as it may be shown: without its password. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '';
    return url.toString();
  } catch {
    return value.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1@');
  }
}

/** What a person reads to know which database a message is about. */
export const describeDatabase = (database: DatabaseConfig): string =>
  database.kind === 'sqlite'
    ? `SQLite database ${database.path}`
    : `PostgreSQL database ${redactUrl(database.url)}`;

/** An SQLite path (`sqlite://` and `file:` prefixes too) or a PostgreSQL URL; any other scheme throws. */
export function parseDatabase(value: string): DatabaseConfig {
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'postgres', url: value };
  if (value.startsWith('sqlite://')) return { kind: 'sqlite', path: value.slice('sqlite://'.length) };
  if (value.startsWith('file:')) return { kind: 'sqlite', path: value.slice('file:'.length) };
  const scheme = SCHEME.exec(value);
  if (scheme !== null && !DRIVE.test(value)) {
    throw new Error(
      `has an unknown scheme "${scheme[1]}:" (got "${redactUrl(value)}"); use ${ACCEPTED_DATABASES}`,
    );
  }
  return { kind: 'sqlite', path: value };
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: ConfigOverrides = {},
): Config {
  const problems: string[] = [];
  const read = (key: keyof typeof ENV_NAMES): string | undefined => {
    const value = overrides[key] ?? env[ENV_NAMES[key]];
    return value === undefined || value === '' ? undefined : value;
  };
  const int = (key: keyof typeof ENV_NAMES, fallback: number, min: number, max: number): number => {
    const raw = read(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
      problems.push(
        `${settingName(key, overrides)} must be a whole number from ${min} to ${max} (got "${raw}")`,
      );
      return fallback;
    }
    return value;
  };
  const bool = (key: keyof typeof ENV_NAMES, fallback: boolean): boolean => {
    const raw = read(key)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['on', 'true', '1', 'yes'].includes(raw)) return true;
    if (['off', 'false', '0', 'no'].includes(raw)) return false;
    problems.push(`${settingName(key, overrides)} must be on or off (got "${raw}")`);
    return fallback;
  };
  const oneOf = <T extends string>(key: keyof typeof ENV_NAMES, values: readonly T[], fallback: T): T => {
    const raw = read(key)?.toLowerCase();
    if (raw === undefined) return fallback;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${settingName(key, overrides)} must be one of ${values.join(', ')} (got "${raw}")`);
    return fallback;
  };

  let publicBaseUrl = read('publicBaseUrl') ?? null;
  if (publicBaseUrl !== null) {
    try {
      const url = new URL(publicBaseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      publicBaseUrl = url.origin + url.pathname.replace(/\/+$/, '');
    } catch {
      problems.push(
        `${settingName('publicBaseUrl', overrides)} must be an http(s) URL (got "${publicBaseUrl}")`,
      );
      publicBaseUrl = null;
    }
  }

  let database: DatabaseConfig = { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  try {
    database = parseDatabase(read('database') ?? DEFAULT_SQLITE_PATH);
  } catch (error) {
    problems.push(`${settingName('database', overrides)} ${(error as Error).message}`);
  }

  const config: Config = {
    host: read('host') ?? '127.0.0.1',
    port: int('port', 3000, 0, 65535),
    database,
    sqliteSynchronous: oneOf('sqliteSynchronous', ['full', 'normal'] as const, 'full'),
    pgPoolSize: int('pgPoolSize', 10, 1, 1000),
    pageSize: int('pageSize', 100, 1, 1000),
    bodyLimitBytes: int('bodyLimitBytes', 5 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    tokenTtlSeconds: int('tokenTtlSeconds', 3600, 1, 365 * 24 * 3600),
    rateLimit: bool('rateLimit', true),
    publicBaseUrl,
    trustProxy: bool('trustProxy', false),
    logLevel: oneOf(
      'logLevel',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    secretPepper: read('secretPepper') ?? null,
    requestTimeoutMs: int('requestTimeoutMs', 30_000, 100, 3_600_000),
    headersTimeoutMs: int('headersTimeoutMs', 10_000, 100, 3_600_000),
    keepAliveTimeoutMs: int('keepAliveTimeoutMs', 5_000, 100, 3_600_000),
    webhookRetryBaseMs: int('webhookRetryBaseMs', 5 * 60_000, 1, 24 * 3_600_000),
    webhookAllowPrivate: bool('webhookAllowPrivate', true),
    webhookPollMs: int('webhookPollMs', 1_000, 10, 3_600_000),
    opsPort: read('opsPort') === undefined ? null : int('opsPort', 0, 0, 65535),
    opsHost: read('opsHost') ?? '127.0.0.1',
    pgStatementTimeoutMs: int('pgStatementTimeoutMs', 5_000, 0, 3_600_000),
    pgLockTimeoutMs: int('pgLockTimeoutMs', 2_000, 0, 3_600_000),
    sqliteWalLimitMb: int('sqliteWalLimitMb', 64, 1, 1024 * 1024),
    sqliteBusyTimeoutMs: int('sqliteBusyTimeoutMs', 5_000, 0, 600_000),
    adminToken: read('adminToken') ?? null,
    bodyMemoryLimitBytes: int('bodyMemoryLimitBytes', 16 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
    webhookRetentionDays: int('webhookRetentionDays', 7, 1, 36_500),
    webhookDelivery: oneOf('webhookDelivery', ['send', 'capture'] as const, 'send'),
    journalMaxEntries: int('journalMaxEntries', 1_000, 1, 1_000_000),
    journalMaxBytes: int('journalMaxBytes', 16 * 1024 * 1024, 64 * 1024, 4 * 1024 * 1024 * 1024),
    journalBodyLimitBytes: int('journalBodyLimitBytes', 64 * 1024, 0, 64 * 1024 * 1024),
  };
  // The admin token guards every tenant's data: a short one could be guessed despite the slowed failures.
  if (config.adminToken !== null && (config.adminToken.length < 16 || /\s/.test(config.adminToken))) {
    problems.push('ADMIN_TOKEN must be at least 16 characters long, without white space');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

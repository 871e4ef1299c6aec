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
  /** Failed authentications allowed per key and per client address in the window; 0 turns it off. */
  authFailureLimit: number;
  authFailureWindowSeconds: number;
  /** First retry delay of a failed webhook; later ones double, capped at 12× (5 min → 1 h by default). */
  webhookRetryBaseMs: number;
  /** Deliver webhooks to loopback and private networks (the development case); off for services. */
  webhookAllowPrivate: boolean;
  /** How often each instance looks for due webhook deliveries. */
  webhookPollMs: number;
  /** Serve health, metrics and documentation on this port instead of the API port (null: same port). */
  opsPort: number | null;
  opsHost: string;
  /**
   * Bytes of request bodies being read at once, across all requests; beyond it a 503. Small, as a
   * parsed and validated upload takes several times its bytes in memory.
   */
  bodyMemoryLimitBytes: number;
  /** Delivered and given-up webhook deliveries, with their attempts, are kept this many days. */
  webhookRetentionDays: number;
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
  authFailureLimit: 'AUTH_FAILURE_LIMIT',
  authFailureWindowSeconds: 'AUTH_FAILURE_WINDOW_SECONDS',
  keepAliveTimeoutMs: 'KEEP_ALIVE_TIMEOUT_MS',
  webhookRetryBaseMs: 'WEBHOOK_RETRY_BASE_MS',
  webhookAllowPrivate: 'WEBHOOK_ALLOW_PRIVATE',
  webhookPollMs: 'WEBHOOK_POLL_MS',
  opsPort: 'OPS_PORT',
  opsHost: 'OPS_HOST',
  bodyMemoryLimitBytes: 'BODY_MEMORY_LIMIT_BYTES',
  webhookRetentionDays: 'WEBHOOK_RETENTION_DAYS',
} as const;

export const DEFAULT_SQLITE_PATH = './data/order-inbox.db';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function parseDatabase(value: string): DatabaseConfig {
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'postgres', url: value };
  if (value.startsWith('sqlite://')) return { kind: 'sqlite', path: value.slice('sqlite://'.length) };
  if (value.startsWith('file:')) return { kind: 'sqlite', path: value.slice('file:'.length) };
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
      problems.push(`${ENV_NAMES[key]} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const bool = (key: keyof typeof ENV_NAMES, fallback: boolean): boolean => {
    const raw = read(key)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['on', 'true', '1', 'yes'].includes(raw)) return true;
    if (['off', 'false', '0', 'no'].includes(raw)) return false;
    problems.push(`${ENV_NAMES[key]} must be on or off (got "${raw}")`);
    return fallback;
  };
  const oneOf = <T extends string>(key: keyof typeof ENV_NAMES, values: readonly T[], fallback: T): T => {
    const raw = read(key)?.toLowerCase();
    if (raw === undefined) return fallback;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${ENV_NAMES[key]} must be one of ${values.join(', ')} (got "${raw}")`);
    return fallback;
  };

  let publicBaseUrl = read('publicBaseUrl') ?? null;
  if (publicBaseUrl !== null) {
    try {
      const url = new URL(publicBaseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      publicBaseUrl = url.origin + url.pathname.replace(/\/+$/, '');
    } catch {
      problems.push(`PUBLIC_BASE_URL must be an http(s) URL (got "${publicBaseUrl}")`);
      publicBaseUrl = null;
    }
  }

  const config: Config = {
    host: read('host') ?? '127.0.0.1',
    port: int('port', 3000, 0, 65535),
    database: parseDatabase(read('database') ?? DEFAULT_SQLITE_PATH),
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
    authFailureLimit: int('authFailureLimit', 30, 0, 1_000_000),
    authFailureWindowSeconds: int('authFailureWindowSeconds', 300, 1, 86_400),
    webhookRetryBaseMs: int('webhookRetryBaseMs', 5 * 60_000, 1, 24 * 3_600_000),
    webhookAllowPrivate: bool('webhookAllowPrivate', true),
    webhookPollMs: int('webhookPollMs', 1_000, 10, 3_600_000),
    opsPort: read('opsPort') === undefined ? null : int('opsPort', 0, 0, 65535),
    opsHost: read('opsHost') ?? '127.0.0.1',
    bodyMemoryLimitBytes: int('bodyMemoryLimitBytes', 16 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
    webhookRetentionDays: int('webhookRetentionDays', 7, 1, 36_500),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

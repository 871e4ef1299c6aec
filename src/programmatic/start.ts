import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactUrl } from '../config.js';
import type { Config } from '../config.js';
import { startServer as startRunningServer } from '../server.js';
import type { RunningServer } from '../server.js';
import { adminClient } from './admin-client.js';
import type { AdminClient, CreatedTenant, TenantSpec } from './admin-client.js';

export interface StartServerOptions {
  /**
   * An SQLite file path or a `postgres://` URL. Default: a new SQLite file in a temporary directory,
   * removed by `close()`. A database given here is kept.
   */
  database?: string;
  /** The admin API's bearer token, at least 16 characters. Default: a random one (`admin.token`). */
  adminToken?: string;
  /** Where to listen. Default: 127.0.0.1. */
  host?: string;
  /** Default 0: any free port (`url` tells which). */
  port?: number;
  /**
   * Any other setting by its environment variable's name, e.g. `{ RATE_LIMIT: 'off' }`. The process's
   * own environment is not read. Defaults that differ from `serve`'s: `WEBHOOK_DELIVERY=capture` (no
   * webhook leaves the process) and `LOG_LEVEL=warn` (no access log in the test output).
   */
  settings?: Record<string, string | undefined>;
  /** The first tenant's `POST /__admin/tenants` body (default: one integration, no webhook). */
  tenant?: TenantSpec;
}

export interface OrderInboxServer {
  /** `http://host:port`. */
  url: string;
  /** `http://host:port/api/v2`, the base Sendcloud's Integrations API clients are given. */
  apiBaseUrl: string;
  /** The SQLite file's path, or the PostgreSQL URL without its password. */
  database: string;
  /** A tenant made at start: Basic credentials (`public_key:secret_key`) and its integration. */
  tenant: Pick<
    CreatedTenant,
    'account_id' | 'public_key' | 'secret_key' | 'integration_id' | 'webhook_signature_key'
  >;
  /** The admin API (`/__admin`), on with a token of its own. */
  admin: AdminClient;
  /** Stops the server, waits for in-flight requests, closes the database and removes a temporary one. */
  close(): Promise<void>;
}

/**
 * Starts an order-inbox server inside this process for a test suite: on a free port, over a temporary
 * SQLite database unless told otherwise, with the admin API on and one tenant made through it.
 */
export async function startServer(options: StartServerOptions = {}): Promise<OrderInboxServer> {
  const settings = options.settings ?? {};
  const token = options.adminToken ?? settings.ADMIN_TOKEN ?? randomBytes(24).toString('hex');
  const temporary =
    options.database === undefined && settings.DATABASE_URL === undefined ? await temporaryDatabase() : null;
  let config: Config;
  try {
    config = loadConfig({
      LOG_LEVEL: 'warn',
      WEBHOOK_DELIVERY: 'capture',
      ...settings,
      HOST: options.host ?? settings.HOST ?? '127.0.0.1',
      PORT: String(options.port ?? settings.PORT ?? 0),
      DATABASE_URL: options.database ?? settings.DATABASE_URL ?? (temporary as TemporaryDatabase).path,
      ADMIN_TOKEN: token,
    });
  } catch (error) {
    await temporary?.remove();
    throw error;
  }
  const { running, admin, tenant, close } = await launchWithTenant(config, temporary, options.tenant);
  return {
    url: running.url,
    apiBaseUrl: `${running.url}/api/v2`,
    database: config.database.kind === 'sqlite' ? config.database.path : redactUrl(config.database.url),
    tenant: {
      account_id: tenant.account_id,
      public_key: tenant.public_key,
      secret_key: tenant.secret_key,
      integration_id: tenant.integration_id,
      webhook_signature_key: tenant.webhook_signature_key,
    },
    admin,
    close,
  };
}

/** A new SQLite file's path in a directory of its own under the system's temporary folder. */
export interface TemporaryDatabase {
  path: string;
  /** Removes the directory with the file and its WAL. */
  remove(): Promise<void>;
}

export async function temporaryDatabase(prefix = 'order-inbox-'): Promise<TemporaryDatabase> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    path: join(dir, 'order-inbox.db'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface LaunchedServer {
  running: RunningServer;
  admin: AdminClient;
  /** The tenant made at start through the admin API. */
  tenant: CreatedTenant;
  /** Stops the server, waits for in-flight requests, closes the database, removes a temporary one. */
  close(): Promise<void>;
}

/**
 * Starts a server on `config` (its admin token set) and makes one tenant through its admin API, as a
 * test suite would. A temporary database is removed by `close()`, and at once when the start fails.
 */
export async function launchWithTenant(
  config: Config,
  temporary: TemporaryDatabase | null,
  spec?: TenantSpec,
): Promise<LaunchedServer> {
  if (config.adminToken === null) throw new Error('launchWithTenant needs the admin token set');
  let running: RunningServer;
  try {
    running = await startRunningServer(config);
  } catch (error) {
    await temporary?.remove();
    throw error;
  }
  const admin = adminClient(`${running.ops?.url ?? running.url}/__admin`, config.adminToken);
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await running.close();
      } finally {
        await temporary?.remove();
      }
    })());
  try {
    return { running, admin, tenant: await admin.createTenant(spec), close };
  } catch (error) {
    await close();
    throw error;
  }
}

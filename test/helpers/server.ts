import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretHasher } from '../../src/auth/secrets.js';
import { loadConfig } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import { AccountService } from '../../src/domain/accounts.js';
import { systemClock } from '../../src/domain/clock.js';
import type { Clock } from '../../src/domain/clock.js';
import type { StoredShipment } from '../../src/domain/types.js';
import { startServer } from '../../src/server.js';
import type { RunningServer } from '../../src/server.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from './postgres.js';
import type { ThrowawayDatabase } from './postgres.js';

/** Every HTTP suite runs on both engines (measured: one contract, two equal implementations). */
export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

let postgresReachable: Promise<boolean> | null = null;
/**
 * False when the engine can run here, else the reason node:test prints for the skipped suite. Only a
 * user's machine without PostgreSQL skips; in CI an unreachable server fails the run.
 */
export async function engineSkip(engine: Engine): Promise<string | false> {
  if (engine === 'sqlite') return false;
  postgresReachable ??= createThrowawayDatabase().then(async (db) => {
    await db?.drop();
    return db !== null;
  });
  return (await postgresReachable) ? false : postgresSkipMessage();
}

export interface Tenant {
  accountId: number;
  publicKey: string;
  secretKey: string;
  integrationId: number;
  /** The value of an Authorization header for this tenant's Basic credentials. */
  basic: string;
}

export interface TestServer {
  server: RunningServer;
  config: Config;
  url: string;
  accounts: AccountService;
  tenant(options?: { partner?: boolean }): Promise<Tenant>;
  close(): Promise<void>;
}

export const basicHeader = (publicKey: string, secret: string): string =>
  `Basic ${Buffer.from(`${publicKey}:${secret}`).toString('base64')}`;

/**
 * A real listening server on port 0 over a fresh SQLite file or a throwaway PostgreSQL database, quiet logs,
 * rate limits off unless a test turns them on. Each test makes its own tenants.
 */
export async function startTestServer(
  overrides: Partial<Config> = {},
  engine: Engine = 'sqlite',
  clock: Clock = systemClock,
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'order-inbox-test-'));
  let pgDatabase: ThrowawayDatabase | null = null;
  if (engine === 'postgres') {
    pgDatabase = await createThrowawayDatabase();
    if (pgDatabase === null) throw new Error(postgresSkipMessage());
  }
  const config: Config = {
    ...loadConfig({}),
    port: 0,
    database:
      pgDatabase === null
        ? { kind: 'sqlite', path: join(dir, 'test.db') }
        : { kind: 'postgres', url: pgDatabase.url },
    logLevel: 'silent',
    rateLimit: false,
    ...overrides,
  };
  const server = await startServer(config, undefined, clock);
  const accounts = new AccountService(server.store, new SecretHasher(config.secretPepper), clock);
  return {
    server,
    config,
    url: server.url,
    accounts,
    async tenant(options = {}) {
      const t = await accounts.bootstrap(options.partner ?? true);
      return {
        accountId: t.accountId,
        publicKey: t.issued.credential.publicKey,
        secretKey: t.issued.secretKey,
        integrationId: t.integration.id,
        basic: basicHeader(t.issued.credential.publicKey, t.issued.secretKey),
      };
    },
    async close() {
      await server.close();
      await pgDatabase?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One HTTP request; `body` is JSON-encoded unless it is a string (sent as is). */
export async function call(
  url: string,
  options: { method?: string; auth?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.auth !== undefined) headers.authorization = options.auth;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
  // Issue 3 item 6: every API answer the suite receives must be what the server's own document says.
  // (Imported here so that this function is the only part of the file the check touches.)
  const { documentFor, isCheckedPath, validateResponse } = await import('./openapi-validator.js');
  const { origin, pathname } = new URL(url);
  const { isV3Path, validateV3Response } = await import('./v3-validator.js');
  if (isV3Path(pathname)) {
    // Issue 15: every /api/v3 answer is checked against Sendcloud's v3 reference itself.
    validateV3Response(method, pathname, response.status, parsed, text, response.headers.get('content-type'));
  } else if (isCheckedPath(pathname)) {
    validateResponse(await documentFor(origin), method, pathname, response.status, parsed, {
      text,
      contentType: response.headers.get('content-type'),
      headers: response.headers,
    });
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Every shipment the store holds for one integration, newest import first, read past the API. */
export function storedShipments(store: Store, integrationId: number): Promise<StoredShipment[]> {
  return store.listShipments({
    integrationId,
    fromUs: 0,
    toUs: Number.MAX_SAFE_INTEGER,
    externalOrderIds: null,
    shipmentKeys: null,
    orderNumber: null,
    after: null,
    reverse: false,
    limit: 1_000_000,
  });
}

/** A minimal valid order: the fields docs/behaviour.md requires, nothing else. */
export function minimalOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    external_order_id: '1001',
    external_shipment_id: null,
    name: 'John Doe',
    address: 'Stadhuisplein 10',
    city: 'Eindhoven',
    postal_code: '5611 EM',
    country: 'NL',
    order_number: 'ORDER-1001',
    created_at: '2024-03-01T10:00:00Z',
    updated_at: '2024-03-01T10:00:00Z',
    ...overrides,
  };
}

/** The error envelope docs/behaviour.md prescribes. */
export function envelope(code: number, request: string, message: string) {
  return { error: { code, request, message } };
}

/** A clock the test moves by hand (rate limits, token expiry). */
export class ManualClock implements Clock {
  constructor(private us: number = Date.now() * 1000) {}
  nowUs(): number {
    return this.us;
  }
  advance(ms: number): void {
    this.us += ms * 1000;
  }
}

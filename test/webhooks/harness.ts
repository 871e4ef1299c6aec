import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Integration } from '../../src/domain/types.js';
import { webhookFor } from '../../src/domain/webhooks/payload.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';
import type { ThrowawayDatabase } from '../helpers/postgres.js';
import type { Engine } from '../helpers/server.js';

export const silentLogger = pino({ level: 'silent' });

/** A fixed creation time in the past (2024-04-24T23:06:40.123Z), so every new delivery is due at once. */
export const CREATED_US = 1_714_000_000_123_000;

/** How a receiver answers one request. */
export type Reply =
  | { status: number; headers?: Record<string, string>; delayMs?: number }
  /** Never answers (until the client gives up or the receiver closes). */
  | 'hang';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes as received, decoded as UTF-8. */
  body: string;
  /** The status this request was answered with, once answered (null: never answered). */
  answered: number | null;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * A real HTTP receiver on 127.0.0.1, port 0. `script` answers the n-th request (0-based); requests past
 * the script get the last entry's answer, or 200 when the script is empty.
 */
export async function startReceiver(script: Reply[] = []): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered: null,
      };
      const reply = script[received.length] ?? script[script.length - 1] ?? { status: 200 };
      received.push(entry);
      if (reply === 'hang') return;
      const answer = (): void => {
        entry.answered = reply.status;
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...(reply.headers ?? {}) });
        res.end('ok');
      };
      if (reply.delayMs !== undefined) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One test's own database: a fresh SQLite file or a throwaway PostgreSQL database. */
export interface TestDatabase {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

export async function testDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'postgres') {
    const db: ThrowawayDatabase | null = await createThrowawayDatabase();
    if (db === null) throw new Error(postgresSkipMessage());
    return {
      open: () =>
        openStore({
          database: { kind: 'postgres', url: db.url },
          sqliteSynchronous: 'full',
          pgPoolSize: 4,
        }),
      cleanup: () => db.drop(),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'order-inbox-webhooks-'));
  return {
    open: () =>
      openStore({
        database: { kind: 'sqlite', path: join(dir, 'test.db') },
        sqliteSynchronous: 'full',
        pgPoolSize: 1,
      }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An account and an integration whose webhook points at `url`; creation writes `integration_connected`. */
export async function connectIntegration(
  store: Store,
  url: string,
  shopName = 'Webhook Shop',
): Promise<{ integration: Integration; signatureKey: string }> {
  const account = await store.createAccount({ partner: true, nowUs: CREATED_US });
  const signatureKey = randomBytes(32).toString('hex');
  const integration = await store.createIntegration(
    account.id,
    {
      shopName,
      shopUrl: 'https://shop.example.com',
      system: 'api',
      webhookActive: true,
      webhookUrl: url,
      webhookSignatureKey: signatureKey,
    },
    CREATED_US,
    (i) => webhookFor('integration_connected', i, CREATED_US),
  );
  return { integration, signatureKey };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

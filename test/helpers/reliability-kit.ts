/**
 * Tools shared by the reliability and security suites: a seeded random source, an HTTP
 * client on explicit keep-alive connections (node:http, so a test knows which connection a request
 * used and sees a reset as a reset), the whole shipment list of an integration, the resident memory
 * of a child process, and the lifecycle of `serve` child processes and throwaway databases.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { runCliSync } from './cli.js';
import { basicHeader } from './server.js';
import type { ServeProcess } from './cli.js';
import { createThrowawayDatabase, postgresSkipMessage } from './postgres.js';

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `name` in the environment (to replay a failure), else a fresh one. */
export function seedFrom(name: string): number {
  const raw = process.env[name];
  if (raw !== undefined && /^\d+$/.test(raw)) return Number(raw);
  return Math.floor(Math.random() * 2 ** 31);
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface HttpOptions {
  method?: string;
  auth?: string;
  /** JSON-encoded unless a string or a Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
  agent?: http.Agent;
  /** A bound on the whole exchange, so a hung server fails the test instead of hanging it. */
  timeoutMs?: number;
}

/** One request; rejects on a connection error (refused, reset) or when `timeoutMs` runs out. */
export function request(url: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.auth !== undefined) headers.authorization = options.auth;
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    payload = Buffer.isBuffer(options.body)
      ? options.body
      : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
        headers,
        agent: options.agent,
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = undefined;
          if ((res.headers['content-type'] ?? '').includes('json') && text !== '') {
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The same header every suite builds (one helper, `basicHeader`). */
export const basicAuth = basicHeader;

/** An order with every field docs/behaviour.md requires, plus a few that exercise formatting. */
export function order(fields: {
  externalOrderId: string;
  externalShipmentId: string | null;
  updatedAt: string;
  tag: string;
}): Record<string, unknown> {
  return {
    external_order_id: fields.externalOrderId,
    external_shipment_id: fields.externalShipmentId,
    name: `Name ${fields.tag}`,
    address: `Street ${fields.tag}`,
    city: 'Eindhoven',
    postal_code: '5611 EM',
    country: 'NL',
    order_number: `ORDER-${fields.tag}`,
    created_at: '2024-03-01T10:00:00Z',
    updated_at: fields.updatedAt,
    email: 'shop@example.com',
    currency: 'EUR',
    total_order_value: 12.5,
    weight: '1.5',
    parcel_items: [{ description: `Item ${fields.tag}`, quantity: 2, weight: '0.75', value: '6.25' }],
  };
}

/** The fields of a listed shipment that must equal what was sent with `order()`. */
export function expectedFields(sent: Record<string, unknown>): Record<string, unknown> {
  return {
    external_order_id: sent.external_order_id,
    external_shipment_id: sent.external_shipment_id,
    name: sent.name,
    address: sent.address,
    order_number: sent.order_number,
    shipment_updated_at: sent.updated_at,
    email: 'shop@example.com',
    currency: 'EUR',
    total_order_value: '12.50',
    weight: '1.500',
    parcel_items: (sent.parcel_items as { description: string }[]).map((item) => item.description),
  };
}

/** The comparable projection of a listed shipment (see `expectedFields`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function storedFields(listed: any): Record<string, unknown> {
  return {
    external_order_id: listed.external_order_id,
    external_shipment_id: listed.external_shipment_id,
    name: listed.name,
    address: listed.address,
    order_number: listed.order_number,
    shipment_updated_at: listed.shipment_updated_at,
    email: listed.email,
    currency: listed.currency,
    total_order_value: listed.total_order_value,
    weight: listed.weight,
    parcel_items: Array.isArray(listed.parcel_items)
      ? (listed.parcel_items as { description: string }[]).map((item) => item.description)
      : listed.parcel_items,
  };
}

/** Every shipment of an integration, following `next` links; fails on any non-200 page. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function listAllShipments(baseUrl: string, integrationId: number, auth: string): Promise<any[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const all: any[] = [];
  let next: string | null = `${baseUrl}/api/v2/integrations/${integrationId}/shipments`;
  for (let pages = 0; next !== null; pages += 1) {
    if (pages > 1000) throw new Error('more than 1000 pages: the cursor does not end');
    const page = await request(next, { auth });
    if (page.status !== 200) throw new Error(`list answered ${page.status}: ${page.text}`);
    all.push(...page.body.results);
    next = page.body.next;
  }
  return all;
}

/** Resident set size of a process, in KiB, from /proc (Linux). */
export function rssKib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

/** Polls `check` until it returns true or the deadline passes; returns whether it became true. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  deadlineMs: number,
): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Ends a `serve` child that is still running (SIGKILL: used only in clean-up) and waits for it. */
export async function stopServe(proc: ServeProcess | null): Promise<void> {
  if (proc === null) return;
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  await proc.exited;
}

export interface Tenant {
  accountId: number;
  publicKey: string;
  secretKey: string;
  integrationId: number;
  webhookSignatureKey: string;
  auth: string;
}

/** `bootstrap --json` against a database: a new account, key pair and integration. */
export function bootstrapTenant(database: string, env: Record<string, string> = {}): Tenant {
  const result = runCliSync(['bootstrap', '--json', '--database', database], env);
  if (result.status !== 0) throw new Error(`bootstrap failed (${result.status}): ${result.stderr}`);
  const out = JSON.parse(result.stdout) as {
    account_id: number;
    public_key: string;
    secret_key: string;
    integration_id: number;
    webhook_signature_key: string;
  };
  return {
    accountId: out.account_id,
    publicKey: out.public_key,
    secretKey: out.secret_key,
    integrationId: out.integration_id,
    webhookSignatureKey: out.webhook_signature_key,
    auth: basicAuth(out.public_key, out.secret_key),
  };
}

export type EngineName = 'sqlite' | 'postgres';

/** A database for one test: an SQLite file in a temporary folder, or a throwaway PostgreSQL one. */
export interface TestDatabase {
  engine: EngineName;
  /** What `--database` takes. */
  location: string;
  /** The SQLite file (null on PostgreSQL). */
  sqlitePath: string | null;
  dispose(): Promise<void>;
}

/**
 * Null when PostgreSQL is not reachable on a developer's machine (the test then skips with
 * `postgresSkipMessage()`); in CI `createThrowawayDatabase` throws instead, so the run fails.
 */
export async function openTestDatabase(engine: EngineName, prefix: string): Promise<TestDatabase | null> {
  if (engine === 'postgres') {
    const db = await createThrowawayDatabase();
    if (db === null) return null;
    return { engine, location: db.url, sqlitePath: null, dispose: () => db.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), `order-inbox-${prefix}-`));
  const path = join(dir, 'inbox.db');
  return {
    engine,
    location: path,
    sqlitePath: path,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Reads the store directly, past the server: `$1`-style parameters on both engines. SQLite opens
 * read-write (a read-only connection cannot open a WAL database whose -shm is gone) but only reads.
 */
export async function queryStore(
  database: TestDatabase,
  sql: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  if (database.sqlitePath !== null) {
    const db = new Database(database.sqlitePath, { fileMustExist: true });
    try {
      return db.prepare(sql.replace(/\$\d+/g, '?')).all(...params) as Record<string, unknown>[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.location });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

export { postgresSkipMessage };

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * HTTP/1.1 responses read off a raw socket (for pipelined requests and slow senders, which node:http's
 * client cannot make): Content-Length and chunked bodies. Returns what arrived by the time `count`
 * responses are complete, the socket closes, or the deadline passes.
 */
export function rawResponses(
  socket: Socket,
  count: number,
  deadlineMs: number,
): Promise<{ responses: RawResponse[]; closed: boolean }> {
  let buffer = Buffer.alloc(0);
  const responses: RawResponse[] = [];
  const parse = (): void => {
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffer.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let rest = buffer.subarray(end + 4);
      let body: Buffer;
      if (headers['transfer-encoding']?.includes('chunked')) {
        const parts: Buffer[] = [];
        for (;;) {
          const lineEnd = rest.indexOf('\r\n');
          if (lineEnd === -1) return;
          const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
          if (rest.length < lineEnd + 2 + size + 2) return;
          parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
          rest = rest.subarray(lineEnd + 2 + size + 2);
          if (size === 0) break;
        }
        body = Buffer.concat(parts);
      } else {
        const length = Number(headers['content-length'] ?? 0);
        if (rest.length < length) return;
        body = rest.subarray(0, length);
        rest = rest.subarray(length);
      }
      responses.push({ status, headers, body: body.toString('utf8') });
      buffer = rest;
    }
  };
  return new Promise((resolve) => {
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({ responses, closed });
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      parse();
      if (responses.length >= count) finish();
    };
    const timer = setTimeout(finish, deadlineMs);
    socket.on('data', onData);
    socket.once('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
  });
}

/** `promise`, or `fallback` once `ms` have passed; the timer never outlives the race. */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<F>((resolve) => {
        timer = setTimeout(() => resolve(fallback), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

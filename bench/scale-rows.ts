/**
 * The bench's fault and growth rows, measured rather than compared with the ceiling:
 *
 * - `filtered-list`: `GET …/shipments?external_order_ids=<5 ids>` against an integration of each
 *   `--scale` size, right after its bulk load and again after ANALYZE; latency, server CPU per request,
 *   the plan the engine chose, and the ratio of the largest size to the smallest.
 * - `wal-flood` (SQLite): 60 s of upserts of 100 new orders; the `-wal` file's size sampled every
 *   100 ms during the flood and for 10 s after it.
 * - `upload-rss`: waves of 32 concurrent uploads just under BODY_LIMIT_BYTES; the server's peak RSS and
 *   the answers, as shipped (BODY_MEMORY_LIMIT_BYTES default) and with the budget lifted.
 */
import { statSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { ShipmentListQuery } from '../src/domain/types.js';
import { buildPgListQuery } from '../src/storage/postgres/postgres-store.js';
import { buildListQuery } from '../src/storage/sqlite/sqlite-store.js';
import type { BenchDb, ShipmentTemplate } from './bench-db.js';
import { orderIdFor } from './ids.js';
import type { Stream } from './ids.js';
import { runLoad } from './load.js';
import type { LoadGenerator } from './load.js';
import { RssSampler, cpuTimeUs, rssBytes } from './proc.js';
import { fmt, fmtInt, median, renderTable } from './table.js';

export interface ScaleServer {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

export interface ScaleRowsDeps {
  engine: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  db: BenchDb;
  template: ShipmentTemplate;
  server: ScaleServer;
  /** Another server on the same database, with these settings added to its environment. */
  startServer(env: Record<string, string>): Promise<ScaleServer>;
  authorization: string;
  newIntegration(): number;
  /** Upsert load from `start` (order ids `u<n>`, which nothing else uses). */
  upsertStart: number;
  /** Shipment ids from here on are free for seeding. */
  nextId(): Promise<number>;
  sizes: number[];
  floodS: number;
  generator: LoadGenerator;
  loadCore: number;
  scratch: string;
  connections: number;
  orderTemplate: string;
  say(text: string): void;
  note(text: string): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
};

/** Runs the selected rows, prints their tables and returns them for the results file. */
export async function runScaleRows(deps: ScaleRowsDeps, selected: (id: string) => boolean) {
  const out: Record<string, unknown> = {};
  if (selected('filtered-list')) out.filteredList = await filteredList(deps);
  if (selected('wal-flood')) out.walFlood = await walFlood(deps);
  if (selected('upload-rss')) out.uploadRss = await uploadRss(deps);
  return out;
}

/** The plan the engine picks for a list query, one step per line, on a connection of its own. */
async function explain(deps: ScaleRowsDeps, query: ShipmentListQuery): Promise<string> {
  if (deps.engine.kind === 'sqlite') {
    const db = new BetterSqlite3(deps.engine.path, { readonly: true });
    try {
      const { sql, params } = buildListQuery(query);
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: deps.engine.url });
  await client.connect();
  try {
    const { text, values } = buildPgListQuery(query);
    const rows = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)).rows;
    return rows
      .map((r) => r['QUERY PLAN'].trim())
      .filter((line) => /Scan|Sort|Limit/.test(line))
      .map((line) => line.replace(/^->\s*/, '').replace(/\s+\(cost=.*$/, ''))
      .join('; ');
  } finally {
    await client.end();
  }
}

async function filteredList(deps: ScaleRowsDeps) {
  const { say, note } = deps;
  say('filtered list: 5 external order ids …');
  // A new connection per pass: a kept-alive one would be closed by the server during a long seeding.
  let agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(
        `${deps.server.url}${path}`,
        { agent, headers: { authorization: deps.authorization } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
    });
  const rows: { size: number; when: string; p50Ms: number; p99Ms: number; cpuUs: number; plan: string }[] =
    [];
  for (const size of deps.sizes) {
    const integration = deps.newIntegration();
    const from = await deps.nextId();
    const started = performance.now();
    await deps.db.seed(integration, from, size, deps.template);
    note(`seeded ${fmtInt(size)} shipments in ${fmt((performance.now() - started) / 1000, 1)} s`);
    const ns = [0, 1, 2, 3, 4].map((k) => from + Math.floor(((2 * k + 1) * size) / 10));
    const ids = ns.map(orderIdFor);
    const path = `/api/v2/integrations/${integration}/shipments?external_order_ids=${ids.join(',')}`;
    const query: ShipmentListQuery = {
      integrationId: integration,
      fromUs: 0,
      toUs: 4_000_000_000_000_000,
      externalOrderIds: ids,
      shipmentKeys: null,
      orderNumber: null,
      after: null,
      reverse: false,
      limit: 100,
    };
    for (const when of ['after bulk load', 'after ANALYZE']) {
      if (when === 'after ANALYZE') await deps.db.settle();
      agent.destroy();
      agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const first = await get(path);
      const found = (JSON.parse(first.body) as { results?: unknown[] }).results?.length;
      if (first.status !== 200 || found !== 5)
        throw new Error(`filtered list: ${first.status}, ${found} found`);
      for (let i = 0; i < 30; i++) await get(path);
      const times: number[] = [];
      const cpu0 = cpuTimeUs(deps.server.pid);
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now();
        await get(path);
        times.push(performance.now() - t0);
      }
      const cpuUs = (cpuTimeUs(deps.server.pid) - cpu0) / times.length;
      rows.push({
        size,
        when,
        p50Ms: median(times),
        p99Ms: percentile(times, 0.99),
        cpuUs,
        plan: await explain(deps, query),
      });
    }
    await deps.db.deleteAll(integration);
  }
  agent.destroy();
  say(
    renderTable(
      ['shipments', 'statistics', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'plan'],
      rows.map((r) => [fmtInt(r.size), r.when, fmt(r.p50Ms, 2), fmt(r.p99Ms, 2), fmtInt(r.cpuUs), r.plan]),
      new Set([1, 5]),
    ),
  );
  const smallest = rows.filter((r) => r.size === Math.min(...deps.sizes));
  const largest = rows.filter((r) => r.size === Math.max(...deps.sizes));
  const ratios = smallest.map((s, i) => {
    const l = largest[i];
    return l === undefined ? null : { when: s.when, p50: l.p50Ms / s.p50Ms, cpu: l.cpuUs / s.cpuUs };
  });
  for (const r of ratios) {
    if (r === null) continue;
    say(
      `filtered list at ${fmtInt(Math.max(...deps.sizes))} vs ${fmtInt(Math.min(...deps.sizes))} (${r.when}): ` +
        `${fmt(r.p50, 2)}× p50 latency, ${fmt(r.cpu, 2)}× server CPU per request`,
    );
  }
  say('');
  return { rows, ratios };
}

async function walFlood(deps: ScaleRowsDeps) {
  const { say } = deps;
  if (deps.engine.kind !== 'sqlite') {
    say('WAL flood: SQLite only (PostgreSQL recycles its own WAL segments)\n');
    return null;
  }
  const walPath = `${deps.engine.path}-wal`;
  const walBytes = (): number => {
    try {
      return statSync(walPath).size;
    } catch {
      return 0;
    }
  };
  say(`WAL flood: ${deps.floodS} s of upserts of 100 new orders, ${deps.connections} connections …`);
  const integration = deps.newIntegration();
  let peak = walBytes();
  const sampler = setInterval(() => (peak = Math.max(peak, walBytes())), 100);
  const stream: Stream = {
    kind: 'upsert',
    start: deps.upsertStart,
    orders: 100,
    template: deps.orderTemplate,
  };
  const load = await runLoad(deps.generator, {
    url: `${deps.server.url}/api/v2/integrations/${integration}/shipments`,
    method: 'POST',
    authorization: deps.authorization,
    stream,
    connections: deps.connections,
    durationS: deps.floodS,
    core: deps.loadCore,
    scratchDir: deps.scratch,
  });
  clearInterval(sampler);
  const atEnd = walBytes();
  const after: Record<string, number> = {};
  const ended = performance.now();
  for (const s of [1, 5, 10]) {
    await sleep(Math.max(0, s * 1000 - (performance.now() - ended)));
    after[`${s}s`] = walBytes();
  }
  const dbBytes = statSync(deps.engine.path).size;
  const mb = (n: number) => fmt(n / 2 ** 20, 1);
  say(
    renderTable(
      [
        'upserts ok',
        'orders/s',
        'other statuses',
        'peak WAL MB',
        'WAL MB at end',
        '+1 s',
        '+5 s',
        '+10 s',
        'database MB',
      ],
      [
        [
          fmtInt(load.ok),
          fmtInt((load.ok * 100) / load.durationS),
          JSON.stringify(load.statuses),
          mb(peak),
          mb(atEnd),
          mb(after['1s'] ?? 0),
          mb(after['5s'] ?? 0),
          mb(after['10s'] ?? 0),
          mb(dbBytes),
        ],
      ],
      new Set([2]),
    ),
  );
  say('');
  return { load, peakWalBytes: peak, walBytesAtEnd: atEnd, walBytesAfter: after, databaseBytes: dbBytes };
}

/** One upload of 100 orders with `items` parcel items each, every order new (`tag` keeps them apart). */
function bigUpload(tag: string, items: number): Buffer {
  const item = { description: 'T-shirt', quantity: 2, value: '19.99', weight: '0.250', sku: 'TS-001' };
  const orders = Array.from({ length: 100 }, (_, i) => ({
    external_order_id: `${tag}-${i}`,
    external_shipment_id: null,
    order_number: `${tag}-${i}`,
    name: 'John Doe',
    address: 'Stadhuisplein 10',
    city: 'Eindhoven',
    postal_code: '5611 EM',
    country: 'NL',
    created_at: '2024-03-01T10:00:00Z',
    updated_at: '2024-03-01T10:00:00Z',
    parcel_items: Array.from({ length: items }, () => item),
  }));
  return Buffer.from(JSON.stringify(orders));
}

function post(url: string, authorization: string, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { authorization, 'content-type': 'application/json', 'content-length': String(body.length) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    // -1: the connection closed before the answer was read (a refused upload is answered before its body
    // is sent, then its connection closes; a client still writing may see the reset first).
    req.on('error', () => resolve(-1));
    req.end(body);
  });
}

async function uploadRss(deps: ScaleRowsDeps) {
  const { say } = deps;
  // About 4.3 MB each, under the 5 MB BODY_LIMIT_BYTES: 32 of them are twice the default budget.
  const items = 500;
  const sample = bigUpload('probe', items);
  const waves = 3;
  const concurrent = 32;
  say(
    `large uploads: ${waves} waves of ${concurrent} concurrent uploads of 100 orders × ${items} parcel items (${fmt(sample.length / 2 ** 20, 2)} MB each) …`,
  );
  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const [label, env] of [
    [`as started (BODY_MEMORY_LIMIT_BYTES ${process.env.BODY_MEMORY_LIMIT_BYTES ?? 'default'})`, null],
    ['budget lifted (BODY_MEMORY_LIMIT_BYTES=64 GB)', { BODY_MEMORY_LIMIT_BYTES: String(64 * 1024 ** 3) }],
  ] as const) {
    const server = env === null ? deps.server : await deps.startServer(env);
    try {
      const integration = deps.newIntegration();
      const url = `${server.url}/api/v2/integrations/${integration}/shipments`;
      const bodies = Array.from({ length: waves * concurrent }, (_, i) => bigUpload(`big${i}`, items));
      const idle = rssBytes(server.pid) ?? 0;
      const sampler = new RssSampler(server.pid, 20);
      sampler.start();
      const statuses: Record<string, number> = {};
      for (let w = 0; w < waves; w++) {
        const answers = await Promise.all(
          bodies.slice(w * concurrent, (w + 1) * concurrent).map((b) => post(url, deps.authorization, b)),
        );
        for (const s of answers) statuses[String(s)] = (statuses[String(s)] ?? 0) + 1;
      }
      const peak = sampler.stop();
      await sleep(2000);
      const settled = rssBytes(server.pid) ?? 0;
      const mb = (n: number) => fmt(n / 2 ** 20, 0);
      rows.push([label, mb(idle), mb(peak), mb(settled), JSON.stringify(statuses)]);
      results.push({ label, idleRssBytes: idle, peakRssBytes: peak, settledRssBytes: settled, statuses });
      await deps.db.deleteAll(integration);
    } finally {
      if (server !== deps.server) await server.stop();
    }
  }
  say(renderTable(['server', 'RSS idle MB', 'peak MB', 'after 2 s MB', 'answers'], rows, new Set([0, 4])));
  say('');
  return results;
}

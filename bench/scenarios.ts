import { randomBytes } from 'node:crypto';
import type { BenchDb, ShipmentTemplate } from './bench-db.js';
import type { CeilingAnswer } from './ceiling-server.js';
import type { StreamKind } from './ids.js';
import type { LoadResult } from './load.js';
import { ONUM_PLACEHOLDER, OID_PLACEHOLDER, orderNumberFor } from './ids.js';
import { basicOrder } from '../test/v3/order-fixtures.js';

/** The integrations the bench works in: one per kind of data, so clean-ups never touch the others. */
export interface Integrations {
  list: number;
  upsert: number;
  delete: number;
  scale: number;
}

/** What scenarios share during one run of the bench. */
export interface BenchContext {
  db: BenchDb;
  template: ShipmentTemplate;
  integrations: Integrations;
  /** The next unused shipment number (= id); only ever grows, so ids and UUIDs are never reused. */
  nextN: number;
  warmupS: number;
  durationS: number;
  connections: number;
  /** Shipments kept in the list integration for the whole run. */
  residentShipments: number;
  /** The steady set's next shipment to delete (the lowest id not yet requested). */
  steadyNext: number;
  /** The server, for the v3 rows' data: v3 orders are seeded through the API (see `seedOrders`). */
  api: { url: string; authorization: string };
}

/** The state of the database before one measured order-inbox run, kept for the row check. */
export interface RoundState {
  start: number;
  /** One past the last shipment of a delete pool. */
  poolEnd: number;
  rowsBefore: number;
  integrationRowsBefore: number;
  /** Leftovers of the warm-up the runner deleted itself (steady set only). */
  repaired: number;
}

export interface RowCheck {
  ok: boolean;
  text: string;
}

/**
 * One row of the table. `mode` decides the data a run needs and the row check:
 * - `read`: nothing may change;
 * - `upsert`: every 2xx created `orders` new rows (each request names new orders);
 * - `delete-pool`: a pool of seeded shipments, each request deletes the next one; sized from the
 *   rates seen so far so that no request can hit a cheap 404;
 * - `delete-steady`: a fixed-size set where a trigger replaces each deleted shipment in the same
 *   transaction, so the table keeps its size (the scaling rows).
 */
export interface Scenario {
  id: string;
  label: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: (integrations: Integrations) => string;
  kind: StreamKind;
  orders: number;
  mode: 'read' | 'upsert' | 'delete-pool' | 'delete-steady';
  /** Stored shipments the scaling rows hold steady. */
  steadySize?: number;
  /** The scenario may be missing from the server (a route still being written): probe it first. */
  optional?: boolean;
  /**
   * A storage-floor row (floor.ts): the store's own calls, no HTTP, instead of the server. `kind`
   * still names the request stream the ceiling gets, `mode` the data and the row check.
   */
  floor?: FloorScenario;
  /** Further `--only` names that select this row (besides its id and mode). */
  selectors?: string[];
  /**
   * Settings of a server of its own for this row, started beside the shared one on the same database
   * (e.g. the admin API on, so the request journal records): the difference to the row without is
   * what those settings cost.
   */
  serverEnv?: Record<string, string>;
  /**
   * What the ceiling answers for this row; without it, an empty 204 (as a delete answers). A ratio
   * means something only when the ceiling sends what the server sends: `captured` answers the server's
   * own answer to the row's request, taken once before the row (a read whose answer does not depend on
   * the request); `built` computes it from the parsed body with one of ceiling-server.ts's builders.
   */
  ceiling?: ScenarioCeiling;
  /**
   * `orders`: a v3 row. Its data and row check are v3's `orders` table (in the same integrations as the
   * v2 rows, a table of its own), its delete pool is seeded through the API and numbered by order id,
   * and its upsert body is `v3OrderTemplate`.
   */
  table?: 'orders';
}

export type ScenarioCeiling =
  | { kind: 'captured' }
  | {
      kind: 'built';
      builder: Extract<CeilingAnswer, { kind: 'built' }>['builder'];
      contentType: string;
      /** The answer's status; 200 unless given. */
      status?: number;
    };

/** The upsert's answer: one result per order (`v2-upsert-results`), as the server's 200 sends it. */
const UPSERT_CEILING: ScenarioCeiling = {
  kind: 'built',
  builder: 'v2-upsert-results',
  contentType: 'application/json; charset=utf-8',
};

export interface FloorScenario {
  op: 'delete' | 'upsert';
  /** Store calls kept in flight. */
  inFlight: number;
  /** null: as the server runs (the shipped default unless SQLITE_SYNCHRONOUS says otherwise). */
  synchronous: 'normal' | null;
}

/**
 * Upsert calls of 100 orders kept in flight by the floor. 64 (one per wrk connection) would make
 * every commit 6,400 orders, a batch the server never assembles (it parses and validates one 100-order
 * body at a time, milliseconds each); 16 calls, 1,600 orders a commit, already spread the per-commit
 * cost over so many rows that more in flight changes the rate by less than the noise (see README).
 */
export const FLOOR_UPSERT_IN_FLIGHT = 16;

export function scenarios(
  scaleSizes: readonly number[],
  engine: 'sqlite' | 'postgres',
  connections: number,
): Scenario[] {
  const shipments = (i: Integrations, id: number) => `/api/v2/integrations/${id}/shipments`;
  const base: Scenario[] = [
    {
      id: 'get-integration',
      label: 'get integration',
      method: 'GET',
      path: (i) => `/api/v2/integrations/${i.list}`,
      kind: 'fixed',
      orders: 0,
      mode: 'read',
      optional: true,
      ceiling: { kind: 'captured' },
    },
    {
      id: 'list',
      label: 'list, first page',
      method: 'GET',
      path: (i) => shipments(i, i.list),
      kind: 'fixed',
      orders: 0,
      mode: 'read',
      ceiling: { kind: 'captured' },
    },
    {
      id: 'upsert-1',
      label: 'upsert 1 order',
      method: 'POST',
      path: (i) => shipments(i, i.upsert),
      kind: 'upsert',
      orders: 1,
      mode: 'upsert',
      ceiling: UPSERT_CEILING,
    },
    {
      id: 'upsert-100',
      label: 'upsert 100 orders',
      method: 'POST',
      path: (i) => shipments(i, i.upsert),
      kind: 'upsert',
      orders: 100,
      mode: 'upsert',
      ceiling: UPSERT_CEILING,
    },
    ...floorScenarios(engine, {
      id: 'floor-upsert-100',
      label: 'upsert 100 orders — storage floor (no HTTP)',
      method: 'POST',
      path: (i) => shipments(i, i.upsert),
      kind: 'upsert',
      orders: 100,
      mode: 'upsert',
      ceiling: UPSERT_CEILING,
      floor: { op: 'upsert', inFlight: FLOOR_UPSERT_IN_FLIGHT, synchronous: null },
    }),
    {
      id: 'delete-uuid',
      label: 'delete by uuid',
      method: 'POST',
      path: (i) => `${shipments(i, i.delete)}/delete`,
      kind: 'delete-uuid',
      orders: 0,
      mode: 'delete-pool',
    },
    ...floorScenarios(engine, {
      id: 'floor-delete',
      label: 'delete by uuid — storage floor (no HTTP)',
      method: 'POST',
      path: (i) => `${shipments(i, i.delete)}/delete`,
      kind: 'delete-uuid',
      orders: 0,
      mode: 'delete-pool',
      floor: { op: 'delete', inFlight: connections, synchronous: null },
    }),
    {
      id: 'delete-uuid-journal',
      label: 'delete by uuid, admin API and request journal on',
      method: 'POST',
      path: (i) => `${shipments(i, i.delete)}/delete`,
      kind: 'delete-uuid',
      orders: 0,
      mode: 'delete-pool',
      serverEnv: { ADMIN_TOKEN: `bench-${randomBytes(16).toString('hex')}` },
      selectors: ['journal'],
    },
    {
      id: 'delete-key',
      label: 'delete by external ids',
      method: 'POST',
      path: (i) => `${shipments(i, i.delete)}/delete`,
      kind: 'delete-key',
      orders: 0,
      mode: 'delete-pool',
    },
  ];
  base.push(
    {
      id: 'v3-upsert-100',
      label: 'v3 batch of 100 orders',
      method: 'POST',
      path: () => '/api/v3/orders',
      kind: 'upsert',
      orders: 100,
      mode: 'upsert',
      table: 'orders',
      selectors: ['v3'],
      ceiling: {
        kind: 'built',
        builder: 'v3-order-references',
        contentType: 'application/json; charset=utf-8',
        status: 201,
      },
    },
    {
      id: 'v3-list',
      label: 'v3 list, first page',
      method: 'GET',
      path: () => '/api/v3/orders',
      kind: 'fixed',
      orders: 0,
      mode: 'read',
      table: 'orders',
      selectors: ['v3'],
      ceiling: { kind: 'captured' },
    },
    {
      id: 'v3-delete',
      label: 'v3 delete order',
      method: 'DELETE',
      path: () => '/api/v3/orders',
      kind: 'delete-path',
      orders: 0,
      mode: 'delete-pool',
      table: 'orders',
      selectors: ['v3'],
    },
  );
  for (const size of scaleSizes) {
    base.push({
      id: `scale-${size}`,
      label: `delete by uuid, ${formatCount(size)} stored (steady)`,
      method: 'POST',
      path: (i) => `${shipments(i, i.scale)}/delete`,
      kind: 'delete-uuid',
      orders: 0,
      mode: 'delete-steady',
      steadySize: size,
    });
  }
  return base;
}

/**
 * A floor row, and on SQLite its informational twin with `synchronous=NORMAL` (not the shipped
 * default): the difference is what the flush at every commit costs. `--only floor-delete` selects both,
 * `--only floor-delete-normal` the twin alone, `--only floor` every floor row.
 */
function floorScenarios(engine: 'sqlite' | 'postgres', shipped: Scenario): Scenario[] {
  const rows: Scenario[] = [{ ...shipped, selectors: ['floor'] }];
  if (engine === 'sqlite' && shipped.floor !== undefined) {
    rows.push({
      ...shipped,
      id: `${shipped.id}-normal`,
      label: `${shipped.label.replace(' (no HTTP)', '')}, synchronous=NORMAL (not shipped)`,
      floor: { ...shipped.floor, synchronous: 'normal' },
      selectors: ['floor', shipped.id],
    });
  }
  return rows;
}

export function formatCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

/** v3 orders kept in the list integration for the v3 list (its first page reads from them). */
const RESIDENT_ORDERS = 1000;

/**
 * One v3 order as JSON with the two placeholders: the reference's CreateBasicOrder example (as the v3
 * tests use it) in `integrationId`.
 */
export function v3OrderTemplate(integrationId: number): string {
  return JSON.stringify(basicOrder(integrationId, OID_PLACEHOLDER, { order_number: ONUM_PLACEHOLDER }));
}

/**
 * Stores v3 orders `<prefix><n>` for n = from … from+count-1 through the API (batches of 100, four in
 * flight), off the clock, and returns their ids, lowest first. Through the API and not in SQL: a v3
 * order's row has many derived columns, and the server is the one that knows them. The ids are a
 * contiguous range when nothing else writes orders meanwhile; the caller checks that.
 */
async function seedOrders(
  ctx: BenchContext,
  integrationId: number,
  prefix: string,
  from: number,
  count: number,
): Promise<number[]> {
  const template = v3OrderTemplate(integrationId);
  const ids: number[] = [];
  let next = from;
  const end = from + count;
  const worker = async () => {
    while (next < end) {
      const first = next;
      const size = Math.min(100, end - first);
      next += size;
      const orders: string[] = [];
      for (let n = first; n < first + size; n++)
        orders.push(
          template.replace(OID_PLACEHOLDER, `${prefix}${n}`).replace(ONUM_PLACEHOLDER, orderNumberFor(n)),
        );
      const reply = await fetch(`${ctx.api.url}/api/v3/orders`, {
        method: 'POST',
        headers: { authorization: ctx.api.authorization, 'content-type': 'application/json' },
        body: `[${orders.join(',')}]`,
      });
      const body = (await reply.json()) as { data?: { id: number }[] };
      if (reply.status !== 201 || body.data?.length !== size)
        throw new Error(`seeding v3 orders: ${reply.status} ${JSON.stringify(body).slice(0, 300)}`);
      for (const order of body.data) ids.push(order.id);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return ids.sort((a, b) => a - b);
}

/** Once before a scenario's rounds. */
export async function prepareScenario(ctx: BenchContext, scenario: Scenario): Promise<void> {
  if (scenario.table === 'orders' && scenario.mode === 'read') {
    const have = await ctx.db.countOrders(ctx.integrations.list);
    if (have < RESIDENT_ORDERS) {
      await seedOrders(ctx, ctx.integrations.list, 'r', ctx.nextN, RESIDENT_ORDERS - have);
      ctx.nextN += RESIDENT_ORDERS - have;
      await ctx.db.settle();
    }
    return;
  }
  if (scenario.mode !== 'delete-steady') return;
  // The table holds `steadySize` shipments in all: the list's residents plus this set.
  const size = Math.max(1, (scenario.steadySize ?? 0) - (await ctx.db.count()));
  ctx.steadyNext = ctx.nextN;
  await ctx.db.seed(ctx.integrations.scale, ctx.nextN, size, ctx.template);
  await ctx.db.installReplacement(ctx.integrations.scale, size, ctx.template);
  await ctx.db.settle();
}

/** Once after a scenario's rounds: its data and triggers go, numbering moves past everything used. */
export async function finishScenario(ctx: BenchContext, scenario: Scenario): Promise<void> {
  if (scenario.mode === 'delete-steady') {
    await ctx.db.removeReplacement();
    await ctx.db.deleteAll(ctx.integrations.scale);
    await ctx.db.settle();
  }
  ctx.nextN = Math.max(ctx.nextN, (await ctx.db.maxId()) + 1);
}

/**
 * Before one measured order-inbox run. `expectedRequests` bounds how many requests warm-up and run
 * together can send; a delete pool holds that many shipments (and a run that still exhausts it fails
 * its row check with 404s rather than measuring cheap misses).
 */
export async function beforeRound(
  ctx: BenchContext,
  scenario: Scenario,
  expectedRequests: number,
): Promise<RoundState> {
  let start = ctx.nextN;
  let poolEnd = start;
  if (scenario.mode === 'delete-pool' && scenario.table === 'orders') {
    // The stream deletes order ids start, start+1, …: the pool must be one range of ids.
    const pool = Math.ceil(expectedRequests);
    const ids = await seedOrders(ctx, ctx.integrations.delete, 'd', ctx.nextN, pool);
    ctx.nextN += pool;
    start = ids[0] as number;
    poolEnd = (ids[ids.length - 1] as number) + 1;
    if (poolEnd - start !== pool)
      throw new Error(`${scenario.id}: the seeded orders' ids are not one range (${start} … ${poolEnd - 1})`);
    await ctx.db.settle();
  } else if (scenario.mode === 'delete-pool') {
    const pool = Math.ceil(expectedRequests);
    await ctx.db.seed(ctx.integrations.delete, start, pool, ctx.template);
    ctx.nextN += pool;
    poolEnd = start + pool;
    await ctx.db.settle();
  } else if (scenario.mode === 'delete-steady') {
    start = ctx.steadyNext;
  }
  return {
    start,
    poolEnd,
    rowsBefore:
      scenario.table === 'orders'
        ? await ctx.db.countOrders(integrationOf(ctx, scenario))
        : await ctx.db.count(),
    integrationRowsBefore: await countRows(ctx, scenario, integrationOf(ctx, scenario)),
    repaired: 0,
  };
}

/** Rows of the scenario's table in one integration (with from ≤ id < to when given). */
function countRows(ctx: BenchContext, scenario: Scenario, integration: number, from?: number, to?: number) {
  if (scenario.table === 'orders') return ctx.db.countOrders(integration, from, to);
  return from === undefined ? ctx.db.count(integration) : ctx.db.countIds(integration, from, to ?? 0);
}

/** Empties the scenario's table in one integration. */
function deleteRows(ctx: BenchContext, scenario: Scenario, integration: number): Promise<void> {
  return scenario.table === 'orders' ? ctx.db.deleteOrders(integration) : ctx.db.deleteAll(integration);
}

function integrationOf(ctx: BenchContext, scenario: Scenario): number {
  switch (scenario.mode) {
    case 'read':
      return ctx.integrations.list;
    case 'upsert':
      return ctx.integrations.upsert;
    case 'delete-pool':
      return ctx.integrations.delete;
    case 'delete-steady':
      return ctx.integrations.scale;
  }
}

/**
 * A request still on the wire when the load generator stops may never be read by the server (the
 * generator's exit resets the connection), so its shipment stays. In the steady set that would break
 * the chain of replacements (n+k is only created when n is deleted) and turn a later request into a
 * cheap 404; the runner deletes such leftovers itself, off the clock, and the trigger replaces them.
 */
export async function repairSteady(ctx: BenchContext, upTo: number): Promise<number> {
  ctx.steadyNext = upTo;
  return ctx.db.deleteBelow(ctx.integrations.scale, upTo);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The integration's row count once it has stopped moving. The runner waits for the server's CPU to
 * go quiet before a check, but on a heavily loaded machine a server starved of CPU looks quiet while
 * requests it already read are still queued; their rows would then land after the check (and its
 * clean-up) and be counted against the next row.
 */
async function settledCount(ctx: BenchContext, scenario: Scenario, integration: number): Promise<number> {
  let last = await countRows(ctx, scenario, integration);
  for (let i = 0; i < 60; i++) {
    await sleep(500);
    const now = await countRows(ctx, scenario, integration);
    if (now === last) return now;
    last = now;
  }
  return last;
}

/**
 * The row check after one order-inbox run (warm-up and measured run together), once the server is
 * idle. Requests still on the wire when the load generator stopped (`sent - completed`) may or may not
 * have reached the server, so the check is a range: 2xx answers ≤ row change ≤ requests sent, with no
 * non-2xx answer at all; for deletes, exactly the requested shipments are gone and no other.
 */
export async function checkRound(
  ctx: BenchContext,
  scenario: Scenario,
  state: RoundState,
  runs: LoadResult[],
): Promise<RowCheck> {
  const sum = (pick: (r: LoadResult) => number) => runs.reduce((total, r) => total + pick(r), 0);
  const sent = sum((r) => r.sent);
  const ok = sum((r) => r.ok);
  const other = sum((r) => r.other);
  const socketErrors = sum((r) => r.socketErrors);
  const inFlight = sent - sum((r) => r.completed);
  const statuses: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const problems: string[] = [];
  if (other > 0) problems.push(`non-2xx answers ${JSON.stringify(statuses)}`);
  if (socketErrors > 0) problems.push(`${socketErrors} socket errors/timeouts`);
  const integration = integrationOf(ctx, scenario);
  const rowsAfter = await settledCount(ctx, scenario, integration);
  const tail = inFlight > 0 ? ` (+${inFlight} unanswered at stop)` : '';
  let text: string;
  switch (scenario.mode) {
    case 'read': {
      const change = rowsAfter - state.integrationRowsBefore;
      if (change !== 0) problems.push(`rows changed by ${change}`);
      text = `rows unchanged, ${ok} × 2xx`;
      break;
    }
    case 'upsert': {
      const created = rowsAfter - state.integrationRowsBefore;
      if (
        created % scenario.orders !== 0 ||
        created < ok * scenario.orders ||
        created > sent * scenario.orders
      )
        problems.push(`+${created} rows for ${ok} × 2xx of ${scenario.orders} new orders, ${sent} sent`);
      text = `+${created} rows = ${created / scenario.orders} requests × ${scenario.orders}; 2xx ${ok}${tail}`;
      await deleteRows(ctx, scenario, ctx.integrations.upsert);
      await ctx.db.settle();
      break;
    }
    case 'delete-pool': {
      const deleted = state.integrationRowsBefore - rowsAfter;
      const requestedEnd = state.start + sent;
      // Shipments never requested are all still there, so every row gone is one a request named.
      const untouched = await countRows(ctx, scenario, integration, requestedEnd, state.poolEnd);
      if (requestedEnd > state.poolEnd) problems.push(`pool exhausted (${state.poolEnd - state.start})`);
      else if (untouched !== state.poolEnd - requestedEnd)
        problems.push('shipments nobody asked for were deleted');
      if (deleted < ok || deleted > sent) problems.push(`-${deleted} rows for ${ok} × 204, ${sent} sent`);
      text = `-${deleted} rows; 204 ${ok}${tail}`;
      await deleteRows(ctx, scenario, integration);
      await ctx.db.settle();
      break;
    }
    case 'delete-steady': {
      const requestedEnd = state.start + sent;
      // Requested shipments that are still there are the ones the server never read (see repairSteady).
      const left = await ctx.db.countIds(integration, state.start, requestedEnd);
      const deleted = sent - left - state.repaired;
      if (rowsAfter !== state.integrationRowsBefore)
        problems.push(`size moved ${state.integrationRowsBefore} → ${rowsAfter}`);
      if (deleted < ok || deleted > sent) problems.push(`${deleted} deleted for ${ok} × 204, ${sent} sent`);
      text = `-${deleted} +${deleted} rows (size ${rowsAfter} held); 204 ${ok}${tail}`;
      await repairSteady(ctx, requestedEnd);
      break;
    }
  }
  return problems.length === 0
    ? { ok: true, text: `ok: ${text}` }
    : { ok: false, text: `FAILED: ${problems.join('; ')}` };
}

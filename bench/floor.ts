/**
 * The storage floor (see README.md): what the database layer alone does for the two write-heavy
 * operations, with no HTTP at all. Started by run.ts, pinned to the server's core, on the bench's
 * throwaway database while the server sits idle.
 *
 * It opens the database exactly as `order-inbox serve` does — the server checkout's own `loadConfig`
 * and `openStore` from its `dist` — so the statements, pragmas, page cache, checkpointer and group
 * commit are the server's. Then it keeps a fixed number of store calls in flight (as wrk keeps its
 * connections busy): each call that settles issues the next one, so every turn of the event loop hands
 * the write queue a full batch, the best batching the server could ever see.
 *
 * `node --import tsx bench/floor.ts <spec.json>`. Talks to run.ts in JSON lines on stdout:
 *   {"type":"warm",…}      warm-up done, nothing in flight; waits for "go" on stdin
 *   {"type":"stop"}        the measured window has just ended (in-flight calls still finishing)
 *   {"type":"measured",…}  everything settled
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { ShipmentWrite } from '../src/domain/types.js';
import type { Store } from '../src/storage/store.js';
import type { ShipmentTemplate } from './bench-db.js';
import { OID_PLACEHOLDER, ONUM_PLACEHOLDER, orderNumberFor, upsertOrderIdFor, uuidFor } from './ids.js';

export interface FloorSpec {
  /** The order-inbox checkout whose `dist` is measured (the server's). */
  serverRoot: string;
  /** What the server got as `--database`. */
  database: string;
  /** null: whatever the server runs with (SQLITE_SYNCHRONOUS, default full). */
  synchronous: 'full' | 'normal' | null;
  op: 'delete' | 'upsert';
  integrationId: number;
  /** The first shipment number used. */
  start: number;
  /** Deletes: one past the pool's last shipment; no delete is ever issued beyond it. */
  end: number;
  /** Orders per upsert call. */
  orders: number;
  inFlight: number;
  warmupS: number;
  durationS: number;
  template: ShipmentTemplate;
}

/** One phase (warm-up or measured run). */
export interface FloorPhase {
  /** Store calls issued and settled (all of them: the phase ends with nothing in flight). */
  sent: number;
  /** Deletes that found their row / upsert calls whose orders were all created. */
  ok: number;
  /** Deletes that found nothing / upserts with an order not created. */
  missed: number;
  rejected: number;
  firstError: string | null;
  /** Calls that settled inside the timed window, and the window. */
  completedInWindow: number;
  windowS: number;
  /** process.cpuUsage() (user + system, all threads) over the window. */
  cpuUs: number;
  /** Event-loop turns in which calls settled: about the number of commits (group commit). */
  settleTurns: number;
  p50Ms: number;
  p99Ms: number;
  /** A delete pool ran out before the window ended. */
  exhausted: boolean;
}

export type FloorMessage =
  | { type: 'warm'; phase: FloorPhase }
  | { type: 'stop' }
  | { type: 'measured'; phase: FloorPhase; synchronous: string };

const send = (message: FloorMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as FloorSpec;
  const dist = (path: string) => pathToFileURL(join(spec.serverRoot, 'dist', path)).href;
  const { loadConfig } = (await import(dist('config.js'))) as typeof import('../src/config.js');
  const { openStore } = (await import(
    dist('storage/open-store.js')
  )) as typeof import('../src/storage/open-store.js');
  // The same configuration the server reads (environment, then its --database flag).
  const config = loadConfig(process.env, {
    database: spec.database,
    ...(spec.synchronous === null ? {} : { sqliteSynchronous: spec.synchronous }),
  });
  const store: Store = await openStore(config);
  const t = spec.template;

  // One upsert call's orders, as ShipmentService.upsert builds them (the stored `data` template is what
  // the server wrote for one real order; only the two identities differ).
  const upsertWrites = (n: number): ShipmentWrite[] => {
    const writes: ShipmentWrite[] = new Array(spec.orders);
    for (let i = 0; i < spec.orders; i++) {
      const orderId = upsertOrderIdFor(n + i);
      const orderNumber = orderNumberFor(n + i);
      writes[i] = {
        newUuid: randomUUID(),
        externalOrderId: orderId,
        shipmentKey: '',
        externalShipmentId: null,
        orderNumber,
        shopCreatedAtUs: t.shopCreatedAtUs,
        shopUpdatedAtUs: t.shopUpdatedAtUs,
        data: t.data.replaceAll(OID_PLACEHOLDER, orderId).replaceAll(ONUM_PLACEHOLDER, orderNumber),
      };
    }
    return writes;
  };
  const perCall = spec.op === 'upsert' ? spec.orders : 1;
  const call = async (n: number): Promise<boolean> => {
    if (spec.op === 'delete') return store.deleteShipment(spec.integrationId, { uuid: uuidFor(n) });
    const outcomes = await store.upsertShipments(spec.integrationId, upsertWrites(n), Date.now() * 1000);
    return outcomes.length === spec.orders && outcomes.every((o) => o.status === 'created');
  };

  let next = spec.start;
  const phase = (seconds: number, onStop: () => void): Promise<FloorPhase> =>
    new Promise((resolve) => {
      const result: FloorPhase = {
        sent: 0,
        ok: 0,
        missed: 0,
        rejected: 0,
        firstError: null,
        completedInWindow: 0,
        windowS: 0,
        cpuUs: 0,
        settleTurns: 0,
        p50Ms: Number.NaN,
        p99Ms: Number.NaN,
        exhausted: false,
      };
      const latencies: number[] = [];
      let inFlight = 0;
      let open = true;
      let turnOpen = false;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const finish = () => {
        latencies.sort((a, b) => a - b);
        result.p50Ms = percentile(latencies, 0.5);
        result.p99Ms = percentile(latencies, 0.99);
        resolve(result);
      };
      const stop = () => {
        if (!open) return;
        open = false;
        clearTimeout(timer);
        const cpu = process.cpuUsage(cpu0);
        result.cpuUs = cpu.user + cpu.system;
        result.windowS = (performance.now() - t0) / 1000;
        onStop();
        if (inFlight === 0) finish();
      };
      const issue = () => {
        if (!open) return;
        if (spec.op === 'delete' && next >= spec.end) {
          result.exhausted = true;
          stop();
          return;
        }
        const n = next;
        next += perCall;
        result.sent++;
        inFlight++;
        const began = performance.now();
        const settled = (outcome: 'ok' | 'missed' | 'rejected', error?: unknown) => {
          inFlight--;
          result[outcome]++;
          if (error !== undefined && result.firstError === null) result.firstError = String(error);
          if (open) {
            result.completedInWindow++;
            latencies.push(performance.now() - began);
            // Everything a commit settles is settled in one turn: count turns, not calls.
            if (!turnOpen) {
              turnOpen = true;
              result.settleTurns++;
              setImmediate(() => (turnOpen = false));
            }
            issue();
          } else if (inFlight === 0) {
            finish();
          }
        };
        call(n).then(
          (ok) => settled(ok ? 'ok' : 'missed'),
          (error: unknown) => settled('rejected', error),
        );
      };
      const timer = setTimeout(stop, seconds * 1000);
      for (let i = 0; i < spec.inFlight; i++) issue();
    });

  send({ type: 'warm', phase: await phase(spec.warmupS, () => undefined) });
  // run.ts waits until this process is idle (checkpoints done), reads CPU counters, then says go.
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === 'go') break;
  lines.close();
  const measured = await phase(spec.durationS, () => send({ type: 'stop' }));
  const synchronous =
    config.database.kind === 'sqlite' ? `synchronous=${config.sqliteSynchronous.toUpperCase()}` : '';
  send({ type: 'measured', phase: measured, synchronous });
  await store.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `floor: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);

/**
 * `npm run bench` — order-inbox against the bare-Node ceiling. See README.md.
 *
 * One run: build, make a throwaway database (SQLite file, or `oi_bench_<random>` on the PostgreSQL
 * server given with --database), start the real server (`dist/cli/index.js serve`, rate limits off)
 * and the ceiling server on core 0, pin this runner and the load generator to core 1, then for every
 * scenario alternate ceiling and order-inbox runs for several rounds and print one table of medians.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBenchDatabase, openBenchDb } from './bench-db.js';
import type { FloorMessage, FloorPhase, FloorSpec } from './floor.js';
import type { BenchDb } from './bench-db.js';
import type { CeilingAnswer, CeilingRoute } from './ceiling-server.js';
import { OID_PLACEHOLDER, ONUM_PLACEHOLDER } from './ids.js';
import type { Stream } from './ids.js';
import { pickLoadGenerator, runLoad } from './load.js';
import type { LoadGenerator, LoadResult } from './load.js';
import { RssSampler, cpuTimeOfUs, cpuTimeUs, cpusAllowed } from './proc.js';
import { summarizeProfile } from './profile-summary.js';
import { runScaleRows } from './scale-rows.js';
import {
  beforeRound,
  checkRound,
  finishScenario,
  formatCount,
  prepareScenario,
  v3OrderTemplate,
  repairSteady,
  scenarios,
} from './scenarios.js';
import type {
  BenchContext,
  FloorScenario,
  Integrations,
  RoundState,
  RowCheck,
  Scenario,
} from './scenarios.js';
import { fmt, fmtInt, median, renderTable } from './table.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results');
const SERVER_CORE = 0;
const LOAD_CORE = 1;

const { values: opts } = parseArgs({
  options: {
    database: { type: 'string' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string' },
    scale: { type: 'string' },
    load: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    checkout: { type: 'string' },
    flood: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  process.stdout.write(readFileSync(join(ROOT, 'bench', 'README.md'), 'utf8'));
  process.exit(0);
}

const numberOpt = (value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${value}`);
  return n;
};

const quick = opts.quick;
const rounds = Math.round(numberOpt(opts.rounds, quick ? 1 : 3));
const warmupS = numberOpt(opts.warmup, quick ? 1 : 2);
const durationS = numberOpt(opts.duration, quick ? 2 : 8);
const connections = Math.round(numberOpt(opts.connections, 64));
const scaleSizes = (opts.scale ?? (quick ? '10000,30000' : '10000,1000000'))
  .split(',')
  .map((s) => numberOpt(s, 0));
const only = opts.only === undefined ? null : new Set(opts.only.split(','));
const floodS = numberOpt(opts.flood, quick ? 10 : 60);
const generator: LoadGenerator = pickLoadGenerator(opts.load);
// The order-inbox under test: this repository, or another checkout (to compare two versions).
const SERVER_ROOT = resolve(opts.checkout ?? ROOT);
const CLI = join(SERVER_ROOT, 'dist', 'cli', 'index.js');
/**
 * The Node flags the server runs with: those of the checkout's `npm start`
 * (`node <flags> dist/cli/index.js serve`), so the bench measures the server as it is started.
 */
function startFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const words = (pkg.scripts?.start ?? '').split(/\s+/);
  const cli = words.indexOf('dist/cli/index.js');
  return words[0] === 'node' && cli > 0 ? words.slice(1, cli) : [];
}
const SERVER_FLAGS = startFlags(SERVER_ROOT);

const say = (text: string) => process.stdout.write(`${text}\n`);
const note = (text: string) => process.stderr.write(`  · ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything started here is stopped here, in reverse order, also on Ctrl-C. */
const cleanups: (() => Promise<void> | void)[] = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()?.();
    } catch (error) {
      process.stderr.write(`bench: clean-up: ${String(error)}\n`);
    }
  }
}
process.once('SIGINT', () => {
  void cleanUp().then(() => process.exit(130));
});

function cli(args: string[], database: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, [CLI, ...args, '--database', database, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

interface Started {
  child: ChildProcess;
  pid: number;
  url: string;
  stop(): Promise<void>;
}

/** Starts a server pinned to a core; its output goes to a file (a pipe would cost this process CPU). */
async function startPinned(args: string[], logPath: string, env: NodeJS.ProcessEnv): Promise<Started> {
  const fd = openSync(logPath, 'w');
  const child = spawn('taskset', ['-c', String(SERVER_CORE), process.execPath, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /listening on (http:\/\/\S+)/.exec(readFileSync(logPath, 'utf8'));
    if (match?.[1] !== undefined && child.pid !== undefined) {
      const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await Promise.race([exited, sleep(15_000)]);
        }
      };
      return { child, pid: child.pid, url: match[1], stop };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`server did not start:\n${readFileSync(logPath, 'utf8')}`);
    }
    await sleep(50);
  }
}

/** One realistic order (docs/behaviour.md fields a webshop sends), with placeholders for its identity. */
function orderTemplate(): string {
  return JSON.stringify({
    external_order_id: OID_PLACEHOLDER,
    external_shipment_id: null,
    order_number: ONUM_PLACEHOLDER,
    name: 'John Doe',
    company_name: 'Sendcloud',
    address: 'Stadhuisplein',
    house_number: '10',
    address_2: '',
    city: 'Eindhoven',
    postal_code: '5611 EM',
    country: 'NL',
    email: 'john.doe@example.com',
    telephone: '+31612345678',
    currency: 'EUR',
    total_order_value: '49.98',
    weight: '1.250',
    shipping_method_checkout_name: 'Standard delivery',
    order_status: { id: 'paid', message: 'Paid' },
    payment_status: { id: 'paid', message: 'Paid' },
    parcel_items: [
      {
        description: 'T-shirt',
        quantity: 2,
        value: '19.99',
        weight: '0.250',
        sku: 'TS-001',
        hs_code: '610910',
        origin_country: 'PT',
      },
      { description: 'Mug', quantity: 1, value: '9.99', weight: '0.750', sku: 'MUG-01', origin_country: '' },
    ],
    created_at: '2024-03-01T10:00:00Z',
    updated_at: '2024-03-01T10:00:00Z',
  });
}

interface SideResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  dbCpuUsPerReq: number;
  /** Storage-floor rows only: where the CPU went, and how many calls one commit settled. */
  floor?: {
    ownCpuUsPerReq: number;
    idleServerCpuUsPerReq: number;
    callsPerCommit: number;
    synchronous: string;
  };
}

interface ScenarioResult {
  scenario: Scenario;
  unavailable: string | null;
  stored: number[];
  ceiling: SideResult[];
  server: SideResult[];
  ratios: number[];
  checks: RowCheck[];
  peakRssBytes: number;
}

async function main(): Promise<number> {
  mkdirSync(RESULTS, { recursive: true });
  // This runner shares the load generator's core, never the server's.
  execFileSync('taskset', ['-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });

  if (!opts['no-build']) {
    say(`building (npm run build in ${SERVER_ROOT}) …`);
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: SERVER_ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  const scratch = mkdtempSync(join(tmpdir(), 'oi-bench-'));
  cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));

  let databaseArg: string;
  let engine: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  if (opts.database === undefined || opts.database === 'sqlite') {
    databaseArg = join(scratch, 'bench.db');
    engine = { kind: 'sqlite', path: databaseArg };
  } else if (/^postgres(ql)?:\/\//.test(opts.database)) {
    const throwaway = await createBenchDatabase(opts.database, `oi_bench_${randomBytes(5).toString('hex')}`);
    cleanups.push(() => throwaway.drop());
    databaseArg = throwaway.url;
    engine = { kind: 'postgres', url: throwaway.url };
  } else {
    throw new Error('--database takes a postgres:// URL (SQLite always uses a throwaway file)');
  }

  // A tenant and one integration per kind of data, made the documented way (the command line).
  const tenant = cli(['bootstrap'], databaseArg);
  const account = String(tenant.account_id);
  const newIntegration = () => Number(cli(['integrations', 'create', '--account', account], databaseArg).id);
  const integrations: Integrations = {
    list: Number(tenant.integration_id),
    upsert: newIntegration(),
    delete: newIntegration(),
    scale: newIntegration(),
  };
  const authorization = `Basic ${Buffer.from(`${String(tenant.public_key)}:${String(tenant.secret_key)}`).toString('base64')}`;

  const profileDir = join(RESULTS, `profile-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const profileFlags = opts.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  // Every order-inbox server of the run: any free port, rate limits off, the bench's database.
  const serveArgs = [
    ...SERVER_FLAGS,
    CLI,
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--rate-limit',
    'off',
    '--database',
    databaseArg,
  ];
  const server = await startPinned([...profileFlags, ...serveArgs], join(scratch, 'server.log'), process.env);
  cleanups.push(() => server.stop());
  const ceiling = await startPinned(
    ['--import', 'tsx', join(ROOT, 'bench', 'ceiling-server.ts')],
    join(scratch, 'ceiling.log'),
    { ...process.env, BENCH_AUTHORIZATION: authorization },
  );
  cleanups.push(() => ceiling.stop());

  const db: BenchDb = await openBenchDb(engine);
  cleanups.push(() => db.close());

  // The stored `data` of every seeded shipment is what the server itself wrote for one real upsert.
  const templateJson = orderTemplate();
  const probe = await fetch(`${server.url}/api/v2/integrations/${integrations.upsert}/shipments`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: `[${templateJson}]`,
  });
  const probeBody = (await probe.json()) as { status?: string }[];
  if (probe.status !== 200 || probeBody[0]?.status !== 'created') {
    throw new Error(`template upsert failed: ${probe.status} ${JSON.stringify(probeBody)}`);
  }
  const template = await db.template(OID_PLACEHOLDER);
  await db.deleteAll(integrations.upsert);

  const ctx: BenchContext = {
    db,
    template,
    integrations,
    nextN: (await db.maxId()) + 1,
    warmupS,
    durationS,
    connections,
    residentShipments: 1000,
    steadyNext: 0,
    api: { url: server.url, authorization },
  };
  await db.seed(integrations.list, ctx.nextN, ctx.residentShipments, template);
  ctx.nextN += ctx.residentShipments;
  await db.settle();

  const dbDescription = await db.describe();
  const postgresPids = engine.kind === 'postgres' ? await db.databasePids() : [];
  const postgresCpus = postgresPids.length > 0 ? cpusAllowed(postgresPids[0] as number) : '';
  const header = [
    `order-inbox bench — ${new Date().toISOString()}`,
    `engine: ${engine.kind === 'sqlite' ? 'SQLite (throwaway file in ' + tmpdir() + ')' : 'PostgreSQL (throwaway database ' + new URL(engine.url).pathname.slice(1) + ')'}; ${dbDescription}`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; node ${process.version}`,
    `pinning: order-inbox and the ceiling on core ${SERVER_CORE}; load generator (${generator}) and this runner on core ${LOAD_CORE}` +
      (engine.kind === 'postgres' ? `; PostgreSQL not pinned (may run on cores ${postgresCpus})` : ''),
    `load: ${connections} connections, ${warmupS} s warm-up + ${durationS} s measured, ${rounds} round(s), ceiling/order-inbox alternated (ABBA…), medians`,
    `ceiling: bare node:http (bench/ceiling-server.ts) on the same core; it answers each row as the server does: ` +
      `an empty 204 (deletes), the server's own answer captured once (list, get integration), ` +
      `the result array built from the parsed body (upserts)`,
    `rate limits: OFF (serve --rate-limit off); request logging as shipped (LOG_LEVEL ${process.env.LOG_LEVEL ?? 'info'}, to a file)`,
    `server: node ${[...profileFlags, ...SERVER_FLAGS].join(' ')} ${CLI} serve --port 0 --rate-limit off --database <throwaway>${opts.profile ? ' (profiling)' : ''}`,
  ];
  for (const line of header) say(line);
  say('');

  const results: ScenarioResult[] = [];
  let overallPeak = 0;
  for (const scenario of scenarios(scaleSizes, engine.kind, connections)) {
    const selected =
      only === null ||
      only.has(scenario.id) ||
      only.has(scenario.mode) ||
      (scenario.selectors ?? []).some((name) => only.has(name));
    if (!selected) continue;
    say(`${scenario.label} …`);
    const own =
      scenario.serverEnv === undefined
        ? null
        : await startPinned(serveArgs, join(scratch, `server-${scenario.id}.log`), {
            ...process.env,
            ...scenario.serverEnv,
          });
    // The shared server waits idle (on the same core) while a row runs against a server of its own.
    const result = await runScenario(
      ctx,
      scenario,
      own ?? server,
      ceiling,
      authorization,
      scratch,
      databaseArg,
    );
    await own?.stop();
    // The floor's own process is not the server.
    if (scenario.floor === undefined) overallPeak = Math.max(overallPeak, result.peakRssBytes);
    results.push(result);
  }

  // The fault and growth rows: measured on their own, not against the ceiling.
  const scaleRows = await runScaleRows(
    {
      engine,
      db,
      template,
      server,
      startServer: async (env) => {
        const other = await startPinned(
          serveArgs,
          join(scratch, `server-${Object.keys(env).join('-')}.log`),
          { ...process.env, ...env },
        );
        cleanups.push(() => other.stop());
        return other;
      },
      authorization,
      newIntegration,
      upsertStart: 1,
      nextId: async () => (await db.maxId()) + 1,
      sizes: scaleSizes,
      floodS,
      generator,
      loadCore: LOAD_CORE,
      scratch,
      connections,
      orderTemplate: templateJson,
      say,
      note,
    },
    (id) => only === null || only.has(id),
  );

  await server.stop();
  await ceiling.stop();

  say('');
  for (const line of header) say(line);
  say('');
  say(renderResults(results, engine.kind === 'postgres'));
  say('');
  const allChecksOk = results.every((r) => r.checks.every((c) => c.ok));
  if (overallPeak > 0) {
    say(`peak resident memory of order-inbox over the whole run: ${fmt(overallPeak / 2 ** 20, 0)} MB`);
  }
  for (const line of floorNotes(results, engine.kind)) say(line);
  const scale = results.filter((r) => r.scenario.mode === 'delete-steady' && r.unavailable === null);
  if (scale.length >= 2) {
    const first = scale[0] as ScenarioResult;
    const last = scale[scale.length - 1] as ScenarioResult;
    const cost = (r: ScenarioResult) => median(r.server.map((s) => s.cpuUsPerReq));
    say(
      `delete cost at ${formatCount(last.scenario.steadySize ?? 0)} vs ${formatCount(first.scenario.steadySize ?? 0)} stored: ` +
        `${fmt(cost(last) / cost(first), 2)}× CPU per request, ${fmt(median(first.server.map((s) => s.rps)) / median(last.server.map((s) => s.rps)), 2)}× inverse req/s`,
    );
  }
  say('row checks (order-inbox runs; database rows against 2xx answers):');
  for (const r of results) {
    if (r.unavailable !== null) continue;
    r.checks.forEach((c, i) => say(`  ${r.scenario.id} round ${i + 1}: ${c.text}`));
  }
  say(allChecksOk ? 'all row checks passed' : 'SOME ROW CHECKS FAILED');

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const jsonPath = join(RESULTS, `bench-${engine.kind}-${stamp}.json`);
  writeFileSync(
    jsonPath,
    JSON.stringify(
      {
        header,
        engine: engine.kind,
        generator,
        rounds,
        warmupS,
        durationS,
        connections,
        overallPeakRssBytes: overallPeak,
        results,
        scaleRows,
      },
      null,
      2,
    ),
  );
  say(`results: ${jsonPath}`);

  if (opts.profile) {
    const profiles = readdirSync(profileDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(profileDir, f))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    if (profiles[0] !== undefined) {
      say(`\nCPU profile of order-inbox: ${profiles[0]}`);
      say(summarizeProfile(profiles[0], 25));
    }
  }
  return allChecksOk ? 0 : 1;
}

/**
 * Waits until the server has worked off its backlog (a slow upsert of 100 orders can still be
 * running seconds after the load generator stopped): its CPU time stops moving.
 */
async function waitIdle(pid: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = cpuTimeUs(pid);
  while (Date.now() < deadline) {
    await sleep(250);
    const now = cpuTimeUs(pid);
    // Under 8% of a core over the interval: idle timers and the RSS sampler, not requests.
    if (now - last < 20_000) return;
    last = now;
  }
}

async function measure(
  pid: number,
  databaseDb: BenchDb | null,
  spec: Parameters<typeof runLoad>[1],
): Promise<{ load: LoadResult; side: SideResult }> {
  const dbPids0 = databaseDb === null ? [] : await databaseDb.databasePids();
  const cpu0 = cpuTimeUs(pid);
  const db0 = new Map(dbPids0.map((p) => [p, cpuTimeOfUs([p])]));
  const load = await runLoad(generator, spec);
  const cpu1 = cpuTimeUs(pid);
  // The pool may open backends during the run: their whole CPU time belongs to it.
  const dbPids1 = databaseDb === null ? [] : await databaseDb.databasePids();
  let dbUs = 0;
  for (const p of new Set([...dbPids0, ...dbPids1])) dbUs += cpuTimeOfUs([p]) - (db0.get(p) ?? 0);
  const done = Math.max(1, load.completed);
  return {
    load,
    side: {
      rps: load.completed / load.durationS,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      cpuUsPerReq: (cpu1 - cpu0) / done,
      dbCpuUsPerReq: databaseDb === null ? Number.NaN : dbUs / done,
    },
  };
}

/**
 * Tells the ceiling what to answer for this row's path (see ceiling-server.ts): an empty 204 unless the
 * row names a ceiling; `captured` takes the server's own answer to the row's request, once.
 */
async function setCeilingAnswer(
  scenario: Scenario,
  path: string,
  server: Started,
  ceiling: Started,
  authorization: string,
): Promise<void> {
  let answer: CeilingAnswer = { kind: 'empty' };
  const wanted = scenario.ceiling;
  if (wanted?.kind === 'captured') {
    if (scenario.method !== 'GET') throw new Error(`${scenario.id}: only a GET's answer can be captured`);
    const reply = await fetch(`${server.url}${path}`, { headers: { authorization } });
    const bytes = Buffer.from(await reply.arrayBuffer());
    if (reply.status !== 200)
      throw new Error(`${scenario.id}: capturing the ceiling's answer: ${reply.status}`);
    answer = {
      kind: 'bytes',
      status: reply.status,
      contentType: reply.headers.get('content-type') ?? 'application/json',
      base64: bytes.toString('base64'),
    };
    note(`ceiling answers the server's own ${fmtInt(bytes.length)} bytes for ${path}`);
  } else if (wanted?.kind === 'built') {
    answer = {
      kind: 'built',
      builder: wanted.builder,
      status: wanted.status ?? 200,
      contentType: wanted.contentType,
    };
  }
  const route: CeilingRoute = { path: path.split('?')[0] as string, answer };
  const reply = await fetch(`${ceiling.url}/__ceiling`, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(route),
  });
  await reply.arrayBuffer();
  if (reply.status !== 204) throw new Error(`ceiling refused its answer for ${path}: ${reply.status}`);
}

async function runScenario(
  ctx: BenchContext,
  scenario: Scenario,
  server: Started,
  ceiling: Started,
  authorization: string,
  scratch: string,
  databaseArg: string,
): Promise<ScenarioResult> {
  const result: ScenarioResult = {
    scenario,
    unavailable: null,
    stored: [],
    ceiling: [],
    server: [],
    ratios: [],
    checks: [],
    peakRssBytes: 0,
  };
  const path = scenario.path(ctx.integrations);
  if (scenario.optional) {
    const answer = await fetch(`${server.url}${path}`, { headers: { authorization } });
    await answer.arrayBuffer();
    if (answer.status !== 200) {
      result.unavailable = `${scenario.method} ${path} answered ${answer.status}`;
      note(`unavailable: ${result.unavailable}`);
      return result;
    }
  }
  await prepareScenario(ctx, scenario);
  await setCeilingAnswer(scenario, path, server, ceiling, authorization);
  const sampler = new RssSampler(server.pid);
  sampler.start();
  const stream = (start: number): Stream => ({
    kind: scenario.kind,
    start,
    orders: scenario.orders,
    template: scenario.table === 'orders' ? v3OrderTemplate(ctx.integrations.upsert) : orderTemplate(),
  });
  const spec = (url: string, start: number, seconds: number) => ({
    url: `${url}${path}`,
    method: scenario.method,
    authorization,
    stream: stream(start),
    connections: ctx.connections,
    durationS: seconds,
    core: LOAD_CORE,
    scratchDir: scratch,
  });
  const perRequest = scenario.kind === 'upsert' ? scenario.orders : 1;
  for (let round = 0; round < rounds; round++) {
    const order: ('ceiling' | 'server')[] = round % 2 === 0 ? ['ceiling', 'server'] : ['server', 'ceiling'];
    let ceilingSide: SideResult | null = null;
    let serverSide: SideResult | null = null;
    for (const side of order) {
      if (side === 'ceiling') {
        await runLoad(generator, spec(ceiling.url, 1, ctx.warmupS));
        ceilingSide = (await measure(ceiling.pid, null, spec(ceiling.url, 1, ctx.durationS))).side;
        continue;
      }
      // Requests the server can possibly answer in warm-up + run: well above the best rate seen so
      // far, else near this round's ceiling (a bound no server reaches).
      const seen = Math.max(0, ...result.server.map((s) => s.rps));
      // Rates swing by 2× on a busy machine; an unused shipment costs only seeding time.
      const guess = seen > 0 ? seen * 3 : (ceilingSide?.rps ?? 50_000) * 0.8;
      const expected = guess * (ctx.warmupS + ctx.durationS) + 4 * ctx.connections;
      if (scenario.floor !== undefined) {
        // The storage floor: the store's own calls instead of the server, on the same kind of data.
        // Unlike the server it can outrun the ceiling (PostgreSQL works on the other core): a round
        // whose delete pool ran out is checked, then run once more with a pool sized from its rate.
        // Its rate is steadier than the server's under wrk, so later rounds size with 1.5×, not 3×.
        let pool = (seen > 0 ? seen * 1.5 : guess) * (ctx.warmupS + ctx.durationS) + 4 * ctx.connections;
        for (let attempt = 1; ; attempt++) {
          const state = await beforeRound(ctx, scenario, pool);
          const floor = await runFloor(
            ctx,
            scenario,
            scenario.floor,
            state,
            server.pid,
            databaseArg,
            scratch,
          );
          const check = await checkRound(ctx, scenario, state, [floor.warm, floor.measured]);
          if (scenario.kind === 'upsert')
            ctx.nextN += (floor.warm.sent + floor.measured.sent) * scenario.orders;
          if (floor.exhausted && attempt === 1) {
            pool = Math.max(pool * 2, floor.rateSeen * 2 * (ctx.warmupS + ctx.durationS));
            note(
              `storage floor ran out of its ${fmtInt(state.poolEnd - state.start)} shipments at ` +
                `${fmtInt(floor.rateSeen)} calls/s (${check.text}); once more with ${fmtInt(pool)}`,
            );
            continue;
          }
          serverSide = floor.side;
          result.peakRssBytes = Math.max(result.peakRssBytes, floor.peakRssBytes);
          result.stored.push(state.rowsBefore);
          result.checks.push(
            floor.problem === null
              ? check
              : { ok: false, text: `FAILED: ${floor.problem}; ${check.text.replace(/^(ok|FAILED): /, '')}` },
          );
          break;
        }
        continue;
      }
      const state = await beforeRound(ctx, scenario, expected);
      const warm = await runLoad(generator, spec(server.url, state.start, ctx.warmupS));
      await waitIdle(server.pid);
      if (scenario.mode === 'delete-steady') {
        state.repaired = await repairSteady(ctx, state.start + warm.sent);
      }
      const measured = await measure(
        server.pid,
        ctx.db.dialect === 'postgres' ? ctx.db : null,
        spec(server.url, state.start + warm.sent * perRequest, ctx.durationS),
      );
      // Requests still in flight when the generator stopped finish before rows are counted.
      await waitIdle(server.pid);
      serverSide = measured.side;
      result.stored.push(state.rowsBefore);
      result.checks.push(await checkRound(ctx, scenario, state, [warm, measured.load]));
      if (scenario.kind === 'upsert') ctx.nextN += (warm.sent + measured.load.sent) * scenario.orders;
    }
    if (ceilingSide !== null && serverSide !== null) {
      result.ceiling.push(ceilingSide);
      result.server.push(serverSide);
      result.ratios.push(serverSide.rps / ceilingSide.rps);
      note(
        `round ${round + 1}: ceiling ${fmtInt(ceilingSide.rps)} req/s, ` +
          `${scenario.floor === undefined ? 'order-inbox' : 'storage floor'} ${fmtInt(serverSide.rps)} req/s ` +
          `(${fmt(serverSide.cpuUsPerReq, 1)} µs CPU/req), ${result.checks[result.checks.length - 1]?.text ?? ''}`,
      );
    }
  }
  const serverPeak = sampler.stop();
  if (scenario.floor === undefined) result.peakRssBytes = serverPeak;
  await finishScenario(ctx, scenario);
  return result;
}

/**
 * One storage-floor run (floor.ts) in place of the server's warm-up and measured run: a process of its
 * own, pinned to the server's core, on the same database and data, while the server sits idle. Its CPU
 * is what it measures itself over the window plus whatever the idle server spent meanwhile (on SQLite
 * the server's checkpointer thread checkpoints the same WAL); on PostgreSQL the backends' CPU as for
 * the server's rows.
 */
async function runFloor(
  ctx: BenchContext,
  scenario: Scenario,
  floor: FloorScenario,
  state: RoundState,
  serverPid: number,
  databaseArg: string,
  scratch: string,
): Promise<{
  warm: LoadResult;
  measured: LoadResult;
  side: SideResult;
  peakRssBytes: number;
  problem: string | null;
  /** The delete pool ran out; the best rate either phase showed, to size the next one. */
  exhausted: boolean;
  rateSeen: number;
}> {
  const spec: FloorSpec = {
    serverRoot: SERVER_ROOT,
    database: databaseArg,
    synchronous: floor.synchronous,
    op: floor.op,
    integrationId: floor.op === 'delete' ? ctx.integrations.delete : ctx.integrations.upsert,
    start: state.start,
    end: state.poolEnd,
    orders: scenario.orders,
    inFlight: floor.inFlight,
    warmupS: ctx.warmupS,
    durationS: ctx.durationS,
    template: ctx.template,
  };
  const specPath = join(scratch, 'floor-spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const logPath = join(scratch, 'floor.log');
  const fd = openSync(logPath, 'w');
  const child = spawn(
    'taskset',
    [
      '-c',
      String(SERVER_CORE),
      process.execPath,
      ...SERVER_FLAGS,
      '--import',
      'tsx',
      join(ROOT, 'bench', 'floor.ts'),
      specPath,
    ],
    { cwd: ROOT, env: process.env, stdio: ['pipe', 'pipe', fd] },
  );
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const { pid, stdin, stdout } = child;
  if (pid === undefined || stdin === null || stdout === null) throw new Error('storage floor did not start');
  const sampler = new RssSampler(pid);
  sampler.start();
  const postgres = ctx.db.dialect === 'postgres';
  let warm: FloorPhase | null = null;
  let measured: FloorPhase | null = null;
  let synchronous = '';
  let server0 = 0;
  let server1 = 0;
  let db0 = new Map<number, number>();
  let dbUs = 0;
  try {
    for await (const line of createInterface({ input: stdout })) {
      const message = JSON.parse(line) as FloorMessage;
      if (message.type === 'warm') {
        warm = message.phase;
        await waitIdle(pid);
        await waitIdle(serverPid);
        const pids = postgres ? await ctx.db.databasePids() : [];
        db0 = new Map(pids.map((p) => [p, cpuTimeOfUs([p])]));
        server0 = cpuTimeUs(serverPid);
        stdin.write('go\n');
      } else if (message.type === 'stop') {
        server1 = cpuTimeUs(serverPid);
        for (const [p, before] of db0) dbUs += cpuTimeOfUs([p]) - before;
        // Backends the pool opened during the run: their whole CPU time belongs to it.
        for (const p of postgres ? await ctx.db.databasePids() : [])
          if (!db0.has(p)) dbUs += cpuTimeOfUs([p]);
      } else {
        measured = message.phase;
        synchronous = message.synchronous;
      }
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      await Promise.race([exited, sleep(30_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
  const code = await exited;
  const peakRssBytes = sampler.stop();
  if (code !== 0 || warm === null || measured === null) {
    throw new Error(`storage floor failed (exit ${String(code)}):\n${readFileSync(logPath, 'utf8')}`);
  }
  const asLoad = (p: FloorPhase): LoadResult => {
    const names =
      floor.op === 'delete'
        ? ['deleted', 'not found', 'rejected']
        : ['created', 'not all created', 'rejected'];
    const statuses: Record<string, number> = {};
    [p.ok, p.missed, p.rejected].forEach((count, i) => {
      if (count > 0) statuses[names[i] as string] = count;
    });
    return {
      sent: p.sent,
      completed: p.sent,
      ok: p.ok,
      other: p.missed + p.rejected,
      statuses,
      socketErrors: 0,
      durationS: p.windowS,
      p50Ms: p.p50Ms,
      p99Ms: p.p99Ms,
    };
  };
  const problems: string[] = [];
  if (warm.exhausted || measured.exhausted) {
    problems.push(`delete pool exhausted (${state.poolEnd - state.start}): the floor outran its guess`);
  }
  const firstError = warm.firstError ?? measured.firstError;
  if (firstError !== null) problems.push(`store call rejected: ${firstError}`);
  const done = Math.max(1, measured.completedInWindow);
  const idleServerUs = server1 - server0;
  return {
    warm: asLoad(warm),
    measured: asLoad(measured),
    side: {
      rps: measured.completedInWindow / measured.windowS,
      p50Ms: measured.p50Ms,
      p99Ms: measured.p99Ms,
      cpuUsPerReq: (measured.cpuUs + idleServerUs) / done,
      dbCpuUsPerReq: postgres ? dbUs / done : Number.NaN,
      floor: {
        ownCpuUsPerReq: measured.cpuUs / done,
        idleServerCpuUsPerReq: idleServerUs / done,
        callsPerCommit: measured.completedInWindow / Math.max(1, measured.settleTurns),
        synchronous,
      },
    },
    peakRssBytes,
    problem: problems.length === 0 ? null : problems.join('; '),
    exhausted: warm.exhausted || measured.exhausted,
    rateSeen: Math.max(
      ...[warm, measured].map((p) => (p.windowS > 0.1 ? p.completedInWindow / p.windowS : 0)),
    ),
  };
}

/** The targets the rows are read against: delete per engine; upsert-100 is SQLite's. */
const DELETE_TARGET_RATIO = { sqlite: 0.35, postgres: 0.2 } as const;
const UPSERT_TARGET_ORDERS_PER_S = 20_000;
/** Against ceilings that send the same answer (list: the page's bytes; upsert: the result array). */
const LIST_TARGET_RATIO = 0.4;
const UPSERT_TARGET_RATIO = 0.3;

/** Under the table: what each floor row consists of, and the targets against server and floor. */
function floorNotes(results: ScenarioResult[], engine: 'sqlite' | 'postgres'): string[] {
  const measured = results.filter((r) => r.unavailable === null && r.server.length > 0);
  const floors = measured.filter((r) => r.scenario.floor !== undefined);
  const lines =
    floors.length === 0
      ? []
      : [
          'storage floor rows: the store called directly (no HTTP), pinned to core 0 like the server, the server idle; medians:',
        ];
  for (const r of floors) {
    const floor = r.scenario.floor as FloorScenario;
    const m = (pick: (s: SideResult) => number) => median(r.server.map(pick));
    const perOrder = r.scenario.kind === 'upsert' ? r.scenario.orders : 1;
    const cpu = m((s) => s.cpuUsPerReq);
    const wall = 1e6 / m((s) => s.rps);
    const unit = perOrder > 1 ? `call of ${perOrder} orders` : 'call';
    lines.push(
      `  ${r.scenario.id} (${r.server[0]?.floor?.synchronous || engine}): ${floor.inFlight} calls in flight, ` +
        `${fmt(
          m((s) => s.floor?.callsPerCommit ?? Number.NaN),
          1,
        )} calls settled per event-loop turn (≈ per commit); ` +
        `CPU ${fmt(cpu, 1)} µs per ${unit} (floor process ${fmt(
          m((s) => s.floor?.ownCpuUsPerReq ?? Number.NaN),
          1,
        )} + idle server ${fmt(
          m((s) => s.floor?.idleServerCpuUsPerReq ?? Number.NaN),
          1,
        )})` +
        (engine === 'postgres'
          ? ` + PostgreSQL ${fmt(
              m((s) => s.dbCpuUsPerReq),
              1,
            )}`
          : '') +
        `, wall ${fmt(wall, 1)} µs` +
        (perOrder > 1 ? ` (${fmt(cpu / perOrder, 1)} / ${fmt(wall / perOrder, 1)} µs per order)` : '') +
        `; core 0 busy ${fmt((100 * cpu) / wall, 0)} % of the wall time, the rest waiting ` +
        (engine === 'sqlite' ? '(commit flushes, other processes)' : '(PostgreSQL, other processes)'),
    );
  }
  const byId = new Map(measured.map((r) => [r.scenario.id, r]));
  const ratio = (id: string) => {
    const r = byId.get(id);
    return r === undefined ? null : median(r.ratios);
  };
  const ordersPerS = (id: string) => {
    const r = byId.get(id);
    return r === undefined ? null : median(r.server.map((s) => s.rps)) * r.scenario.orders;
  };
  const verdict = (value: number, target: number) => (value >= target ? 'meets it' : 'below it');
  const target = (
    title: string,
    target: number,
    value: (id: string) => number | null,
    show: (v: number) => string,
    ids: [string, string][],
  ) => {
    const parts = ids.flatMap(([name, id]) => {
      const v = value(id);
      return v === null ? [] : [`${name} ${show(v)} (${verdict(v, target)})`];
    });
    if (parts.length > 0) lines.push(`  ${title}: ${parts.join('; ')}`);
  };
  if (measured.length === 0) return lines;
  lines.push(`targets on this machine (${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}):`);
  target(
    `delete by uuid ≥ ${DELETE_TARGET_RATIO[engine]}× ceiling`,
    DELETE_TARGET_RATIO[engine],
    ratio,
    (v) => `${fmt(v, 3)}×`,
    [
      ['order-inbox', 'delete-uuid'],
      ['storage floor', 'floor-delete'],
      ['storage floor with synchronous=NORMAL (not shipped)', 'floor-delete-normal'],
    ],
  );
  target(
    `list, first page ≥ ${LIST_TARGET_RATIO}× its ceiling (the same page bytes from memory)`,
    LIST_TARGET_RATIO,
    ratio,
    (v) => `${fmt(v, 3)}×`,
    [['order-inbox', 'list']],
  );
  target(
    `upsert 100 ≥ ${UPSERT_TARGET_RATIO}× its ceiling (the same result array)`,
    UPSERT_TARGET_RATIO,
    ratio,
    (v) => `${fmt(v, 3)}×`,
    [
      ['order-inbox', 'upsert-100'],
      ['storage floor', 'floor-upsert-100'],
    ],
  );
  target(
    `upsert 100 ≥ ${fmtInt(UPSERT_TARGET_ORDERS_PER_S)} orders/s${engine === 'postgres' ? " (SQLite's target)" : ''}`,
    UPSERT_TARGET_ORDERS_PER_S,
    ordersPerS,
    (v) => `${fmtInt(v)} orders/s`,
    [
      ['order-inbox', 'upsert-100'],
      ['storage floor', 'floor-upsert-100'],
      ['storage floor with synchronous=NORMAL (not shipped)', 'floor-upsert-100-normal'],
    ],
  );
  return lines;
}

function renderResults(results: ScenarioResult[], postgres: boolean): string {
  const header = [
    'scenario',
    'stored',
    'req/s',
    'orders/s',
    'p50 ms',
    'p99 ms',
    'CPU µs/req',
    'wall µs/req',
    ...(postgres ? ['PG CPU µs/req'] : []),
    'ceiling req/s',
    'ceiling p99',
    'ceiling CPU µs/req',
    'ratio',
    'peak RSS MB',
    'rows',
  ];
  const rows = results.map((r) => {
    if (r.unavailable !== null) {
      return [r.scenario.label, ...header.slice(1, -1).map(() => '—'), `unavailable (${r.unavailable})`];
    }
    const m = (pick: (s: SideResult) => number, list: SideResult[]) => median(list.map(pick));
    const rps = m((s) => s.rps, r.server);
    return [
      r.scenario.label,
      fmtInt(median(r.stored)),
      fmtInt(rps),
      r.scenario.kind === 'upsert' ? fmtInt(rps * r.scenario.orders) : '',
      fmt(
        m((s) => s.p50Ms, r.server),
        2,
      ),
      fmt(
        m((s) => s.p99Ms, r.server),
        2,
      ),
      fmt(
        m((s) => s.cpuUsPerReq, r.server),
        1,
      ),
      fmt(1e6 / rps, 1),
      ...(postgres
        ? [
            fmt(
              m((s) => s.dbCpuUsPerReq, r.server),
              1,
            ),
          ]
        : []),
      fmtInt(m((s) => s.rps, r.ceiling)),
      fmt(
        m((s) => s.p99Ms, r.ceiling),
        2,
      ),
      fmt(
        m((s) => s.cpuUsPerReq, r.ceiling),
        1,
      ),
      `${fmt(median(r.ratios), 3)}×`,
      fmt(r.peakRssBytes / 2 ** 20, 0),
      r.checks.every((c) => c.ok) ? `ok ${r.checks.length}/${r.checks.length}` : 'FAILED',
    ];
  });
  return renderTable(header, rows, new Set([0, header.length - 1]));
}

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await cleanUp();
    process.exit(1);
  });

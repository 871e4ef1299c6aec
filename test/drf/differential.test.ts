/**
 * order-inbox against real Django REST Framework: the generated corpus (corpus.ts) is answered by
 * order-inbox's own validators and by DRF itself (oracle.py, Debian's python3-djangorestframework run
 * with /usr/bin/python3, one long-lived child process fed JSON lines). Every answer is compared whole:
 * valid or invalid, the error dict as the client reads it (Python's repr) and the stored values.
 *
 * Prints the agreement for upsert items, integration updates and delete bodies. A disagreement is
 * allowed only when a decision below, documented in docs/behaviour.md, names it; any other fails.
 * Without DRF on the machine the suite skips saying so; with `CI` set it fails instead.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { parseJson } from '../../src/domain/drf/json.js';
import { pyRepr } from '../../src/domain/drf/repr.js';
import { formatDateTime } from '../../src/domain/drf/time.js';
import { ApiError } from '../../src/domain/errors.js';
import { validateIntegrationUpdate } from '../../src/domain/integrations/integration-update.js';
import { COUNTRY_CODES } from '../../src/domain/shipments/country-codes.js';
import { validateOrder } from '../../src/domain/shipments/order-schema.js';
import { ShipmentService, parseDeleteBody } from '../../src/domain/shipments/shipment-service.js';
import type { Integration, ShipmentWrite } from '../../src/domain/types.js';
import type { Store } from '../../src/storage/store.js';
import { corpus } from './corpus.js';
import type { Case } from './corpus.js';

const PYTHON = '/usr/bin/python3';
const ORACLE = fileURLToPath(new URL('./oracle.py', import.meta.url));
// Fixed so that CI is repeatable; `DRF_SEED=<n>` explores another corpus.
const SEED = Number(process.env.DRF_SEED ?? 20261201);
const COUNTS = { orders: 3000, updates: 1500, deletes: 800 };

type Answer = Record<string, unknown>;

/**
 * The documented decisions where order-inbox answers otherwise than DRF would (docs/behaviour.md,
 * "Where order-inbox differs from DRF"). Each names the cases it covers; nothing else may differ.
 */
const DECISIONS: { name: string; covers: (c: Case, ours: Answer, theirs: Answer) => boolean }[] = [
  {
    // Microseconds past 2^53 since 1970 cannot be held exactly in a JS number: beyond the years
    // 1685-2254 a fraction of a second is stored to the nearest representable microsecond.
    name: 'fractions of a second outside 1685-2254 stored to the nearest representable microsecond',
    covers: (_c, ours, theirs) => {
      if (ours.ok !== true || theirs.ok !== true) return false;
      const withoutFractions = (answer: Answer) =>
        canonical(answer.value).replace(/(T[\d:]{8})\.\d{6}Z/g, '$1Z');
      const years = [...JSON.stringify(theirs.value).matchAll(/"(\d{4})-\d\d-\d\dT[\d:]{8}\.\d{6}Z"/g)].map(
        (m) => Number(m[1]),
      );
      return (
        withoutFractions(ours) === withoutFractions(theirs) &&
        years.some((year) => year < 1686 || year > 2254)
      );
    },
  },
];

function pythonHasDrf(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import rest_framework, django'], { encoding: 'utf8' });
  return probe.status === 0;
}

/** Keys sorted at every level: the comparison is of values (the wire order is RENDER_ORDER's). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

const stubStore = {
  upsertShipments: async (_integrationId: number, writes: ShipmentWrite[]) =>
    writes.map((w) => ({ status: 'created' as const, uuid: w.newUuid })),
} as unknown as Store;
const service = new ShipmentService(stubStore, { nowUs: () => 0 } as never, 100);

function readBody(raw: string | null): { body: unknown } | { parse_error: string } {
  if (raw === null) return { body: {} };
  try {
    return { body: parseJson(raw) };
  } catch (error) {
    return { parse_error: (error as Error).message };
  }
}

async function ours(c: Case): Promise<Answer> {
  const read = readBody(c.body);
  if (!('body' in read)) return { parse_error: true };
  const { body } = read;
  try {
    if (c.kind === 'upsert') {
      const results = await service.upsert(1, body);
      return {
        items: results.map((result, i) => {
          if (result.status === 'error') return { ok: false, error: pyRepr(result.error) };
          const outcome = validateOrder((body as unknown[])[i]);
          assert.ok(outcome.ok);
          const { fields, shopCreatedAtUs, shopUpdatedAtUs } = outcome.order;
          const value = {
            ...fields,
            created_at: formatDateTime(shopCreatedAtUs),
            updated_at: formatDateTime(shopUpdatedAtUs),
          };
          return { ok: true, value: JSON.parse(JSON.stringify(value)) as unknown };
        }),
      };
    }
    if (c.kind === 'update') {
      const current = c.current!;
      const integration = {
        servicePointEnabled: current.service_point_enabled,
        servicePointCarriers: current.service_point_carriers,
        webhookActive: current.webhook_active,
        webhookUrl: current.webhook_url,
      } as Integration;
      const changes = validateIntegrationUpdate(integration, body);
      const value: Record<string, unknown> = {};
      if ('shopName' in changes) value.shop_name = changes.shopName;
      if ('shopUrl' in changes) value.shop_url = changes.shopUrl;
      if ('servicePointEnabled' in changes) value.service_point_enabled = changes.servicePointEnabled;
      if ('servicePointCarriers' in changes) value.service_point_carriers = changes.servicePointCarriers;
      if ('webhookActive' in changes) value.webhook_active = changes.webhookActive;
      if ('webhookUrl' in changes) value.webhook_url = changes.webhookUrl;
      return { ok: true, value };
    }
    const selector = parseDeleteBody(body);
    return 'uuid' in selector
      ? { uuid: selector.uuid }
      : { external_order_id: selector.externalOrderId, shipment_key: selector.shipmentKey };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return c.kind === 'update' ? { ok: false, error: error.message } : { error: error.message };
  }
}

/** Runs the corpus through one oracle process: every case written at once, answers read in order. */
async function theirs(cases: Case[]): Promise<Answer[]> {
  const child = spawn(PYTHON, [ORACLE], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { PYTHONDONTWRITEBYTECODE: '1' },
  });
  const lines = createInterface({ input: child.stdout });
  const answers: Answer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => answers.push(JSON.parse(line) as Answer));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`oracle exited with ${code}`))));
  });
  child.stdin.write(`${JSON.stringify({ countries: COUNTRY_CODES })}\n`);
  for (const c of cases) child.stdin.write(`${JSON.stringify(c)}\n`);
  child.stdin.end();
  await done;
  assert.deepEqual(answers.shift(), { ready: true });
  return answers;
}

/** Splits an upsert answer into its items (a list-level answer counts as one). */
function items(answer: Answer): Answer[] {
  return Array.isArray(answer.items) ? (answer.items as Answer[]) : [answer];
}

const available = pythonHasDrf();
const skip =
  available || process.env.CI
    ? false
    : `Debian's DRF is not importable by ${PYTHON} (apt-get install python3-djangorestframework): the differential test did not run`;

describe('order-inbox answers as Django REST Framework does', { skip }, () => {
  test('the generated corpus, compared with real DRF', async (t) => {
    assert.ok(available, `${PYTHON} cannot import rest_framework, and CI requires the differential test`);
    const cases = corpus(SEED, COUNTS);
    const expected = await theirs(cases);
    assert.equal(expected.length, cases.length);
    const tally = { upsert: { same: 0, all: 0 }, update: { same: 0, all: 0 }, delete: { same: 0, all: 0 } };
    const decided = new Map<string, number>();
    const undecided: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i] as Case;
      const their = expected[i] as Answer;
      assert.equal(their.crash, undefined, `the model crashed on ${c.body}: ${String(their.crash)}`);
      const our = await ours(c);
      const pairs: [Answer, Answer][] =
        c.kind === 'upsert' && Array.isArray(our.items) && Array.isArray(their.items)
          ? items(our).map((o, j) => [o, items(their)[j] ?? {}])
          : [[our, 'parse_error' in their ? { parse_error: true } : their]];
      for (const [o, e] of pairs) {
        const count = tally[c.kind];
        count.all++;
        if (canonical(o) === canonical(e)) {
          count.same++;
          continue;
        }
        const decision = DECISIONS.find((d) => d.covers(c, o, e));
        if (decision !== undefined) decided.set(decision.name, (decided.get(decision.name) ?? 0) + 1);
        else
          undecided.push(
            `${c.kind} ${c.body ?? '(no body)'}\n    ours: ${canonical(o)}\n    DRF:  ${canonical(e)}`,
          );
      }
    }
    const figure = (name: string, { same, all }: { same: number; all: number }) =>
      `${name}: ${same} of ${all} answered exactly as DRF (${((100 * same) / all).toFixed(2)}%)`;
    const report = [
      figure('upsert items', tally.upsert),
      figure('integration updates', tally.update),
      figure('delete bodies', tally.delete),
      ...[...decided].map(([name, n]) => `documented decision, ${n} cases: ${name}`),
    ];
    for (const line of report) {
      t.diagnostic(line);
      console.log(`# ${line}`);
    }
    assert.deepEqual(undecided.slice(0, 30), [], `${undecided.length} answers differ from DRF's`);
  });
});

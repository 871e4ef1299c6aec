/**
 * The v3 order answer spliced from the stored document (order-json.ts) against what it replaces:
 * `JSON.stringify(orderAnswer(row))` on the parsed document. Byte for byte — or the same error — for
 * the documents the upsert writes and for any text a snapshot import may have stored: white space,
 * other spellings of strings and numbers, repeated keys, keys that are array indexes, `__proto__`,
 * members in another order or unknown, and text that is not JSON or not an object.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  membersAt,
  orderAnswer,
  orderBody,
  orderJson,
  ordersBody,
} from '../../src/domain/orders/order-json.js';
import { toWrite } from '../../src/domain/orders/order-service.js';
import { ORDER_MEMBERS, batchOrder } from '../../src/domain/orders/schema.js';
import type { StoredOrder } from '../../src/domain/orders/types.js';
import { validate } from '../../src/domain/pydantic/index.js';
import { requestExamples } from '../v3/order-fixtures.js';

const RUNS = 3000;

/** What a function answers: its text, or the kind of error it throws. */
function outcome(f: () => string): { text: string } | { error: string } {
  try {
    return { text: f() };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** Counts of the documents the splice took and left to the parse path, to see that both were tried. */
interface Taken {
  spliced: number;
  parsed: number;
}

function holds(row: StoredOrder, taken: Taken): void {
  const expected = outcome(() => JSON.stringify(orderAnswer(row)));
  const actual = outcome(() => orderJson(row));
  assert.deepStrictEqual(actual, expected, `document ${JSON.stringify(row.document)}`);
  if (membersAt(row.document) >= 0) taken.spliced++;
  else taken.parsed++;
}

const oddText = fc.constantFrom(
  '',
  '"',
  '\\',
  '/',
  '\u0000',
  '\u0008',
  '\u001f',
  '\u007f',
  '\u2028',
  '\ud800',
  '\udc00',
  '😀',
  'é',
  '\ud83d\ude00x',
  '0',
  '1',
);
const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.array(oddText, { maxLength: 4 }).map((parts) => parts.join('')),
);
const key = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 6 }) },
  fc.constantFrom(
    '__proto__',
    'constructor',
    '0',
    '1',
    '01',
    '-1',
    '1.5',
    '4294967294',
    '4294967295',
    'id',
    'order_id',
    ...ORDER_MEMBERS,
  ),
  text,
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 0.1, 1e21, 1e-7, 1e-6, 5e-324, 2 ** 53, 2 ** 53 + 2, 123456789012345680000, 1.5e300),
);

/** A JSON value as a tree, so that a text can spell it in more ways than JSON.stringify does. */
type Tree =
  | { obj: [string, Tree][] }
  | { arr: Tree[] }
  | { str: string; spelling: number }
  | { num: number; spelling: number }
  | { lit: 'true' | 'false' | 'null' };

/** How a leaf is written: 0 as JSON.stringify writes it, each other spelling as it never does. */
const STRING_SPELLINGS = 10;
const NUMBER_SPELLINGS = 11;
const spelling = fc.oneof({ weight: 60, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 11 }));
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ str: text, spelling }),
    fc.record({ num: number, spelling }),
    fc.record({ lit: fc.constantFrom('true' as const, 'false' as const, 'null' as const) }),
    fc.record({ arr: fc.array(tie('tree'), { maxLength: 4 }) }),
    fc.record({ obj: fc.array(fc.tuple(key, tie('tree')), { maxLength: 5 }) }),
  ),
}));

/** Every code unit as `\uXXXX`. */
const escapeAll = (s: string, upper: boolean): string =>
  `"${[...s]
    .map((c) =>
      [...c]
        .map((_, i) => c.charCodeAt(i).toString(16).padStart(4, '0'))
        .map((hex) => `\\u${upper ? hex.toUpperCase() : hex}`)
        .join(''),
    )
    .join('')}"`;

/**
 * A string's text in spelling `n` (JSON.stringify's, or one it never writes: its value need not stay
 * the same, the splice and the parse path read the same text). The last is canonical yet declined.
 */
function stringText(value: string, n: number): string {
  const plain = JSON.stringify(value);
  const body = plain.slice(1, -1);
  switch (n % (STRING_SPELLINGS + 1)) {
    case 1:
      return escapeAll(value, false);
    case 2:
      return escapeAll(value, true);
    case 3:
      return `"${body}\\/"`;
    case 4:
      return `"${body}\\u0041"`;
    case 5:
      return `"${body}\\u001F"`;
    case 6:
      return `"${body}\\u0008"`;
    case 7:
      return `"${body}\u0001"`; // a raw control character: not JSON
    case 8:
      return `"${body}\ud800"`; // a raw lone surrogate: JSON.stringify escapes it
    case 9:
      return `"${body}\\ud83d\\ude00"`; // a pair as escapes: JSON.stringify writes it raw
    case 10:
      return `"${body}\\udc00"`; // a lone surrogate's escape, as JSON.stringify writes it
    default:
      return plain;
  }
}

function numberText(value: number, n: number): string {
  const plain = JSON.stringify(value);
  switch (n % (NUMBER_SPELLINGS + 1)) {
    case 1:
      return Number.isFinite(value) ? value.toExponential() : plain;
    case 2:
      return /[.e]/.test(plain) ? `${plain}0` : `${plain}.0`;
    case 3:
      return '-0';
    case 4:
      return `0${plain}`; // a leading zero: not JSON
    case 5:
      return `${plain}E0`;
    case 6:
      return Number.isFinite(value) ? value.toPrecision(21) : plain;
    case 7:
      return '1e400';
    case 8:
      return '12345678901234567890';
    case 9:
      return '9007199254740993';
    case 10:
      return '0.0000001';
    case 11:
      return '100000000000000000000';
    default:
      return plain;
  }
}

/**
 * A tree's text, each leaf in its own spelling; or, given `flaw`, every leaf as JSON.stringify writes
 * it but the one at `flaw.leaf` (counted in text order, modulo their number), in `flaw.spelling`.
 */
function write(t: Tree, flaw?: { leaf: number; spelling: number; seen: number }): string {
  if ('obj' in t) return `{${t.obj.map(([k, v]) => `${JSON.stringify(k)}:${write(v, flaw)}`).join(',')}}`;
  if ('arr' in t) return `[${t.arr.map((v) => write(v, flaw)).join(',')}]`;
  if ('lit' in t) return t.lit;
  let n = t.spelling;
  if (flaw !== undefined) n = flaw.seen++ === flaw.leaf ? flaw.spelling : 0;
  return 'str' in t ? stringText(t.str, n) : numberText(t.num, n);
}

/** The member trees of an order (any values), in ORDER_MEMBERS's order. */
const members = fc
  .subarray([...ORDER_MEMBERS])
  .chain((names) => fc.tuple(...names.map((name) => tree.map((value) => [name, value] as [string, Tree]))));

/** A document shaped as the upsert writes it (spelled in any way), or reshaped: reordered, extended. */
const documentEntries = fc
  .tuple(
    fc.oneof(fc.record({ str: text, spelling: fc.constant(0) }), tree),
    fc.oneof(fc.record({ str: text, spelling: fc.constant(0) }), tree),
    members,
    fc.oneof(
      { weight: 4, arbitrary: fc.constant('as written') },
      fc.constantFrom('reversed', 'extra key', 'repeated member', 'no order_id'),
    ),
    fc.tuple(key, tree),
  )
  .map(([orderId, orderNumber, list, shape, extra]): [string, Tree][] => {
    const entries: [string, Tree][] = [['order_id', orderId], ['order_number', orderNumber], ...list];
    switch (shape) {
      case 'reversed':
        return [entries[0]!, entries[1]!, ...list.reverse()];
      case 'extra key':
        return [...entries, extra];
      case 'repeated member':
        return list.length > 0 ? [...entries, list[0]!] : entries;
      case 'no order_id':
        return entries.slice(1);
      default:
        return entries;
    }
  });

const noise = fc.constantFrom(' ', '\n', '\t', '\r', '\u00a0', ',', '}', ']', '"', '\\', '0', 'x');
/** A document's text: as written, or with a character inserted or removed somewhere. */
const documentText = fc.oneof(
  { weight: 4, arbitrary: documentEntries.map((entries) => write({ obj: entries })) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(documentEntries, fc.nat(), fc.integer({ min: 1, max: 11 }))
      .map(([entries, leaf, n]) => {
        const count = { leaf: -1, spelling: 0, seen: 0 };
        write({ obj: entries }, count);
        return write({ obj: entries }, { leaf: leaf % Math.max(1, count.seen), spelling: n, seen: 0 });
      }),
  },
  fc.tuple(documentEntries, noise, fc.nat(), fc.boolean()).map(([entries, char, at, remove]) => {
    const t = write({ obj: entries });
    const i = at % (t.length + 1);
    return remove ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + char + t.slice(i);
  }),
  fc.constantFrom(
    '',
    'null',
    '[]',
    '"x"',
    '{}',
    '{"order_id":"1"}',
    '{"order_id":"1","order_number":"2"} ',
    'x',
  ),
  tree.map(write),
);

const row = (document: fc.Arbitrary<string>): fc.Arbitrary<StoredOrder> =>
  fc
    .record({
      id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      orderId: text,
      orderNumber: text,
      createdAtUs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      modifiedAtUs: fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
      document,
    })
    .map((r) => ({
      ...r,
      accountId: 1,
      integrationId: 1,
      version: 1,
      modifiedAtUs: r.modifiedAtUs ?? r.createdAtUs,
    }));

/** The reference's example orders, validated and written as the upsert writes them. */
const EXAMPLES = Object.values(requestExamples('/orders', 'post')).flatMap((list) => list as unknown[]);

describe('order JSON: the splice answers what the parse path answers', () => {
  test('over documents written any way, odd ones included', () => {
    const taken = { spliced: 0, parsed: 0 };
    fc.assert(
      fc.property(row(documentText), (r) => holds(r, taken)),
      { numRuns: RUNS * 3 },
    );
    assert.ok(taken.spliced > RUNS / 3, `the splice answered ${taken.spliced}`);
    assert.ok(taken.parsed > RUNS / 3, `the parse path answered ${taken.parsed}`);
  });

  test('over the upsert own documents, every one spliced', () => {
    const strings = (value: unknown, replace: (s: string) => string): unknown => {
      if (typeof value === 'string') return replace(value);
      if (Array.isArray(value)) return value.map((v) => strings(v, replace));
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strings(v, replace)]));
      }
      return value;
    };
    const taken = { spliced: 0, parsed: 0 };
    let valid = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...EXAMPLES),
        fc.array(oddText, { maxLength: 3 }),
        fc.boolean(),
        row(fc.constant('')),
        (example, extra, everywhere, r) => {
          // Odd characters appended to the ids, or to every string the order holds (that Pydantic takes).
          const suffix = extra.join('');
          const order = everywhere
            ? strings(example, (s) => (/^\d|T\d\d:|^[A-Z]{2,3}$/.test(s) ? s : s + suffix))
            : { ...(example as object), order_id: `${(example as { order_id: string }).order_id}${suffix}` };
          const outcome = validate(batchOrder, order);
          if (!outcome.ok) return;
          valid++;
          const write = toWrite(outcome.value, null);
          const stored = {
            ...r,
            orderId: write.orderId,
            orderNumber: write.orderNumber,
            document: write.document,
          };
          holds(stored, taken);
          // Only a lone surrogate (escaped by JSON.stringify, declined by the splice) takes the parse path.
          if (!/\\ud[89a-f]/.test(write.document)) assert.ok(membersAt(write.document) > 0, write.document);
        },
      ),
      { numRuns: RUNS },
    );
    assert.ok(valid > RUNS / 2, `${valid} orders were valid`);
    assert.ok(taken.spliced > RUNS / 2, `the splice answered ${taken.spliced}`);
  });

  test("a page's and an order's bytes are those of JSON.stringify of the answer", () => {
    const parsable = row(documentText).filter((r) => 'text' in outcome(() => JSON.stringify(orderAnswer(r))));
    fc.assert(
      fc.property(fc.array(parsable, { maxLength: 8 }), (rows) => {
        assert.deepStrictEqual(
          ordersBody(rows),
          Buffer.from(JSON.stringify({ data: rows.map(orderAnswer) })),
        );
        for (const r of rows) {
          assert.deepStrictEqual(orderBody(r), Buffer.from(JSON.stringify({ data: orderAnswer(r) })));
        }
      }),
      { numRuns: RUNS / 10 },
    );
  });
});

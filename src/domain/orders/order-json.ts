/**
 * An order's answer (`orderAnswer`) as its JSON text, spliced from the stored document instead of
 * parsed, rebuilt and serialized again (measured: that was most of a list page's cost).
 *
 * The upsert stores `JSON.stringify({order_id, order_number, ...the ORDER_MEMBERS present, in that
 * order})`, and the answer is `{id, order_id, order_number, created_at, modified_at, ...the same
 * members}` with the first five from the row's columns. So the answer is a head written from the
 * columns followed by the document's text after its `order_number` value — provided that text is what
 * `JSON.stringify` writes again for what `JSON.parse` reads from it. Text that `JSON.stringify` wrote
 * always is; but a snapshot import keeps an order's text byte for byte, whatever it is (white space,
 * `\u0041`, `1.0`, a repeated key, members in another order, not JSON at all). So each document is
 * checked (`membersAt`) to be in that canonical form; one the check cannot vouch for is answered by
 * parsing it, as before, in the same bytes. The check is sound, not complete: it declines some
 * canonical texts (a key starting with a digit, a lone surrogate's escape, very deep nesting), which
 * then take the parse path.
 *
 * It runs in two steps (measured: a character-by-character scan in JavaScript cost as much as
 * `JSON.parse`; a regular expression runs natively at about a sixth of that):
 * - `CANONICAL_TOKENS`, one regular expression over the whole text: a sequence of tokens each written
 *   as `JSON.stringify` writes it, nothing between them (no white space);
 * - a walk over those tokens (`objectEnd`, `arrayEnd`), skipping each string's body by `indexOf`: the
 *   nesting is JSON's, no object repeats a key, and every number is the one `String(n)` writes.
 */
import { joinJson } from '../pagination.js';
import { formatTimestamp } from '../v3/time.js';
import { ORDER_MEMBERS } from './schema.js';
import type { StoredOrder } from './types.js';

/**
 * The body of a string as JSON.stringify writes it: any character but `"`, `\`, a control character
 * or a surrogate; a high surrogate with its low one; the short escapes; `\u00xx` (lower-case hex) for
 * the control characters that have no short escape. Written as an unrolled loop (a run of plain
 * characters between special ones), so that a failing match never backtracks through the ways of
 * splitting a run.
 */
const PLAIN = String.raw`[^"\\\u0000-\u001f\ud800-\udfff]`;
const SPECIAL = String.raw`(?:\\["\\bfnrt]|\\u00(?:0[0-7bef]|1[0-9a-f])|[\ud800-\udbff][\udc00-\udfff])`;
const BODY = `${PLAIN}*(?:${SPECIAL}${PLAIN}*)*`;
/**
 * Each token is followed by what may follow it in JSON (so that no token can be split into two, and a
 * failing match stays linear). A string starting with a digit may not be a key: JSON.parse lists a key
 * that is an array index before the others, whatever the text's order.
 */
const CANONICAL_TOKENS = new RegExp(
  String.raw`^(?:"(?![0-9])${BODY}"(?=[,:\]}])|"[0-9]${BODY}"(?=[,\]}])|[{[]|[,:](?=["{[\-0-9tfn])|[\]}](?=[,\]}]|$)` +
    String.raw`|(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(?=[,\]}]))*$`,
);
/** Longer texts than an order's are left to the parse path (the expression's backtrack stack is finite). */
const MAX_LENGTH = 1 << 20;
/** Deeper nesting than an order's is left to the parse path (and the recursion stays short). */
const MAX_DEPTH = 64;
/** An object with more keys than an order's is left to the parse path (the repeat check is quadratic). */
const MAX_KEYS = 64;

/** A member's quoted key → its place in ORDER_MEMBERS: members must come in that order, each once. */
const MEMBER_AT = new Map<string, number>(ORDER_MEMBERS.map((member, at) => [JSON.stringify(member), at]));
const OPEN = '{"order_id":';
const NUMBER_KEY = ',"order_number":';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** The end of the string token at `i` (known canonical): the first `"` after an even run of `\`. */
function stringEnd(s: string, i: number): number {
  let j = s.indexOf('"', i + 1);
  while (s.charCodeAt(j - 1) === BACKSLASH) {
    let k = j - 1;
    while (s.charCodeAt(k) === BACKSLASH) k--; // stops at the opening quote at the latest
    if ((j - k) % 2 === 1) break; // j - 1 - k backslashes: an even run escapes none of them
    j = s.indexOf('"', j + 1);
  }
  return j + 1;
}

/** The end of the number at `i` if it is `String(Number(text))` (what JSON.stringify writes), else -1. */
function numberEnd(s: string, i: number): number {
  let j = s.charCodeAt(i) === 0x2d ? i + 1 : i;
  const leadingZero = s.charCodeAt(j) === 0x30;
  while (isDigit(s.charCodeAt(j))) j++;
  const c = s.charCodeAt(j);
  // An integer of up to 15 digits is exact and written back digit for digit; but `-0` is written `0`.
  if (c !== 0x2e && c !== 0x65 && c !== 0x45 && j - i <= 15 && !(leadingZero && j > i + 1)) return j;
  while (j < s.length && !isEnd(s.charCodeAt(j))) j++;
  const text = s.slice(i, j);
  return String(Number(text)) === text ? j : -1;
}

/** What ends a number or a literal: `,`, `]` or `}` (the tokens' expression checked that one follows). */
const isEnd = (c: number): boolean => c === COMMA || c === CLOSE_ARRAY || c === CLOSE_OBJECT;

/** The end of the value at `i`, or -1 where the walk declines it. */
function valueEnd(s: string, i: number, depth: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return stringEnd(s, i);
  if (c === 0x7b) return objectEnd(s, i, depth);
  if (c === 0x5b) return arrayEnd(s, i, depth);
  if (c === 0x2d || isDigit(c)) return numberEnd(s, i);
  if (c === 0x74 || c === 0x6e) return i + 4; // true, null
  if (c === 0x66) return i + 5; // false
  return -1;
}

/** The start and end of each key of the objects being walked, outermost first, up to `keyTop`. */
const keyStack = new Int32Array(2 * MAX_KEYS * (MAX_DEPTH + 2));
let keyTop = 0;

/** Whether the key at `start..end` is one of those at `keyStack[from..keyTop]`. */
function isRepeated(s: string, start: number, end: number, from: number): boolean {
  const length = end - start;
  for (let k = from; k < keyTop; k += 2) {
    const other = keyStack[k] as number;
    if ((keyStack[k + 1] as number) - other !== length) continue;
    let same = true;
    for (let x = 1; x < length - 1 && same; x++) same = s.charCodeAt(start + x) === s.charCodeAt(other + x);
    if (same) return true;
  }
  return false;
}

/**
 * An object's end, or -1 if it repeats a key (JSON.parse keeps the last value where the first was).
 * Canonical strings have one spelling, so the text of two keys is equal exactly when the keys are; a
 * key `__proto__` is a member like any other (JSON.parse makes it an own property). A key is compared
 * with the others only when one of them shares its bit in `seen` (its length and outer characters).
 */
function objectEnd(s: string, i: number, depth: number): number {
  if (s.charCodeAt(i + 1) === CLOSE_OBJECT) return i + 2;
  if (depth > MAX_DEPTH) return -1;
  const from = keyTop;
  let seen = 0;
  let j = i + 1;
  let end = -1;
  for (;;) {
    if (s.charCodeAt(j) !== QUOTE) break;
    const keyEnd = stringEnd(s, j);
    if (s.charCodeAt(keyEnd) !== COLON || keyTop - from === 2 * MAX_KEYS) break;
    const bit = 1 << (((keyEnd - j) * 7 + s.charCodeAt(j + 1) + s.charCodeAt(keyEnd - 2) * 3) & 31);
    if ((seen & bit) !== 0 && isRepeated(s, j, keyEnd, from)) break;
    seen |= bit;
    keyStack[keyTop++] = j;
    keyStack[keyTop++] = keyEnd;
    j = valueEnd(s, keyEnd + 1, depth + 1);
    if (j < 0) break;
    const c = s.charCodeAt(j);
    if (c !== COMMA) {
      if (c === CLOSE_OBJECT) end = j + 1;
      break;
    }
    j++;
  }
  keyTop = from;
  return end;
}

function arrayEnd(s: string, i: number, depth: number): number {
  if (s.charCodeAt(i + 1) === CLOSE_ARRAY) return i + 2;
  if (depth > MAX_DEPTH) return -1;
  let j = i + 1;
  for (;;) {
    j = valueEnd(s, j, depth + 1);
    if (j < 0) return -1;
    const c = s.charCodeAt(j);
    if (c !== COMMA) return c === CLOSE_ARRAY ? j + 1 : -1;
    j++;
  }
}

/**
 * Where the members start in a document that can be spliced, or -1. Such a document is an object whose
 * first keys are `order_id` and `order_number` (any value: the answer takes both from the columns),
 * then only ORDER_MEMBERS, in their order, each once; all of it canonical, as the file's head says.
 */
export function membersAt(document: string): number {
  if (!document.startsWith(OPEN) || document.length > MAX_LENGTH || !CANONICAL_TOKENS.test(document)) {
    return -1;
  }
  let i = valueEnd(document, OPEN.length, 1);
  if (i < 0 || !document.startsWith(NUMBER_KEY, i)) return -1;
  i = valueEnd(document, i + NUMBER_KEY.length, 1);
  const at = i;
  let last = -1;
  while (i >= 0) {
    const c = document.charCodeAt(i);
    if (c === CLOSE_OBJECT) return i + 1 === document.length ? at : -1;
    if (c !== COMMA || document.charCodeAt(i + 1) !== QUOTE) return -1;
    const keyEnd = stringEnd(document, i + 1);
    if (document.charCodeAt(keyEnd) !== COLON) return -1;
    const member = MEMBER_AT.get(document.slice(i + 1, keyEnd));
    if (member === undefined || member <= last) return -1;
    last = member;
    i = valueEnd(document, keyEnd + 1, 1);
  }
  return -1;
}

/** The order's answer (`orders-order`): `id` a string, timestamps with fraction and zone, no null. */
export function orderAnswer(order: StoredOrder): Record<string, unknown> {
  const doc = JSON.parse(order.document) as Record<string, unknown>;
  const answer: Record<string, unknown> = {
    id: String(order.id),
    order_id: order.orderId,
    order_number: order.orderNumber,
    created_at: formatTimestamp(order.createdAtUs),
    modified_at: formatTimestamp(order.modifiedAtUs),
  };
  for (const member of ORDER_MEMBERS) if (doc[member] !== undefined) answer[member] = doc[member];
  return answer;
}

/** One stored order as its answer's JSON text: exactly `JSON.stringify(orderAnswer(order))`. */
export function orderJson(order: StoredOrder): string {
  const document = order.document;
  const at = membersAt(document);
  if (at < 0) return JSON.stringify(orderAnswer(order));
  // formatTimestamp writes digits and ASCII punctuation only: quoting it is its JSON. An order never
  // modified has both times equal: one formatting for both.
  const createdAt = formatTimestamp(order.createdAtUs);
  const modifiedAt =
    order.modifiedAtUs === order.createdAtUs ? createdAt : formatTimestamp(order.modifiedAtUs);
  return (
    `{"id":"${order.id}","order_id":${JSON.stringify(order.orderId)},` +
    `"order_number":${JSON.stringify(order.orderNumber)},"created_at":"${createdAt}",` +
    `"modified_at":"${modifiedAt}"${document.slice(at)}`
  );
}

/** A list's answer, `{"data": [the orders]}`, as UTF-8 bytes. */
export const ordersBody = (orders: readonly StoredOrder[]): Buffer =>
  joinJson('{"data":[', orders.map(orderJson), ']}');

/** One order's answer, `{"data": the order}`, as UTF-8 bytes. */
export const orderBody = (order: StoredOrder): Buffer => joinJson('{"data":', [orderJson(order)], '}');

/**
 * JSON as Python's `json` module reads it (DRF's JSONParser), where a plain `JSON.parse` would lose what
 * DRF's fields see. Python keeps two kinds of number: `1.0` is a float whose `str()` is `"1.0"`, and an
 * integer literal is an exact `int` of any size. A JS number says neither. So every number whose JS value
 * would mislead — a float literal with an integral value (`1.0`, `-0.0`, `2e3`) and an integer literal
 * beyond 2^53 — comes out as a `JsonNumber` that keeps Python's `str()` of it; every other number is a
 * plain JS number (a safe integer from an integer literal is Python's `int`, and any other JS number is
 * a float whose shortest digits are Python's `repr`).
 *
 * Cost on the common path: one native `JSON.parse` and one scan of the text for number tokens that
 * skips strings with `indexOf`. Only a body with such a number is parsed again, with each of them replaced by a
 * placeholder string that no client can know, and the placeholders are swapped back.
 */
import { randomBytes } from 'node:crypto';
import { JsonNumber, pyFloatRepr } from './repr.js';

export { JsonNumber } from './repr.js';

const FLOAT_MARK = /[.eE]/;

/** The `JsonNumber` for a number token, or null when the JS number says what Python reads. */
function exactNumber(token: string): JsonNumber | null {
  const value = Number(token);
  if (FLOAT_MARK.test(token)) {
    return Number.isSafeInteger(value) ? new JsonNumber(pyFloatRepr(value), true, value) : null;
  }
  return Number.isSafeInteger(value) ? null : new JsonNumber(token, false, value);
}

/** Where a string that opens at `open` ends (after its closing quote), in valid JSON text. */
function stringEnd(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  for (;;) {
    let slashes = 0;
    while (text.charCodeAt(close - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return close + 1;
    close = text.indexOf('"', close + 1);
  }
}

/**
 * The number tokens of valid JSON text that need a `JsonNumber`, in text order: those with a fraction
 * or an exponent, and integers of 16 digits or more. Strings are skipped with `indexOf`.
 */
function exactTokens(text: string): { start: number; end: number; number: JsonNumber }[] | null {
  let found: { start: number; end: number; number: JsonNumber }[] | null = null;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i);
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) {
      i++;
      continue;
    }
    const start = i;
    let marked = false;
    for (i++; i < n; i++) {
      const d = text.charCodeAt(i);
      if (d === 0x2e || d === 0x65 || d === 0x45) marked = true;
      else if ((d < 0x30 || d > 0x39) && d !== 0x2d && d !== 0x2b) break;
    }
    if (!marked && i - start < 16) continue;
    const number = exactNumber(text.slice(start, i));
    if (number !== null) (found ??= []).push({ start, end: i, number });
  }
  return found;
}

/**
 * Parses JSON text as Python's `json.loads` with DRF's strict constants. Throws the `SyntaxError` of
 * `JSON.parse` for invalid text (the detail of DRF's `JSON parse error - …`).
 */
export function parseJson(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  const exact = exactTokens(text);
  if (exact === null) return parsed;
  let prefix: string;
  do prefix = `\u0000${randomBytes(12).toString('hex')}:`;
  while (text.includes(prefix.slice(1)));
  let rewritten = '';
  let copiedTo = 0;
  for (let k = 0; k < exact.length; k++) {
    const { start, end } = exact[k] as { start: number; end: number };
    rewritten += `${text.slice(copiedTo, start)}"\\u0000${prefix.slice(1)}${k}"`;
    copiedTo = end;
  }
  const numbers = exact.map((e) => e.number);
  const swap = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.startsWith(prefix) ? numbers[Number(value.slice(prefix.length))] : value;
    }
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = swap(value[i]);
    } else {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const item = record[key];
        const swapped = swap(item);
        // JSON.parse made `__proto__` an own property; assigning it would set the prototype instead.
        if (swapped !== item)
          Object.defineProperty(record, key, {
            value: swapped,
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
    }
    return value;
  };
  return swap(JSON.parse(rewritten + text.slice(copiedTo)));
}

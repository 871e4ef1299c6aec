/**
 * JSON as Python's `json` module reads it (DRF's JSONParser), where a plain `JSON.parse` would lose what
 * DRF's fields see. Python keeps two kinds of number: `1.0` is a float whose `str()` is `"1.0"`, and an
 * integer literal is an exact `int` of any size. A JS number says neither. So every number whose JS value
 * would mislead — a float literal with an integral value (`1.0`, `-0.0`, `2e3`) and an integer literal
 * beyond 2^53 — comes out as a `JsonNumber` that keeps Python's `str()` of it; every other number is a
 * plain JS number (a safe integer from an integer literal is Python's `int`, and any other JS number is
 * a float whose shortest digits are Python's `repr`).
 *
 * Cost on the common path: one native `JSON.parse` and one native regular-expression scan of the text
 * for number tokens. Only a body with such a number is parsed again, with each of them replaced by a
 * placeholder string that no client can know, and the placeholders are swapped back.
 */
import { randomBytes } from 'node:crypto';
import { JsonNumber, pyFloatRepr } from './repr.js';

export { JsonNumber } from './repr.js';

// Strings are matched whole so that digits inside them are skipped; what is left are JSON's numbers.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g;

const FLOAT_MARK = /[.eE]/;

/** The `JsonNumber` for a number token, or null when the JS number says what Python reads. */
function exactNumber(token: string): JsonNumber | null {
  const isFloat = FLOAT_MARK.test(token);
  if (!isFloat && token.length < 16) return null;
  const value = Number(token);
  if (isFloat) return Number.isSafeInteger(value) ? new JsonNumber(pyFloatRepr(value), true, value) : null;
  return Number.isSafeInteger(value) ? null : new JsonNumber(token, false, value);
}

/**
 * Parses JSON text as Python's `json.loads` with DRF's strict constants. Throws the `SyntaxError` of
 * `JSON.parse` for invalid text (the detail of DRF's `JSON parse error - …`).
 */
export function parseJson(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  let exact: JsonNumber[] | null = null;
  let rewritten = '';
  let copiedTo = 0;
  let prefix = '';
  TOKENS.lastIndex = 0;
  for (let match = TOKENS.exec(text); match !== null; match = TOKENS.exec(text)) {
    const token = match[0];
    if (token.charCodeAt(0) === 0x22) continue;
    const number = exactNumber(token);
    if (number === null) continue;
    if (exact === null) {
      exact = [];
      do prefix = `\u0000${randomBytes(12).toString('hex')}:`;
      while (text.includes(prefix.slice(1)));
    }
    rewritten += `${text.slice(copiedTo, match.index)}"\\u0000${prefix.slice(1)}${exact.length}"`;
    copiedTo = match.index + token.length;
    exact.push(number);
  }
  if (exact === null) return parsed;
  const numbers = exact;
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

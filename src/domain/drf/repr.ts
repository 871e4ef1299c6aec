/**
 * Python's `repr`, `str` and `type(x).__name__` for JSON-like values, as they surface in DRF's messages
 * (docs/behaviour.md "Field errors": a 400 `message` is the `repr` of a dict of field errors).
 *
 * A JSON number reaches us as a JS number or, where a JS number would not say what Python reads, as a
 * `JsonNumber` (json.ts): a plain safe integer is a Python `int`, any other plain number a Python
 * `float`, and a `JsonNumber` is what its source text was.
 */

/** A JSON number whose Python value a JS number cannot carry: see json.ts. */
export class JsonNumber {
  constructor(
    /** Python's `str()` of the parsed value: `"1.0"`, `"-0.0"`, `"123456789012345678901"`. */
    readonly text: string,
    /** A Python float (`1.0`) rather than an int (an integer literal beyond 2^53). */
    readonly isFloat: boolean,
    /** The nearest JS number, for what cannot be exact (stored JSON written by `JSON.stringify`). */
    readonly value: number,
  ) {}

  toJSON(): number {
    return this.value;
  }
}

/** A JSON number in either form. */
export function isJsonNumber(value: unknown): value is number | JsonNumber {
  return typeof value === 'number' || value instanceof JsonNumber;
}

/**
 * A DRF `ListField`'s element errors: a dict keyed by the element's index (an `int`, so its repr has no
 * quotes), listing only the elements that failed.
 */
export class IndexedErrors {
  constructor(readonly byIndex: ReadonlyMap<number, unknown>) {}

  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.byIndex);
  }
}

/** Python's `\s` in a `str` pattern, as the inside of a JS character class (JS's `\s` differs on
 * U+001C–U+001F, U+0085 and U+FEFF). */
export const PY_SPACE_CLASS =
  '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** `str.isspace()` / `\s` in a Python `str` pattern: what `str.strip()` removes. */
export function isPySpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** Python's `str.strip()` with no argument; returns the same string when there is nothing to strip. */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPySpace(s.charCodeAt(start))) start++;
  while (end > start && isPySpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

// Unicode decimal digits (category Nd), which Python's `\d`, `int()` and `Decimal()` all take.
const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * CPython's `_PyUnicode_TransformDecimalAndSpaceToASCII`, run by `int()` and `Decimal()` before parsing:
 * every non-ASCII decimal digit becomes its ASCII digit and every non-ASCII white space a space. ASCII
 * text comes back unchanged (and unallocated).
 */
export function toAsciiNumeral(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) < 0x80) i++;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const code = s.codePointAt(i) as number;
    const char = String.fromCodePoint(code);
    if (code > 0xffff) i++;
    if (code < 0x80) out += char;
    else if (isPySpace(code)) out += ' ';
    else if (DECIMAL_DIGIT.test(char)) {
      // Nd characters come in runs of ten, each starting at its zero.
      let zero = code;
      while (DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
      out += String((code - zero) % 10);
    } else out += char;
  }
  return out;
}

/** Python's `repr(float)`: the shortest round-tripping digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(n);
  // Between 1e-4 and 1e16 both languages print the same shortest digits in fixed notation; Python
  // only adds `.0` to integral values. This is the common case for prices and weights.
  if (magnitude >= 1e-4 && magnitude < 1e16) return Number.isInteger(n) ? `${n}.0` : String(n);
  const sign = n < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, as repr does.
  const exp = magnitude.toExponential();
  const e = exp.indexOf('e');
  const digits = exp.slice(0, e).replace('.', '');
  const exponent = Number(exp.slice(e + 1));
  const decpt = exponent + 1; // value = 0.DIGITS × 10^decpt
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const expSign = exponent < 0 ? '-' : '+';
  const expAbs = Math.abs(exponent);
  return `${sign}${mantissa}e${expSign}${expAbs < 10 ? '0' : ''}${expAbs}`;
}

/** Python's `str()` of a JSON number (see the module note on int versus float). */
export function pyNumberStr(n: number | JsonNumber): string {
  if (typeof n !== 'number') return n.text;
  return Number.isSafeInteger(n) ? String(n) : pyFloatRepr(n);
}

/** Python's `type(x).__name__` for a JSON value, as DRF interpolates it into its messages. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isSafeInteger(value) ? 'int' : 'float';
    default:
      if (value instanceof JsonNumber) return value.isFloat ? 'float' : 'int';
      return Array.isArray(value) ? 'list' : 'dict';
  }
}

// Characters `str.isprintable()` rejects (Other and Separator categories, except the ASCII space):
// repr escapes them. Compiled once; only consulted for non-ASCII text.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** Python's `repr(str)`: quote choice and escapes exactly as CPython's `unicode_repr`. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const quoteCode = quote.charCodeAt(0);
  let out = quote;
  let plainFrom = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f && code !== 0x5c && code !== quoteCode) continue;
    let escaped: string | null;
    let width = 1;
    if (code === 0x5c) escaped = '\\\\';
    else if (code === quoteCode) escaped = `\\${quote}`;
    else if (code === 0x09) escaped = '\\t';
    else if (code === 0x0a) escaped = '\\n';
    else if (code === 0x0d) escaped = '\\r';
    else if (code < 0x20 || code === 0x7f) escaped = `\\x${hex(code, 2)}`;
    else {
      const point = s.codePointAt(i) as number;
      width = point > 0xffff ? 2 : 1;
      const char = s.slice(i, i + width);
      if (!NON_PRINTABLE.test(char)) escaped = null;
      else if (point <= 0xff) escaped = `\\x${hex(point, 2)}`;
      else if (point <= 0xffff) escaped = `\\u${hex(point, 4)}`;
      else escaped = `\\U${hex(point, 8)}`;
    }
    if (escaped !== null) {
      out += s.slice(plainFrom, i) + escaped;
      plainFrom = i + width;
    }
    i += width - 1;
  }
  return out + s.slice(plainFrom) + quote;
}

/** Python's `repr` of a JSON-like value: dicts, lists, str, int, float, bool and None. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  switch (typeof value) {
    case 'string':
      return pyStrRepr(value);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return pyNumberStr(value);
    case 'object':
      break;
    default:
      return pyStrRepr(String(value));
  }
  if (value instanceof JsonNumber) return value.text;
  if (value instanceof IndexedErrors) {
    let out = '{';
    let first = true;
    for (const [index, tree] of value.byIndex) {
      out += `${first ? '' : ', '}${index}: ${pyRepr(tree)}`;
      first = false;
    }
    return out + '}';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ', ') + pyRepr(value[i]);
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const key of Object.keys(value)) {
    out += (first ? '' : ', ') + pyStrRepr(key) + ': ' + pyRepr((value as Record<string, unknown>)[key]);
    first = false;
  }
  return out + '}';
}

/** Python's `str()`: a string is itself, anything else its `repr`. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

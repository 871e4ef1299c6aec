/**
 * DRF's `UUIDField.to_internal_value`: a JSON string goes through Python's `uuid.UUID(hex=…)`, a JSON
 * integer through `uuid.UUID(int=…)`, anything else is invalid (docs/behaviour.md: upper case, no hyphens,
 * `{…}` and `urn:uuid:` forms are accepted and compared in canonical form).
 *
 * `true`/`false` are Python ints (`bool` subclasses `int`), so DRF reads them as the UUIDs 1 and 0, and
 * so do we; an integer beyond 2^53 arrives exact as a `JsonNumber` (json.ts) and is still that UUID.
 */

import { JsonNumber, toAsciiNumeral } from './repr.js';

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZEROS = '00000000000000000000000000000000';

function hexValue(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

/** `int()` strips C-locale white space, after non-ASCII white space has become spaces. */
function stripAsciiSpace(s: string): string {
  let start = 0;
  let end = s.length;
  const space = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  while (start < end && space(s.charCodeAt(start))) start++;
  while (end > start && space(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** Python's `int(s, 16)` reduced to its hex digits (lower case, no separators), or null. */
function pyHexInt(raw: string): string | null {
  const s = stripAsciiSpace(toAsciiNumeral(raw));
  let start = 0;
  const end = s.length;
  if (start < end && s.charCodeAt(start) === 0x2b) start++; // '+'; every '-' is gone already
  let afterPrefix = false;
  if (end - start >= 2 && s.charCodeAt(start) === 0x30 && (s.charCodeAt(start + 1) | 0x20) === 0x78) {
    start += 2;
    afterPrefix = true;
  }
  let digits = '';
  // An underscore may follow the prefix or a digit, never another underscore, and may not end the number.
  let underscoreAllowed = afterPrefix;
  let lastWasUnderscore = false;
  for (let i = start; i < end; i++) {
    const code = s.charCodeAt(i);
    if (code === 0x5f) {
      if (!underscoreAllowed) return null;
      underscoreAllowed = false;
      lastWasUnderscore = true;
      continue;
    }
    if (!hexValue(code)) return null;
    digits += s[i];
    underscoreAllowed = true;
    lastWasUnderscore = false;
  }
  if (digits === '' || lastWasUnderscore) return null;
  return digits.toLowerCase();
}

function format(hex32: string): string {
  return `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20)}`;
}

/** `uuid.UUID(int=n)` for 0 ≤ n < 2^53. */
function fromInteger(n: number): string {
  const hex = n.toString(16);
  return format(ZEROS.slice(hex.length) + hex);
}

/** The canonical (lower-case, hyphenated) form of what DRF's UUIDField accepts, or null. */
export function parseUuid(value: unknown): string | null {
  if (typeof value === 'string') {
    if (value.length === 36 && CANONICAL.test(value)) return value.toLowerCase();
    // uuid.UUID(hex=…): drop every 'urn:' and 'uuid:', strip braces at both ends, drop every hyphen.
    let hex = value.replaceAll('urn:', '').replaceAll('uuid:', '');
    let start = 0;
    let end = hex.length;
    while (start < end && (hex.charCodeAt(start) === 0x7b || hex.charCodeAt(start) === 0x7d)) start++;
    while (end > start && (hex.charCodeAt(end - 1) === 0x7b || hex.charCodeAt(end - 1) === 0x7d)) end--;
    hex = hex.slice(start, end).replaceAll('-', '');
    if ([...hex].length !== 32) return null;
    const digits = pyHexInt(hex);
    if (digits === null) return null;
    let lead = 0;
    while (lead < digits.length - 1 && digits.charCodeAt(lead) === 0x30) lead++;
    const significant = digits.slice(lead);
    if (significant.length > 32) return null;
    return format(ZEROS.slice(significant.length) + significant);
  }
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? fromInteger(value) : null;
  if (value instanceof JsonNumber) {
    // An integer literal beyond 2^53, exact in its text: `uuid.UUID(int=n)` for 0 ≤ n < 2^128.
    if (value.isFloat || value.text.startsWith('-')) return null;
    const hex = BigInt(value.text).toString(16);
    return hex.length > 32 ? null : format(ZEROS.slice(hex.length) + hex);
  }
  if (typeof value === 'boolean') return fromInteger(value ? 1 : 0);
  return null;
}

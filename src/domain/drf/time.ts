/**
 * DRF's `DateTimeField` / `DateField` with the default `iso-8601` input format, on a UTC server
 * (`USE_TZ = True`, `TIME_ZONE = 'UTC'`), and DRF's rendering (docs/behaviour.md "Input coercion", "Output
 * formats").
 *
 * The target is Django 4.2's `parse_datetime` (the current LTS lines; Django 3.2 had only the regular
 * expression): first Python 3.11's `datetime.fromisoformat` — dates alone (`2022-05-07`), compact forms
 * (`20220507T150812Z`), week dates (`2022-W18-6`), an hour alone (`2022-05-07T15`), any ASCII character
 * as the separator, fractions of any length (truncated to microseconds), offsets with seconds — and,
 * where that raises, Django's own expression: one- or two-digit month, day, hour, minute and second;
 * `T` or a space; `.` or `,` before up to twelve fraction digits; white space before the zone; `Z`,
 * `±HH`, `±HHMM` or `±HH:MM` (minutes not range-checked); a final newline (Python's `$`); and any
 * script's digits (Python's `\d`, which `int()` reads). Years 1 to 9999; an aware time is converted to
 * UTC, and one that leaves that range is DRF's `Datetime value out of range.` A naive time reads as UTC —
 * a guess, recorded as one in docs/behaviour.md.
 *
 * Times are microseconds since the Unix epoch in a JS number: exact for whole seconds over all of
 * Python's range, and for every microsecond within ±2^53 µs (the years 1685 to 2254); outside that, a
 * fraction of a second is stored to the nearest representable microsecond.
 */

import { PY_SPACE_CLASS } from './repr.js';
import { civilFromDays, daysFromCivil, isLeap, validDate } from '../calendar.js';

export type DateTimeParse = { ok: true; us: number } | { ok: false; message: string };
export type DateParse = { ok: true; dayStartUs: number } | { ok: false; message: string };

export const DATETIME_FORMAT_MESSAGE =
  'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';
export const DATETIME_RANGE_MESSAGE = 'Datetime value out of range.';
export const DATE_FORMAT_MESSAGE = 'Date has wrong format. Use one of these formats instead: YYYY-MM-DD.';

// Django 4.2's `datetime_re`, with Python's `\d` (any decimal digit) and `\s`.
const D = '\\p{Nd}';
const DJANGO_DATETIME_RE = new RegExp(
  `^(${D}{4})-(${D}{1,2})-(${D}{1,2})[T ](${D}{1,2}):(${D}{1,2})` +
    `(?::(${D}{1,2})(?:[.,](${D}{1,6})${D}{0,6})?)?` +
    `[${PY_SPACE_CLASS}]*(Z|[+-]${D}{2}(?::?${D}{2})?)?\\n?$`,
  'u',
);
const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})\n?$/;

/** A parsed local time, and its UTC offset in microseconds (null: naive). */
interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micro: number;
  offsetUs: number | null;
}

const US_PER_SECOND = 1_000_000;
const SECONDS_PER_DAY = 86_400;
const US_PER_DAY = 86_400_000_000;

/** Python's `int()` of a run of decimal digits of any script. */
function pyDigits(text: string): number {
  let value = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    let zero = code;
    // Nd characters come in runs of ten, each starting at its zero.
    while (/\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero--;
    value = value * 10 + ((code - zero) % 10);
  }
  return value;
}

function asciiDigits(text: string): number {
  return /^[0-9]*$/.test(text) ? Number(text) : pyDigits(text);
}

/** Django 4.2's expression branch (or null when it does not match). */
function djangoRegex(value: string): Civil | null {
  const m = DJANGO_DATETIME_RE.exec(value);
  if (m === null) return null;
  const fraction = m[7];
  const zone = m[8];
  let offsetUs: number | null = null;
  if (zone === 'Z') offsetUs = 0;
  else if (zone !== undefined) {
    const chars = [...zone.slice(1)].filter((c) => c !== ':');
    const minutes =
      60 * asciiDigits(chars.slice(0, 2).join('')) +
      (chars.length > 2 ? asciiDigits(chars.slice(-2).join('')) : 0);
    offsetUs = (zone.charCodeAt(0) === 0x2d ? -minutes : minutes) * 60 * US_PER_SECOND;
  }
  return {
    year: asciiDigits(m[1] as string),
    month: asciiDigits(m[2] as string),
    day: asciiDigits(m[3] as string),
    hour: asciiDigits(m[4] as string),
    minute: asciiDigits(m[5] as string),
    second: m[6] === undefined ? 0 : asciiDigits(m[6]),
    micro: fraction === undefined ? 0 : padMicro(fraction),
    offsetUs,
  };
}

function padMicro(fraction: string): number {
  const chars = [...fraction];
  return asciiDigits(chars.join('')) * 10 ** (6 - chars.length);
}

const utf8 = new TextEncoder();
const SURROGATE = /\p{Cs}/u;

/** `parse_digits`: `n` ASCII digits at `p`, or null. */
function digitsAt(b: Uint8Array, p: number, n: number): number | null {
  let value = 0;
  for (let i = 0; i < n; i++) {
    const d = (b[p + i] ?? 0) - 0x30;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  return value;
}

const isAsciiDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** `_find_isoformat_datetime_separator`. */
function separatorAt(b: Uint8Array, len: number): number {
  if (len === 7) return 7;
  if (b[4] === 0x2d) {
    if (b[5] !== 0x57) return 10;
    if (len < 8) return -1;
    if (len > 8 && b[8] === 0x2d) {
      if (len === 9) return -1;
      if (len > 10 && isAsciiDigit(b[10])) return 8;
      return 10;
    }
    return 8;
  }
  if (b[4] === 0x57) {
    let idx = 7;
    while (idx < len && isAsciiDigit(b[idx])) idx++;
    if (idx < 9) return idx;
    return idx % 2 === 0 ? 7 : 8;
  }
  return 8;
}

/** `iso_to_ymd`: an ISO week date as a calendar date, or null. */
function fromIsoWeek(isoYear: number, week: number, weekday: number): [number, number, number] | null {
  if (week <= 0 || week >= 53) {
    const jan1 = (((daysFromCivil(isoYear, 1, 1) + 3) % 7) + 7) % 7; // Monday 0
    if (!(week === 53 && (jan1 === 3 || (jan1 === 2 && isLeap(isoYear))))) return null;
  }
  if (weekday <= 0 || weekday >= 8) return null;
  const jan4 = daysFromCivil(isoYear, 1, 4);
  const jan4Weekday = (((jan4 + 3) % 7) + 7) % 7;
  const week1Monday = jan4 - jan4Weekday;
  return civilFromDays(week1Monday + (week - 1) * 7 + weekday - 1);
}

/** `parse_isoformat_date` up to `sep`. */
function isoDate(b: Uint8Array, sep: number): [number, number, number] | null {
  const year = digitsAt(b, 0, 4);
  if (year === null) return null;
  let p = 4;
  const dashed = b[p] === 0x2d;
  if (dashed) p++;
  if (b[p] === 0x57) {
    p++;
    const week = digitsAt(b, p, 2);
    if (week === null) return null;
    p += 2;
    let weekday = 1;
    if (p < sep) {
      if (dashed && b[p++] !== 0x2d) return null;
      const d = digitsAt(b, p, 1);
      if (d === null) return null;
      weekday = d;
    }
    return fromIsoWeek(year, week, weekday);
  }
  const month = digitsAt(b, p, 2);
  if (month === null) return null;
  p += 2;
  if (dashed && b[p++] !== 0x2d) return null;
  const day = digitsAt(b, p, 2);
  return day === null ? null : [year, month, day];
}

/** `parse_hh_mm_ss_ff` from `p` to `end`: [h, m, s, µs, rv] with rv 0 (at the end) or 1, or null. */
function hhmmss(b: Uint8Array, from: number, end: number): [number, number, number, number, number] | null {
  const vals = [0, 0, 0];
  let p = from;
  let hasSeparator = true;
  let fractionAt = -1;
  for (let i = 0; i < 3; i++) {
    const v = digitsAt(b, p, 2);
    if (v === null) return null;
    vals[i] = v;
    p += 2;
    const c = b[p] ?? 0;
    p++;
    if (i === 0) hasSeparator = c === 0x3a;
    if (p >= end) return [vals[0] as number, vals[1] as number, vals[2] as number, 0, c !== 0 ? 1 : 0];
    if (hasSeparator && c === 0x3a) continue;
    if (c === 0x2e || c === 0x2c) {
      fractionAt = p;
      break;
    }
    if (!hasSeparator) p--;
    else return null;
  }
  if (fractionAt === -1) {
    // Three parts without a fraction and more text before `end`: CPython parses a fraction from here.
    fractionAt = p;
  }
  const remains = end - fractionAt;
  const toParse = Math.min(remains, 6);
  let micro = digitsAt(b, fractionAt, toParse);
  if (micro === null) return null;
  if (toParse < 6) micro *= 10 ** (6 - toParse);
  p = fractionAt + toParse;
  while (isAsciiDigit(b[p])) p++;
  return [vals[0] as number, vals[1] as number, vals[2] as number, micro, (b[p] ?? 0) !== 0 ? 1 : 0];
}

/** Python 3.11's `datetime.fromisoformat`, or null where it raises ValueError. */
function fromIsoFormat(value: string): Civil | null {
  const chars = [...value];
  if (chars.length < 7) return null;
  for (const pos of [7, 8, 10]) {
    if (pos > chars.length) break;
    if (SURROGATE.test(chars[pos] ?? '')) {
      chars[pos] = 'T';
      break;
    }
  }
  const clean = chars.join('');
  if (SURROGATE.test(clean)) return null;
  const encoded = utf8.encode(clean);
  const len = encoded.length;
  const b = new Uint8Array(len + 1); // the C string's terminating NUL
  b.set(encoded);
  const sep = separatorAt(b, len);
  if (sep < 0) return null;
  const date = isoDate(b, sep);
  if (date === null) return null;
  const civil: Civil = {
    year: date[0],
    month: date[1],
    day: date[2],
    hour: 0,
    minute: 0,
    second: 0,
    micro: 0,
    offsetUs: null,
  };
  if (len <= sep) return civil;
  const start = sep + 1;
  let tz = start;
  do {
    const c = b[tz];
    if (c === 0x5a || c === 0x2b || c === 0x2d) break;
  } while (++tz < len);
  const time = hhmmss(b, start, tz);
  if (time === null) return null;
  [civil.hour, civil.minute, civil.second, civil.micro] = time;
  if (tz === len) return time[4] === 1 ? null : civil;
  if (b[tz] === 0x5a) {
    if ((b[tz + 1] ?? 0) !== 0) return null;
    civil.offsetUs = 0;
    return civil;
  }
  const sign = b[tz] === 0x2d ? -1 : 1;
  const offset = hhmmss(b, tz + 1, len);
  if (offset === null || offset[4] !== 0) return null;
  civil.offsetUs = sign * ((offset[0] * 3600 + offset[1] * 60 + offset[2]) * US_PER_SECOND + offset[3]);
  return civil;
}

// Python's datetime range, 0001-01-01 to 9999-12-31 (an aware time converted to UTC must stay inside).
const MIN_US = BigInt(daysFromCivil(1, 1, 1)) * BigInt(US_PER_DAY);
const END_US = BigInt(daysFromCivil(10000, 1, 1)) * BigInt(US_PER_DAY);

/** DRF's DateTimeField input: µs since the epoch, or DRF's message. Non-strings get the format message. */
export function parseDateTime(value: unknown): DateTimeParse {
  if (typeof value !== 'string') return { ok: false, message: DATETIME_FORMAT_MESSAGE };
  const civil = fromIsoFormat(value) ?? djangoRegex(value);
  if (civil === null) return { ok: false, message: DATETIME_FORMAT_MESSAGE };
  const { year, month, day, hour, minute, second, micro, offsetUs } = civil;
  if (
    !validDate(year, month, day) ||
    year > 9999 ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    (offsetUs !== null && Math.abs(offsetUs) >= US_PER_DAY)
  ) {
    return { ok: false, message: DATETIME_FORMAT_MESSAGE };
  }
  const seconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  const us = seconds * US_PER_SECOND + (micro - (offsetUs ?? 0));
  if (Number.isSafeInteger(us)) return { ok: true, us };
  // Beyond 2^53 µs: judged exactly, stored as the nearest representable time not after it.
  const exact = BigInt(seconds) * BigInt(US_PER_SECOND) + BigInt(micro - (offsetUs ?? 0));
  if (exact < MIN_US || exact >= END_US) return { ok: false, message: DATETIME_RANGE_MESSAGE };
  let stored = Number(exact);
  if (BigInt(stored) > exact) stored -= 2 ** (Math.floor(Math.log2(Math.abs(stored))) - 52);
  return { ok: true, us: stored };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** DRF's rendering: UTC, `Z`, six fraction digits only when the microseconds are not zero. */
export function formatDateTime(us: number): string {
  const micro = ((us % US_PER_SECOND) + US_PER_SECOND) % US_PER_SECOND;
  const seconds = (us - micro) / US_PER_SECOND;
  const secondOfDay = ((seconds % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
  const days = (seconds - secondOfDay) / SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  const base = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
  return micro === 0 ? `${base}Z` : `${base}.${pad(micro, 6)}Z`;
}

/**
 * DRF's DateField input (Django's `parse_date` regex) for `YYYY-MM-DD` query parameters: midnight UTC
 * of that day in µs. Far-future days (after 2254) come back rounded, which is harmless for a filter bound.
 */
export function parseDate(value: string): DateParse {
  const m = DATE_RE.exec(value);
  if (m === null) return { ok: false, message: DATE_FORMAT_MESSAGE };
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (!validDate(year, month, day)) return { ok: false, message: DATE_FORMAT_MESSAGE };
  return { ok: true, dayStartUs: daysFromCivil(year, month, day) * US_PER_DAY };
}

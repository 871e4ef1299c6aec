import { daysInMonth } from '../calendar.js';
/**
 * Dates and datetimes as Pydantic v2 reads them in lax mode (pydantic-core over the `speedate` crate):
 *
 * - a string `YYYY-MM-DD[Tt _]HH:MM[:SS[(.|,)fraction]][Z|z|±HH[:]MM|±HH]` (RFC 3339 with speedate's
 *   liberties: the separator, optional seconds, a fraction of any length truncated to microseconds);
 * - a date alone (`2018-02-27`) is a naive midnight (lax mode's date fallback, pydantic-core 2.16+);
 * - a number, or a string that is one, is a Unix timestamp: seconds, or milliseconds beyond 2e10;
 * - a string that is none of these fails as `datetime_from_date_parsing` with the message of the date
 *   parse that lax mode tried last (speedate's `ParseError` documentation strings), e.g. `Input should
 *   be a valid datetime or date, invalid character in year`.
 */

/** A parsed datetime: microseconds since the epoch, and the offset it was written with (null: naive). */
export interface PyDateTime {
  us: number;
  offsetSeconds: number | null;
}

/** speedate's `ParseError` documentation strings (the `{error}` of pydantic's date messages). */
export const SPEEDATE = {
  tooShort: 'input is too short',
  extraCharacters: 'unexpected extra characters at the end of the input',
  invalidCharDateSep: 'invalid date separator, expected `-`',
  invalidCharYear: 'invalid character in year',
  invalidCharMonth: 'invalid character in month',
  invalidCharDay: 'invalid character in day',
  outOfRangeMonth: 'month value is outside expected range of 1-12',
  outOfRangeDay: 'day value is outside expected range',
} as const;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

type Partial = { ok: true; year: number; month: number; day: number } | { ok: false; error: string };

/** speedate's `Date::parse_bytes_partial`: the first ten characters as a date. */
function datePartial(s: string): Partial {
  if (s.length < 10) return { ok: false, error: SPEEDATE.tooShort };
  const digits = (from: number, to: number): number | null => {
    let n = 0;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (!isDigit(c)) return null;
      n = n * 10 + (c - 0x30);
    }
    return n;
  };
  const year = digits(0, 4);
  if (year === null) return { ok: false, error: SPEEDATE.invalidCharYear };
  if (s[4] !== '-') return { ok: false, error: SPEEDATE.invalidCharDateSep };
  const month = digits(5, 7);
  if (month === null) return { ok: false, error: SPEEDATE.invalidCharMonth };
  if (s[7] !== '-') return { ok: false, error: SPEEDATE.invalidCharDateSep };
  const day = digits(8, 10);
  if (day === null) return { ok: false, error: SPEEDATE.invalidCharDay };
  if (month < 1 || month > 12) return { ok: false, error: SPEEDATE.outOfRangeMonth };
  if (day < 1 || day > daysInMonth(year, month)) return { ok: false, error: SPEEDATE.outOfRangeDay };
  return { ok: true, year, month, day };
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function fromTimestamp(seconds: number): PyDateTime | null {
  if (!Number.isFinite(seconds)) return null;
  // speedate: beyond 2e10 the number is milliseconds.
  const us = Math.abs(seconds) > 2e10 ? Math.round(seconds * 1000) : Math.round(seconds * 1e6);
  const year = new Date(us / 1000).getUTCFullYear();
  if (year < 1600 || year > 9999) return null;
  return { us, offsetSeconds: 0 };
}

function dayUs(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime() * 1000;
}

const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** The datetime of an RFC 3339-style string, or null. */
function datetimeString(s: string): PyDateTime | null {
  const date = datePartial(s);
  if (!date.ok) return null;
  const sep = s[10];
  if (sep !== 'T' && sep !== 't' && sep !== ' ' && sep !== '_') return null;
  const m = TIME.exec(s.slice(11));
  if (m === null) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = m[3] === undefined ? 0 : Number(m[3]);
  if (hour > 23 || minute > 59 || second > 59) return null;
  const micro = m[4] === undefined ? 0 : Number(m[4].slice(0, 6).padEnd(6, '0'));
  let offsetSeconds: number | null = null;
  if (m[5] !== undefined) offsetSeconds = 0;
  else if (m[6] !== undefined) {
    const tzHour = Number(m[7]);
    const tzMinute = m[8] === undefined ? 0 : Number(m[8]);
    if (tzMinute > 59) return null;
    const total = tzHour * 3600 + tzMinute * 60;
    if (total >= 86400) return null;
    offsetSeconds = m[6] === '-' ? -total : total;
  }
  const local = dayUs(date.year, date.month, date.day) + ((hour * 60 + minute) * 60 + second) * 1e6 + micro;
  return { us: local - (offsetSeconds ?? 0) * 1e6, offsetSeconds };
}

export type DateTimeOutcome =
  | { ok: true; value: PyDateTime }
  | { ok: false; kind: 'type' }
  | { ok: false; kind: 'parsing'; error: string };

/** A datetime field's input in lax mode (JSON numbers arrive as JS numbers). */
export function parsePyDateTime(input: unknown, numeric: number | null): DateTimeOutcome {
  if (numeric !== null) {
    const value = fromTimestamp(numeric);
    return value === null
      ? { ok: false, kind: 'parsing', error: 'dates after 9999 are not supported as unix timestamps' }
      : { ok: true, value };
  }
  if (typeof input !== 'string') return { ok: false, kind: 'type' };
  const parsed = datetimeString(input);
  if (parsed !== null) return { ok: true, value: parsed };
  if (NUMERIC.test(input)) {
    const value = fromTimestamp(Number(input));
    if (value !== null) return { ok: true, value };
  }
  // Lax mode's fallback: the string as a date (midnight, naive); its error is the one reported.
  const date = datePartial(input);
  if (!date.ok) return { ok: false, kind: 'parsing', error: date.error };
  if (input.length > 10) return { ok: false, kind: 'parsing', error: SPEEDATE.extraCharacters };
  return { ok: true, value: { us: dayUs(date.year, date.month, date.day), offsetSeconds: null } };
}

/** A `date` (`YYYY-MM-DD`): the UTC day's first microsecond, or speedate's error. */
export function parsePyDate(input: string): { ok: true; dayStartUs: number } | { ok: false; error: string } {
  const date = datePartial(input);
  if (!date.ok) return { ok: false, error: date.error };
  if (input.length > 10) return { ok: false, error: SPEEDATE.extraCharacters };
  return { ok: true, dayStartUs: dayUs(date.year, date.month, date.day) };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * A datetime as an answer writes it: always with a six-digit fraction and a zone (`+00:00` for UTC and
 * for a naive input, which is read as UTC), in the offset it was given with — Python's
 * `isoformat(timespec='microseconds')`.
 */
export function formatPyDateTime(value: PyDateTime): string {
  const offset = value.offsetSeconds ?? 0;
  const localUs = value.us + offset * 1e6;
  const ms = Math.floor(localUs / 1000);
  const micro = localUs - ms * 1000;
  const d = new Date(ms);
  const fraction = pad(d.getUTCMilliseconds() * 1000 + micro, 6);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = `${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor((abs % 3600) / 60))}`;
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${fraction}${zone}`
  );
}

import { daysFromCivil, validDate } from '../calendar.js';
/**
 * v3's timestamps (docs/behaviour.md, "v3"): what a v3 body or query may send, and the one form every v3
 * answer uses.
 *
 * Input follows Pydantic v2's datetime parsing (its `speedate` RFC 3339 reader): `YYYY-MM-DD`, a `T`,
 * `t`, `_` or space, `HH:MM[:SS[.f…]]`, then `Z`, `z`, `±HH:MM`, `±HHMM`, `±HH` or nothing. Fractions
 * of any length up to nine digits are truncated to microseconds (`.999999`, as clients send them); a
 * time without a zone reads as UTC, as the server's zone. Aware times are converted to UTC.
 *
 * Output is always `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`: the reference's schema examples
 * (`2018-02-27T10:00:00.555309+00:00`), always with six fraction digits and a numeric zone — the one
 * form every public v3 client reads (one cannot parse `…T10:00:00Z`; Python before 3.11 cannot parse
 * `Z` at all).
 */

export interface CivilTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micro: number;
  /** Minutes east of UTC; null when the text named no zone. */
  offsetMinutes: number | null;
}

const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt_ ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const US_PER_SECOND = 1_000_000;
const US_PER_DAY = 86_400 * US_PER_SECOND;

/** The parts of a v3 timestamp as written, or null when it is not one. */
export function parseCivilTime(text: string): CivilTime | null {
  const m = DATETIME_RE.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fraction = m[7] ?? '';
  const micro = fraction === '' ? 0 : Number(fraction.slice(0, 6).padEnd(6, '0'));
  let offsetMinutes: number | null = null;
  if (m[8] !== undefined) offsetMinutes = 0;
  else if (m[9] !== undefined) {
    const hours = Number(m[10]);
    const minutes = m[11] === undefined ? 0 : Number(m[11]);
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  return { year, month, day, hour, minute, second, micro, offsetMinutes };
}

/** Microseconds since the epoch of a civil time (a naive one read as UTC). */
export function civilToUs(t: CivilTime): number {
  const days = daysFromCivil(t.year, t.month, t.day);
  const secondsOfDay = t.hour * 3600 + t.minute * 60 + t.second - (t.offsetMinutes ?? 0) * 60;
  return days * US_PER_DAY + secondsOfDay * US_PER_SECOND + t.micro;
}

/** A v3 timestamp as microseconds since the epoch (UTC), or null when the text is not one. */
export function parseTimestamp(text: string): number | null {
  const civil = parseCivilTime(text);
  return civil === null ? null : civilToUs(civil);
}

/** A `YYYY-MM-DD` date (the list filters' form) as the microsecond its UTC day starts, or null. */
export function parseDate(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (m === null) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validDate(year, month, day)) return null;
  return daysFromCivil(year, month, day) * US_PER_DAY;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The one answer form: `2024-01-01T10:00:00.000000+00:00`, UTC, six fraction digits, always. */
export function formatTimestamp(us: number): string {
  const days = Math.floor(us / US_PER_DAY);
  const inDay = us - days * US_PER_DAY;
  const date = new Date(days * 86_400_000);
  const seconds = Math.floor(inDay / US_PER_SECOND);
  const micro = inDay - seconds * US_PER_SECOND;
  const year = date.getUTCFullYear();
  return (
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}` +
    `.${pad(Math.round(micro), 6)}+00:00`
  );
}

/**
 * DRF's `DateTimeField` / `DateField` with the default `iso-8601` input format, on a UTC server
 * (`USE_TZ = True`, `TIME_ZONE = 'UTC'`), and DRF's rendering (CONTRACT §2 "Input coercion", "Output
 * formats").
 *
 * Parsing follows Django's `parse_datetime` regular expression, not Python 3.11's wider
 * `datetime.fromisoformat` (which newer Django tries first and which also takes week dates, date-only
 * strings and compact forms): the DRF error text documents exactly the regex's format. So, like Django:
 * one- or two-digit month, day, hour, minute and second; `T` or a space; `.` or `,` before up to twelve
 * fraction digits, of which the first six count (truncated, not rounded); white space before the zone;
 * `Z`, `±HH`, `±HHMM` or `±HH:MM` (offset minutes are not range-checked, but the whole offset must be
 * under 24 hours); a final newline is tolerated (Python's `$`). Only ASCII digits (Python's `\d` would
 * also take other scripts' digits). A naive time reads as UTC — a guess, recorded as one in CONTRACT §2.
 *
 * Times are microseconds since the Unix epoch in a JS number, exact only within ±2^53 µs (about the years
 * 1685 to 2254). Outside that range we answer DRF's `Datetime value out of range.` (the text DRF gives
 * when a time cannot be converted to UTC) rather than silently lose precision.
 */

export type DateTimeParse = { ok: true; us: number } | { ok: false; message: string };
export type DateParse = { ok: true; dayStartUs: number } | { ok: false; message: string };

export const DATETIME_FORMAT_MESSAGE =
  'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';
export const DATETIME_RANGE_MESSAGE = 'Datetime value out of range.';
export const DATE_FORMAT_MESSAGE = 'Date has wrong format. Use one of these formats instead: YYYY-MM-DD.';

// Python's `\s` (str.isspace) rather than JS's, which differs on U+001C–U+001F, U+0085 and U+FEFF.
const PY_SPACE = '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const DATETIME_RE = new RegExp(
  '^(\\d{4})-(\\d{1,2})-(\\d{1,2})[T ](\\d{1,2}):(\\d{1,2})' +
    '(?::(\\d{1,2})(?:[.,](\\d{1,6})\\d{0,6})?)?' +
    `${PY_SPACE}*(Z|[+-]\\d{2}(?::?\\d{2})?)?\\n?$`,
);
const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})\n?$/;

const US_PER_SECOND = 1_000_000;
const SECONDS_PER_DAY = 86_400;
const US_PER_DAY = 86_400_000_000;
const FRACTION_SCALE = [1, 100_000, 10_000, 1_000, 100, 10, 1] as const;

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function validDate(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** DRF's DateTimeField input: µs since the epoch, or DRF's message. Non-strings get the format message. */
export function parseDateTime(value: unknown): DateTimeParse {
  if (typeof value !== 'string') return { ok: false, message: DATETIME_FORMAT_MESSAGE };
  const m = DATETIME_RE.exec(value);
  if (m === null) return { ok: false, message: DATETIME_FORMAT_MESSAGE };
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fraction = m[7];
  const micro = fraction === undefined ? 0 : Number(fraction) * (FRACTION_SCALE[fraction.length] as number);
  const zone = m[8];
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    offsetMinutes = 60 * Number(zone.slice(1, 3)) + (zone.length > 3 ? Number(zone.slice(-2)) : 0);
    if (zone.charCodeAt(0) === 0x2d) offsetMinutes = -offsetMinutes;
  }
  if (
    !validDate(year, month, day) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Math.abs(offsetMinutes) >= 1440
  ) {
    return { ok: false, message: DATETIME_FORMAT_MESSAGE };
  }
  const seconds =
    daysFromCivil(year, month, day) * SECONDS_PER_DAY +
    hour * 3600 +
    minute * 60 +
    second -
    offsetMinutes * 60;
  const us = seconds * US_PER_SECOND + micro;
  if (!Number.isSafeInteger(us)) return { ok: false, message: DATETIME_RANGE_MESSAGE };
  return { ok: true, us };
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
  // H. Hinnant's `civil_from_days`.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
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

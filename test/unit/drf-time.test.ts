import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatDateTime, parseDate, parseDateTime } from '../../src/domain/drf/time.js';

const FORMAT =
  'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';
const DATE_FORMAT = 'Date has wrong format. Use one of these formats instead: YYYY-MM-DD.';
const BASE = Date.UTC(2022, 4, 7, 15, 8, 12) * 1000; // 2022-05-07T15:08:12Z in µs

describe('parseDateTime', () => {
  const ok = (input: string, us: number) => assert.deepEqual(parseDateTime(input), { ok: true, us }, input);
  const bad = (input: unknown, message = FORMAT) =>
    assert.deepEqual(parseDateTime(input), { ok: false, message }, JSON.stringify(input));

  test('RFC 3339 with Z or an offset', () => {
    ok('2022-05-07T15:08:12Z', BASE);
    ok('2022-05-07T15:08:12.152Z', BASE + 152_000);
    ok('2022-05-07T17:08:12+02:00', BASE);
    ok('2022-05-07T13:38:12-0130', BASE);
    ok('2022-05-07T20:08:12+05', BASE);
  });

  test('naive times read as UTC; space separator; seconds optional', () => {
    ok('2022-05-07T15:08:12', BASE);
    ok('2022-05-07 15:08:12', BASE);
    ok('2022-05-07T15:08', BASE - 12_000_000);
    ok('2022-5-7T15:8:12', BASE);
  });

  test('fractions: comma or point, truncated (not rounded) to microseconds', () => {
    ok('2022-05-07T15:08:12.152000Z', BASE + 152_000);
    ok('2022-05-07T15:08:12,5', BASE + 500_000);
    ok('2022-05-07T15:08:12.1234569Z', BASE + 123_456);
    ok('2022-05-07T15:08:12.999999999999', BASE + 999_999);
    // fromisoformat takes fractions of any length, and a point just before the zone.
    ok('2022-05-07T15:08:12.9999999999999', BASE + 999_999);
    ok('2022-05-07T15:08:12.Z', BASE);
    bad('2022-05-07T15:08:12.');
  });

  test("Django's tolerances: white space before the zone, a final newline", () => {
    ok('2022-05-07T15:08:12 Z', BASE);
    ok('2022-05-07T17:08:12 +02:00', BASE);
    ok('2022-05-07T15:08:12Z\n', BASE);
    bad(' 2022-05-07T15:08:12Z');
    bad('2022-05-07T15:08:12Z ');
    bad('2022-05-07t15:08:12z');
  });

  test('offsets: minutes unchecked, the whole offset under 24 hours', () => {
    ok('2022-05-07T16:23:12+00:75', BASE);
    ok('2022-05-08T15:07:12+23:59', BASE);
    bad('2022-05-07T15:08:12+24:00');
    bad('2022-05-07T15:08:12+2');
  });

  test('invalid calendar dates and times are the format message', () => {
    bad('2023-02-30T00:00:00Z');
    bad('2023-02-29T00:00:00Z');
    ok('2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29) * 1000);
    bad('2022-13-01T00:00');
    bad('2022-05-07T24:00');
    bad('2022-05-07T23:60');
    bad('2022-05-07T23:59:60');
    bad('0000-01-01T00:00');
  });

  test("Django 4.2 tries Python's datetime.fromisoformat first: dates, compact forms, week dates, an hour", () => {
    ok('2022-05-07', Date.UTC(2022, 4, 7) * 1000);
    ok('20220507T150812Z', BASE);
    ok('2022-W18-6', Date.UTC(2022, 4, 7) * 1000);
    ok('2022W186', Date.UTC(2022, 4, 7) * 1000);
    ok('2022-W18', Date.UTC(2022, 4, 2) * 1000);
    ok('2020-W53-7', Date.UTC(2021, 0, 3) * 1000);
    bad('2022-W53');
    ok('2022-05-07T15', BASE - (8 * 60 + 12) * 1_000_000);
    ok('2022-05-07T1508', BASE - 12_000_000);
    ok('2022-05-07x15:08:12', BASE);
    ok('2022-05-07T15:08:12+01:00:30', BASE - 3_630_000_000);
    bad('2022-05-07T24:00');
    bad('yesterday');
    bad('');
  });

  test("then Django's own expression, which takes any script's digits", () => {
    ok('\u0662\u0660\u0662\u0662-\u0660\u0665-\u0660\u0667T15:08:12Z', BASE);
    ok('2022-05-07T15:08:12.\u0661Z', BASE + 100_000);
  });

  test('non-strings get the format message', () => {
    bad(1651936092);
    bad(1.5);
    bad(true);
    bad(null);
    bad({});
    bad([]);
  });

  test("years 1 to 9999, as Python's datetime; leaving them by the offset is out of range", () => {
    ok('0001-01-01', -62_135_596_800_000_000);
    ok('9999-12-31', 253_402_214_400_000_000);
    ok('1600-01-01T00:00:00Z', Date.UTC(1600, 0, 1) * 1000);
    ok('2250-12-31T23:59:59.999999Z', Date.UTC(2250, 11, 31, 23, 59, 59) * 1000 + 999_999);
    bad('0001-01-01T00:00:00+01:00', 'Datetime value out of range.');
    bad('9999-12-31T23:59:59-01:00', 'Datetime value out of range.');
    assert.equal(formatDateTime(-62_135_596_800_000_000), '0001-01-01T00:00:00Z');
    assert.equal(formatDateTime(253_402_214_400_000_000), '9999-12-31T00:00:00Z');
  });

  test('beyond 2^53 µs a fraction is stored to the nearest representable microsecond not after it', () => {
    const parsed = parseDateTime('9999-12-31T23:59:59.999999Z');
    assert.ok(parsed.ok);
    assert.equal(formatDateTime(parsed.us), '9999-12-31T23:59:59.999968Z');
  });
});

describe('formatDateTime', () => {
  test('six fraction digits only when not zero, always Z', () => {
    assert.equal(formatDateTime(BASE), '2022-05-07T15:08:12Z');
    assert.equal(formatDateTime(BASE + 152_000), '2022-05-07T15:08:12.152000Z');
    assert.equal(formatDateTime(BASE + 1), '2022-05-07T15:08:12.000001Z');
    assert.equal(formatDateTime(0), '1970-01-01T00:00:00Z');
    assert.equal(formatDateTime(-1), '1969-12-31T23:59:59.999999Z');
    assert.equal(formatDateTime(Date.UTC(1700, 0, 1) * 1000), '1700-01-01T00:00:00Z');
  });

  test('agrees with Date for millisecond values', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8_000_000_000_000, max: 8_000_000_000_000 }), (ms) => {
        const iso = new Date(ms).toISOString();
        const expected = ms % 1000 === 0 ? iso.replace('.000Z', 'Z') : iso.replace('Z', '000Z');
        assert.equal(formatDateTime(ms * 1000), expected);
      }),
    );
  });

  test('parseDateTime ∘ formatDateTime is the identity on the exact range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (us) => {
        assert.deepEqual(parseDateTime(formatDateTime(us)), { ok: true, us });
      }),
    );
  });

  test('formatDateTime ∘ parseDateTime normalises to UTC with µs', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1700-01-01T00:00:00Z'),
          max: new Date('2250-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, extraMicro, offset) => {
          const us = date.getTime() * 1000 + extraMicro;
          const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const text = `${local}${String(extraMicro).padStart(3, '0')}${zone}`;
          const parsed = parseDateTime(text);
          assert.deepEqual(parsed, { ok: true, us });
          assert.equal(parsed.ok && formatDateTime(parsed.us), formatDateTime(us));
        },
      ),
    );
  });
});

describe('parseDate', () => {
  test('YYYY-MM-DD to midnight UTC', () => {
    assert.deepEqual(parseDate('2022-05-07'), { ok: true, dayStartUs: Date.UTC(2022, 4, 7) * 1000 });
    assert.deepEqual(parseDate('2022-5-7'), { ok: true, dayStartUs: Date.UTC(2022, 4, 7) * 1000 });
    assert.deepEqual(parseDate('1970-01-01'), { ok: true, dayStartUs: 0 });
  });

  test('anything else: the Date message', () => {
    for (const input of [
      '2022-02-30',
      '2022-05-07T00:00',
      '07-05-2022',
      '',
      'today',
      '2022/05/07',
      ' 2022-05-07',
    ]) {
      assert.deepEqual(parseDate(input), { ok: false, message: DATE_FORMAT }, input);
    }
  });
});

// Expected messages and types are pydantic-core's templates (src/errors/types.rs; the table of
// docs.pydantic.dev/latest/errors/validation_errors/) and its lax conversion table
// (docs.pydantic.dev/latest/concepts/conversion_table/); speedate's ParseError documentation for the
// date errors. No Pydantic v2 runs here (Debian ships v1), so the tests pin those published facts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJson } from '../../src/domain/drf/json.js';
import {
  expectedChoices,
  formatPyDateTime,
  parsePyDate,
  pyBool,
  pyDateTime,
  pyDecimal,
  pyDict,
  pyEmail,
  pyEnum,
  pyFloat,
  pyInt,
  pyList,
  pyModel,
  pyStr,
  pyUrl,
  validate,
} from '../../src/domain/pydantic/index.js';
import type { ErrorItem, Validator } from '../../src/domain/pydantic/index.js';

/** The value of `text` (JSON) through `validator`, or its errors as `[type, msg]` pairs. */
function run(validator: Validator<unknown>, text: string): { ok: unknown } | { err: [string, string][] } {
  const outcome = validate(validator, parseJson(text));
  return outcome.ok ? { ok: outcome.value } : { err: outcome.errors.map((e) => [e.type, e.msg]) };
}

function table(validator: Validator<unknown>, cases: [json: string, expected: unknown][]): void {
  for (const [json, expected] of cases) assert.deepEqual(run(validator, json), expected, json);
}

describe('int (lax)', () => {
  test('integers, zero fractions, numeric strings and booleans are integers', () => {
    table(pyInt(), [
      ['5', { ok: 5 }],
      ['5.0', { ok: 5 }],
      ['-0.0', { ok: -0 }],
      ['2e3', { ok: 2000 }],
      ['"5"', { ok: 5 }],
      ['" 7 "', { ok: 7 }],
      ['"1_000"', { ok: 1000 }],
      ['"5.00"', { ok: 5 }],
      ['true', { ok: 1 }],
    ]);
  });
  test('the rest is int_from_float, int_parsing or int_type', () => {
    table(pyInt(), [
      [
        '5.5',
        { err: [['int_from_float', 'Input should be a valid integer, got a number with a fractional part']] },
      ],
      [
        '"5.5"',
        { err: [['int_parsing', 'Input should be a valid integer, unable to parse string as an integer']] },
      ],
      [
        '"abc"',
        { err: [['int_parsing', 'Input should be a valid integer, unable to parse string as an integer']] },
      ],
      [
        '""',
        { err: [['int_parsing', 'Input should be a valid integer, unable to parse string as an integer']] },
      ],
      ['null', { err: [['int_type', 'Input should be a valid integer']] }],
      ['[1]', { err: [['int_type', 'Input should be a valid integer']] }],
    ]);
  });
  test('bounds: greater_than, greater_than_equal', () => {
    table(pyInt({ gt: 0 }), [
      ['0', { err: [['greater_than', 'Input should be greater than 0']] }],
      ['"-3"', { err: [['greater_than', 'Input should be greater than 0']] }],
      ['1', { ok: 1 }],
    ]);
    table(pyInt({ ge: 1 }), [
      ['0', { err: [['greater_than_equal', 'Input should be greater than or equal to 1']] }],
    ]);
  });
  test('the error item carries loc, input and ctx', () => {
    const outcome = validate(pyModel('M', { q: { validator: pyInt({ gt: 0 }), required: true } }), { q: 0 });
    assert.deepEqual(outcome, {
      ok: false,
      errors: [
        { type: 'greater_than', loc: ['q'], msg: 'Input should be greater than 0', input: 0, ctx: { gt: 0 } },
      ],
    });
  });
});

describe('float, Decimal, bool (lax)', () => {
  test('float', () => {
    table(pyFloat(), [
      ['3.5', { ok: 3.5 }],
      ['3', { ok: 3 }],
      ['"3.5"', { ok: 3.5 }],
      ['"1e3"', { ok: 1000 }],
      ['false', { ok: 0 }],
      [
        '"x"',
        { err: [['float_parsing', 'Input should be a valid number, unable to parse string as a number']] },
      ],
      ['{}', { err: [['float_type', 'Input should be a valid number']] }],
    ]);
    table(pyFloat({ gt: 0 }), [['0.0', { err: [['greater_than', 'Input should be greater than 0']] }]]);
  });
  test('Decimal keeps the text', () => {
    table(pyDecimal(), [
      ['"3.50"', { ok: '3.50' }],
      ['3.99', { ok: '3.99' }],
      ['1.0', { ok: '1.0' }],
      ['12345678901234567890123', { ok: '12345678901234567890123' }],
      ['"abc"', { err: [['decimal_parsing', 'Input should be a valid decimal']] }],
      ['"NaN"', { err: [['finite_number', 'Input should be a finite number']] }],
      [
        '[]',
        { err: [['decimal_type', 'Decimal input should be an integer, float, string or Decimal object']] },
      ],
    ]);
  });
  test('bool', () => {
    table(pyBool, [
      ['true', { ok: true }],
      ['"YES"', { ok: true }],
      ['"off"', { ok: false }],
      ['0', { ok: false }],
      ['1.0', { ok: true }],
      ['2', { err: [['bool_parsing', 'Input should be a valid boolean, unable to interpret input']] }],
      ['"maybe"', { err: [['bool_parsing', 'Input should be a valid boolean, unable to interpret input']] }],
      ['[]', { err: [['bool_type', 'Input should be a valid boolean']] }],
    ]);
  });
});

describe('str, enums, lists, dicts, models', () => {
  test('str accepts strings only; lengths count code points', () => {
    table(pyStr({ minLength: 1, maxLength: 2 }), [
      ['"ab"', { ok: 'ab' }],
      ['"😀😀"', { ok: '😀😀' }],
      ['5', { err: [['string_type', 'Input should be a valid string']] }],
      ['""', { err: [['string_too_short', 'String should have at least 1 character']] }],
      ['"abc"', { err: [['string_too_long', 'String should have at most 2 characters']] }],
    ]);
    table(pyStr({ minLength: 2 }), [
      ['"a"', { err: [['string_too_short', 'String should have at least 2 characters']] }],
    ]);
    table(pyStr({ maxLength: 1 }), [
      ['"ab"', { err: [['string_too_long', 'String should have at most 1 character']] }],
    ]);
    table(pyStr({ pattern: '[\\d]+(\\.[\\d]+)?' }), [
      ['"3.99"', { ok: '3.99' }],
      ['"abc"', { err: [['string_pattern_mismatch', "String should match pattern '[\\d]+(\\.[\\d]+)?'"]] }],
    ]);
  });
  test('enum message lists the choices', () => {
    assert.equal(expectedChoices(['a']), "'a'");
    assert.equal(expectedChoices(['a', 'b']), "'a' or 'b'");
    table(pyEnum(['EUR', 'GBP', 'USD']), [
      ['"EUR"', { ok: 'EUR' }],
      ['"eur"', { err: [['enum', "Input should be 'EUR', 'GBP' or 'USD'"]] }],
    ]);
  });
  test('list: list_type, too_long with the count, items at their index', () => {
    table(pyList(pyInt(), { maxLength: 2 }), [
      ['[1, "2"]', { ok: [1, 2] }],
      ['{}', { err: [['list_type', 'Input should be a valid list']] }],
      ['[1,2,3]', { err: [['too_long', 'List should have at most 2 items after validation, not 3']] }],
    ]);
    table(pyList(pyInt(), { maxLength: 1 }), [
      ['[1,2]', { err: [['too_long', 'List should have at most 1 item after validation, not 2']] }],
    ]);
    const outcome = validate(pyList(pyInt()), [1, 'x']);
    assert.deepEqual(!outcome.ok && outcome.errors.map((e: ErrorItem) => e.loc), [[1]]);
  });
  test('dict', () => {
    table(pyDict, [
      ['{"a": [1]}', { ok: { a: [1] } }],
      ['[]', { err: [['dict_type', 'Input should be a valid dictionary']] }],
    ]);
  });
  test('model: missing in field order, null for optional fields left out, extras ignored or forbidden', () => {
    const fields = {
      properties: { validator: pyDict, required: true },
      type: { validator: pyStr(), required: true },
      note: { validator: pyStr() },
    };
    const lax = pyModel('ShipWith', fields);
    const outcome = validate(lax, {});
    assert.deepEqual(!outcome.ok && outcome.errors.map((e) => [e.type, e.loc, e.msg]), [
      ['missing', ['properties'], 'Field required'],
      ['missing', ['type'], 'Field required'],
    ]);
    assert.deepEqual(validate(lax, { properties: {}, type: 'x', note: null, other: 1 }), {
      ok: true,
      value: { properties: {}, type: 'x' },
    });
    table(lax, [
      ['5', { err: [['model_type', 'Input should be a valid dictionary or instance of ShipWith']] }],
    ]);
    const strict = pyModel('ShipWith', fields, { extra: 'forbid' });
    table(strict, [
      [
        '{"properties": {}, "type": "x", "other": 1}',
        { err: [['extra_forbidden', 'Extra inputs are not permitted']] },
      ],
    ]);
  });
  test('a required field that is null is its type error', () => {
    table(pyModel('M', { a: { validator: pyStr(), required: true } }), [
      ['{"a": null}', { err: [['string_type', 'Input should be a valid string']] }],
    ]);
  });
  test('url and email', () => {
    table(pyUrl, [
      ['"https://i.ibb.co/6tLZ2Jz/orange.jpeg"', { ok: 'https://i.ibb.co/6tLZ2Jz/orange.jpeg' }],
      [
        '"orange.jpeg"',
        { err: [['url_parsing', 'Input should be a valid URL, relative URL without a base']] },
      ],
      ['"http://"', { err: [['url_parsing', 'Input should be a valid URL, empty host']] }],
      ['5', { err: [['url_type', 'URL input should be a string or URL']] }],
    ]);
    table(pyEmail, [
      ['"a@b.nl"', { ok: 'a@b.nl' }],
      [
        '"ab.nl"',
        {
          err: [
            [
              'value_error',
              'Value error, value is not a valid email address: An email address must have an @-sign.',
            ],
          ],
        },
      ],
    ]);
  });
});

describe('datetime (lax)', () => {
  const iso = (json: string): string => {
    const outcome = validate(pyDateTime, parseJson(json));
    assert.ok(outcome.ok, json);
    return formatPyDateTime(outcome.value);
  };
  test('offsets, fractions, Z, naive, dates alone, timestamps', () => {
    assert.equal(iso('"2018-02-27T10:00:00.556Z"'), '2018-02-27T10:00:00.556000+00:00');
    assert.equal(iso('"2022-12-31T23:59:59.999999+02:00"'), '2022-12-31T23:59:59.999999+02:00');
    assert.equal(iso('"2022-12-31T23:59:59.9999999-05:30"'), '2022-12-31T23:59:59.999999-05:30');
    assert.equal(iso('"2018-02-27T10:00:00+00:00"'), '2018-02-27T10:00:00.000000+00:00');
    assert.equal(iso('"2018-02-27 10:00"'), '2018-02-27T10:00:00.000000+00:00');
    assert.equal(iso('"2018-02-27"'), '2018-02-27T00:00:00.000000+00:00');
    assert.equal(iso('1519725600'), '2018-02-27T10:00:00.000000+00:00');
    assert.equal(iso('1519725600556'), '2018-02-27T10:00:00.556000+00:00');
    assert.equal(iso('"1519725600"'), '2018-02-27T10:00:00.000000+00:00');
  });
  test('the same instant in two offsets is one time', () => {
    const a = validate(pyDateTime, '2022-01-01T12:00:00+02:00');
    const b = validate(pyDateTime, '2022-01-01T10:00:00Z');
    assert.ok(a.ok && b.ok);
    assert.equal(a.value.us, b.value.us);
  });
  test('failures are datetime_from_date_parsing with the date parse error, or datetime_type', () => {
    const from = (error: string): { err: [string, string][] } => ({
      err: [['datetime_from_date_parsing', `Input should be a valid datetime or date, ${error}`]],
    });
    table(pyDateTime, [
      ['"foo"', from('input is too short')],
      ['""', from('input is too short')],
      ['"not-a-date"', from('invalid character in year')],
      ['"2026-13-01T00:00:00Z"', from('month value is outside expected range of 1-12')],
      ['"2023-02-29T00:00:00Z"', from('day value is outside expected range')],
      ['"2023/02/01T00:00:00Z"', from('invalid date separator, expected `-`')],
      ['"2023-01-01T25:00:00Z"', from('unexpected extra characters at the end of the input')],
      ['true', { err: [['datetime_type', 'Input should be a valid datetime']] }],
      ['[]', { err: [['datetime_type', 'Input should be a valid datetime']] }],
    ]);
  });
  test('a date', () => {
    assert.deepEqual(parsePyDate('2023-04-28'), { ok: true, dayStartUs: Date.UTC(2023, 3, 28) * 1000 });
    assert.deepEqual(parsePyDate('2023-04-28x'), {
      ok: false,
      error: 'unexpected extra characters at the end of the input',
    });
  });
});

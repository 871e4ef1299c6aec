import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  pyFloatRepr,
  pyNumberStr,
  pyRepr,
  pyStr,
  pyStrip,
  pyTypeName,
  toAsciiNumeral,
} from '../../src/domain/drf/repr.js';

describe('pyRepr', () => {
  test('renders the documented 400 message shape', () => {
    assert.equal(
      pyRepr({ settings: ['webhook_url: This field may not be null.'] }),
      "{'settings': ['webhook_url: This field may not be null.']}",
    );
    assert.equal(
      pyRepr({ start_date: ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'] }),
      "{'start_date': ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.']}",
    );
  });

  test('nests dicts and lists with Python separators', () => {
    assert.equal(
      pyRepr({ a: ['x', 'y'], b: { c: [] }, d: {} }),
      "{'a': ['x', 'y'], 'b': {'c': []}, 'd': {}}",
    );
    assert.equal(
      pyRepr([{}, { quantity: ['A valid integer is required.'] }]),
      "[{}, {'quantity': ['A valid integer is required.']}]",
    );
    assert.equal(pyRepr([]), '[]');
    assert.equal(pyRepr({}), '{}');
  });

  test('scalars: None, True, False, int, float', () => {
    assert.equal(pyRepr(null), 'None');
    assert.equal(pyRepr(true), 'True');
    assert.equal(pyRepr(false), 'False');
    assert.equal(pyRepr(42), '42');
    assert.equal(pyRepr(-7), '-7');
    assert.equal(pyRepr(1.5), '1.5');
    assert.equal(pyRepr([1, 2.25, null, true]), '[1, 2.25, None, True]');
  });

  test('string quotes follow CPython: double quotes only for a single quote without a double one', () => {
    assert.equal(pyRepr('plain'), "'plain'");
    assert.equal(pyRepr("it's"), `"it's"`);
    assert.equal(pyRepr('say "hi"'), `'say "hi"'`);
    assert.equal(pyRepr(`it's "both"`), `'it\\'s "both"'`);
    assert.equal(pyRepr({ "o'k": "it's" }), `{"o'k": "it's"}`);
  });

  test('string escapes: backslash, control characters, non-printables', () => {
    assert.equal(pyRepr('a\\b'), "'a\\\\b'");
    assert.equal(pyRepr('a\nb\tc\rd'), "'a\\nb\\tc\\rd'");
    assert.equal(pyRepr('\u0000\u001f\u007f'), "'\\x00\\x1f\\x7f'");
    assert.equal(pyRepr('\u00a0'), "'\\xa0'");
    assert.equal(pyRepr('\u200b'), "'\\u200b'");
    assert.equal(pyRepr('\u2028'), "'\\u2028'");
    assert.equal(pyRepr('\ue000'), "'\\ue000'");
    assert.equal(pyRepr('\ud800'), "'\\ud800'");
    assert.equal(pyRepr('\u{f0000}'), "'\\U000f0000'");
    assert.equal(pyRepr('é€😀 ä'), "'é€😀 ä'");
  });

  test('a printable ASCII string without quotes or backslashes is wrapped as is', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ !#-&(-[\]-~]*$/), (s) => {
        assert.equal(pyRepr(s), `'${s}'`);
      }),
    );
  });

  test('never throws on JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.equal(typeof pyRepr(value), 'string');
      }),
    );
  });
});

describe('Python numbers', () => {
  test('repr(float): shortest digits, exponent below 1e-4 and from 1e16', () => {
    assert.equal(pyFloatRepr(0.1), '0.1');
    assert.equal(pyFloatRepr(1.5), '1.5');
    assert.equal(pyFloatRepr(2), '2.0');
    assert.equal(pyFloatRepr(1e15), '1000000000000000.0');
    assert.equal(pyFloatRepr(1e16), '1e+16');
    assert.equal(pyFloatRepr(1.5e16), '1.5e+16');
    assert.equal(pyFloatRepr(0.0001), '0.0001');
    assert.equal(pyFloatRepr(0.00001), '1e-05');
    assert.equal(pyFloatRepr(1.5e-7), '1.5e-07');
    assert.equal(pyFloatRepr(1.5e300), '1.5e+300');
    assert.equal(pyFloatRepr(5e-324), '5e-324');
    assert.equal(pyFloatRepr(-0), '-0.0');
    assert.equal(pyFloatRepr(-123.456), '-123.456');
  });

  test('str() of a JSON number: safe integers are ints, the rest floats', () => {
    assert.equal(pyNumberStr(15), '15');
    assert.equal(pyNumberStr(-0), '0');
    assert.equal(pyNumberStr(1.25), '1.25');
    assert.equal(pyNumberStr(2 ** 53), '9007199254740992.0');
    assert.equal(pyNumberStr(1e20), '1e+20');
  });

  test('type names as DRF interpolates them', () => {
    assert.deepEqual([{}, [], 'x', 1, 1.5, true, null].map(pyTypeName), [
      'dict',
      'list',
      'str',
      'int',
      'float',
      'bool',
      'NoneType',
    ]);
  });

  test('str(): strings as themselves, anything else as repr', () => {
    assert.equal(pyStr('x'), 'x');
    assert.equal(pyStr({ a: 1 }), "{'a': 1}");
    assert.equal(pyStr(true), 'True');
  });

  test('str.strip() removes Python white space, not U+FEFF', () => {
    assert.equal(pyStrip(' \t\n\u001c\u0085\u00a0\u3000x y\u2003 '), 'x y');
    assert.equal(pyStrip('\ufeffx'), '\ufeffx');
    assert.equal(pyStrip('none'), 'none');
  });

  test('non-ASCII digits and spaces become ASCII before int() and Decimal()', () => {
    assert.equal(toAsciiNumeral('١٢٣'), '123');
    assert.equal(toAsciiNumeral('\u00a0٥.٠'), ' 5.0');
    assert.equal(toAsciiNumeral('\u{1d7d9}'), '1');
    assert.equal(toAsciiNumeral('12x'), '12x');
  });
});

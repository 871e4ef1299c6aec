// Expected values were checked against DRF 3.14 / Django 3.2 itself (Debian's python3-djangorestframework)
// while these fields were written; the tests pin them without needing Python in CI.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  booleanField,
  charField,
  choiceField,
  dateField,
  dateTimeField,
  decimalField,
  dictField,
  emailField,
  Invalid,
  integerField,
  isValidEmail,
  nestedListField,
  objectField,
  SKIP,
  uuidField,
} from '../../src/domain/drf/fields.js';
import type { Field, Shape } from '../../src/domain/drf/fields.js';
import { parseUuid } from '../../src/domain/drf/uuid.js';

type Result = { ok: unknown } | { err: unknown } | 'SKIP';

function run(field: Field<unknown>, input: unknown): Result {
  const outcome = field(input);
  if (outcome === SKIP) return 'SKIP';
  return outcome instanceof Invalid ? { err: outcome.errors } : { ok: outcome };
}

function table(field: Field<unknown>, cases: [input: unknown, expected: Result][]): void {
  for (const [input, expected] of cases) assert.deepEqual(run(field, input), expected, JSON.stringify(input));
}

const REQUIRED = { err: ['This field is required.'] };
const NULL = { err: ['This field may not be null.'] };
const BLANK = { err: ['This field may not be blank.'] };
const NOT_A_STRING = { err: ['Not a valid string.'] };
const INTEGER = { err: ['A valid integer is required.'] };
const NUMBER = { err: ['A valid number is required.'] };

describe('charField', () => {
  test('required, not blank: trims, stringifies numbers, refuses the rest', () => {
    table(charField({ required: true }), [
      [undefined, REQUIRED],
      [null, NULL],
      ['', BLANK],
      [' \t\n\u00a0', BLANK],
      ['  John Doe  ', { ok: 'John Doe' }],
      [15, { ok: '15' }],
      [1.5, { ok: '1.5' }],
      [1e-7, { ok: '1e-07' }],
      [true, NOT_A_STRING],
      [[], NOT_A_STRING],
      [{}, NOT_A_STRING],
      ['\ufeffx', { ok: '\ufeffx' }],
    ]);
  });

  test('optional and blank: absent is "", null refused (no allow_null)', () => {
    table(charField({ allowBlank: true }), [
      [undefined, { ok: '' }],
      ['', { ok: '' }],
      ['   ', { ok: '' }],
      [null, NULL],
    ]);
  });

  test('nullable: absent and null are null', () => {
    table(charField({ allowNull: true, allowBlank: true }), [
      [undefined, { ok: null }],
      [null, { ok: null }],
      ['', { ok: '' }],
    ]);
  });

  test('blankAsNull: "" and white space read as null', () => {
    table(charField({ allowNull: true, blankAsNull: true }), [
      ['', { ok: null }],
      ['  ', { ok: null }],
      [' CA ', { ok: 'CA' }],
    ]);
  });

  test('max_length counts code points; NUL and lone surrogates refused, all errors together', () => {
    table(charField({ allowBlank: true, maxLength: 12 }), [
      ['x'.repeat(12), { ok: 'x'.repeat(12) }],
      ['😀'.repeat(12), { ok: '😀'.repeat(12) }],
      ['x'.repeat(13), { err: ['Ensure this field has no more than 12 characters.'] }],
      ['a\u0000b', { err: ['Null characters are not allowed.'] }],
      ['\ud800x', { err: ['Surrogate characters are not allowed: U+D800.'] }],
      ['a\udc00\ud800', { err: ['Surrogate characters are not allowed: U+DC00.'] }],
      [
        '\u0000'.repeat(13),
        { err: ['Ensure this field has no more than 12 characters.', 'Null characters are not allowed.'] },
      ],
    ]);
  });
});

describe('emailField (Django EmailValidator)', () => {
  const email = emailField({ allowBlank: true });
  const INVALID = { err: ['Enter a valid email address.'] };

  test('valid forms', () => {
    for (const value of [
      'user@example.com',
      'user.name+tag@sub.example.org',
      'a@localhost',
      'a@[127.0.0.1]',
      'a@[::1]',
      'a@[1:2:3:4:5:6:7:8]',
      '"ab"@x.co',
      'a@x.123',
      'A@B.CO',
      'user@exämple.com',
      'a@b.c0m',
      `${'x'.repeat(64)}@${'y'.repeat(63)}.com`,
    ]) {
      assert.deepEqual(run(email, value), { ok: value }, value);
    }
  });

  test('invalid forms', () => {
    for (const value of [
      'a..b@x.co',
      '.a@x.co',
      'a@-x.co',
      'a@x-.co',
      'a@x.c',
      '"a b"@x.co',
      'üser@example.com',
      'a@b@c.com',
      'a',
      'a@',
      '@b.com',
      'a@b',
      'a@[256.1.1.1]',
      'a@[1::2::3]',
      'a@[01.2.3.4]',
      `${'x'.repeat(310)}@example.com`,
      `a@${'y'.repeat(64)}.com`,
    ]) {
      assert.deepEqual(run(email, value), INVALID, value);
    }
  });

  test('blank is allowed, surrounding space trimmed, other CharField checks come first', () => {
    table(email, [
      ['', { ok: '' }],
      [undefined, { ok: '' }],
      ['  a@b.co\n', { ok: 'a@b.co' }],
      ['a\u0000@b.com', { err: ['Null characters are not allowed.', 'Enter a valid email address.'] }],
      [5, INVALID],
    ]);
    assert.equal(isValidEmail('a@b.co'), true);
  });
});

describe('choiceField', () => {
  test('string choices: exact, untrimmed, Python str() of the input in the message', () => {
    table(choiceField(['NL', 'DE'], { required: true }), [
      ['NL', { ok: 'NL' }],
      [undefined, REQUIRED],
      [null, NULL],
      ['nl', { err: ['"nl" is not a valid choice.'] }],
      [' NL', { err: ['" NL" is not a valid choice.'] }],
      ['', { err: ['"" is not a valid choice.'] }],
      [5, { err: ['"5" is not a valid choice.'] }],
      [true, { err: ['"True" is not a valid choice.'] }],
      [['NL'], { err: [`"['NL']" is not a valid choice.`] }],
      [{ a: "b'c" }, { err: [`"{'a': "b'c"}" is not a valid choice.`] }],
    ]);
  });

  test('integer choices take "2" and 2 alike; nullable with blankAsNull reads "" as null', () => {
    table(choiceField([0, 1, 2, 3, 4], { allowNull: true, blankAsNull: true }), [
      [2, { ok: 2 }],
      ['2', { ok: 2 }],
      ['', { ok: null }],
      [null, { ok: null }],
      [undefined, { ok: null }],
      [5, { err: ['"5" is not a valid choice.'] }],
      [1.5, { err: ['"1.5" is not a valid choice.'] }],
      ['1.0', { err: ['"1.0" is not a valid choice.'] }],
      [false, { err: ['"False" is not a valid choice.'] }],
    ]);
  });

  test('optional, not nullable, absent: left out', () => {
    assert.equal(run(choiceField(['a']), undefined), 'SKIP');
  });
});

describe('integerField', () => {
  const quantity = integerField({ required: true, minValue: 1, maxValue: 2147483647 });

  test('8, "8", 8.0, "8.0" are all 8 in an integer field, with Python int() leniency', () => {
    table(quantity, [
      [8, { ok: 8 }],
      ['8', { ok: 8 }],
      [8.0, { ok: 8 }],
      ['8.0', { ok: 8 }],
      ['8.', { ok: 8 }],
      ['8.00 ', { ok: 8 }],
      [' 8 ', { ok: 8 }],
      ['+8', { ok: 8 }],
      ['008', { ok: 8 }],
      ['1_000', { ok: 1000 }],
      ['٣', { ok: 3 }],
      ['\u00a08', { ok: 8 }],
    ]);
  });

  test('refusals', () => {
    table(quantity, [
      [undefined, REQUIRED],
      [null, NULL],
      [8.5, INTEGER],
      ['8.5', INTEGER],
      ['', INTEGER],
      ['1__000', INTEGER],
      ['_1', INTEGER],
      ['1_', INTEGER],
      ['\u001c8', INTEGER],
      ['0x10', INTEGER],
      [true, INTEGER],
      [[], INTEGER],
      [{}, INTEGER],
      ['1'.repeat(1001), { err: ['String value too large.'] }],
      [0, { err: ['Ensure this value is greater than or equal to 1.'] }],
      ['-0', { err: ['Ensure this value is greater than or equal to 1.'] }],
      [2147483648, { err: ['Ensure this value is less than or equal to 2147483647.'] }],
      ['99999999999999999999', { err: ['Ensure this value is less than or equal to 2147483647.'] }],
    ]);
  });

  test('nullable and optional', () => {
    table(integerField({ allowNull: true }), [
      [undefined, { ok: null }],
      [null, { ok: null }],
      ['-0', { ok: 0 }],
      [-5, { ok: -5 }],
    ]);
    assert.equal(run(integerField(), undefined), 'SKIP');
  });
});

describe('decimalField', () => {
  const money = decimalField({ allowNull: true, decimalPlaces: 2, maxDigits: 28 });
  const weight = decimalField({
    allowNull: true,
    decimalPlaces: 3,
    maxDigits: null,
    maxLength: 10,
    minValue: '0.001',
  });
  const value = decimalField({ required: true, decimalPlaces: 2, maxDigits: 28 });

  test('numbers or numeric strings, quantized to fixed places', () => {
    table(money, [
      ['3.5', { ok: '3.50' }],
      [3.5, { ok: '3.50' }],
      [' 3.99 ', { ok: '3.99' }],
      [19, { ok: '19.00' }],
      ['1e3', { ok: '1000.00' }],
      ['1E-2', { ok: '0.01' }],
      ['.5', { ok: '0.50' }],
      ['5.', { ok: '5.00' }],
      ['+.5e-1', { ok: '0.05' }],
      ['00001.1', { ok: '1.10' }],
      ['0e5', { ok: '0.00' }],
      ['-0', { ok: '-0.00' }],
      ['1_000.5', { ok: '1000.50' }],
      ['_5', { ok: '5.00' }],
      ['١٫٥'.replace('٫', '.'), { ok: '1.50' }],
    ]);
  });

  test('empty values: "" is null when nullable, a number error otherwise', () => {
    table(money, [
      [undefined, { ok: null }],
      [null, { ok: null }],
      ['', { ok: null }],
      ['  ', { ok: null }],
    ]);
    table(value, [
      [undefined, REQUIRED],
      [null, NULL],
      ['', NUMBER],
    ]);
  });

  test('refusals in DRF order: number, digits, places, whole digits', () => {
    table(money, [
      ['string', NUMBER],
      ['NaN', NUMBER],
      ['inf', NUMBER],
      ['-Infinity', NUMBER],
      ['.', NUMBER],
      ['1e', NUMBER],
      [true, NUMBER],
      [[], NUMBER],
      [{}, NUMBER],
      ['5'.repeat(1001), { err: ['String value too large.'] }],
      ['1.555', { err: ['Ensure that there are no more than 2 decimal places.'] }],
      ['1.500', { err: ['Ensure that there are no more than 2 decimal places.'] }],
      [1e-7, { err: ['Ensure that there are no more than 2 decimal places.'] }],
      ['1234567890123456789012345678.9', { err: ['Ensure that there are no more than 28 digits in total.'] }],
      [
        '123456789012345678901234567',
        { err: ['Ensure that there are no more than 26 digits before the decimal point.'] },
      ],
      ['1e27', { err: ['Ensure that there are no more than 26 digits before the decimal point.'] }],
      ['1e99999999999', { err: ['Ensure that there are no more than 28 digits in total.'] }],
    ]);
  });

  test('weights: three places, at most 10 rendered characters, at least 0.001', () => {
    table(weight, [
      ['1', { ok: '1.000' }],
      [1.5, { ok: '1.500' }],
      ['10.2', { ok: '10.200' }],
      ['0.001', { ok: '0.001' }],
      ['123456.789', { ok: '123456.789' }],
      ['1.5000', { err: ['Ensure that there are no more than 3 decimal places.'] }],
      ['1234567', { err: ['Ensure this field has no more than 10 characters.'] }],
      ['1e40', { err: ['Ensure this field has no more than 10 characters.'] }],
      ['0', { err: ['Ensure this value is greater than or equal to 0.001.'] }],
      ['-1', { err: ['Ensure this value is greater than or equal to 0.001.'] }],
      [
        '-1234567',
        {
          err: [
            'Ensure this value is greater than or equal to 0.001.',
            'Ensure this field has no more than 10 characters.',
          ],
        },
      ],
    ]);
  });

  test('without max_digits or a length cap, Python’s 28-digit precision still bounds it', () => {
    const loose = decimalField({ decimalPlaces: 3, maxDigits: null });
    assert.deepEqual(run(loose, '1e24'), { ok: `1${'0'.repeat(24)}.000` });
    assert.deepEqual(run(loose, '1e26'), { err: ['Ensure that there are no more than 28 digits in total.'] });
  });

  test('the rendered value always has the configured places and re-parses to itself', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -99_999_999, max: 99_999_999 }),
        fc.integer({ min: 0, max: 2 }),
        (cents, drop) => {
          const input = (cents / 100).toFixed(2 - drop);
          const rendered = money(input);
          assert.equal(typeof rendered, 'string');
          assert.match(rendered as string, /^-?\d+\.\d{2}$/);
          assert.equal(money(rendered), rendered);
          assert.equal(Number(rendered), Number(input));
        },
      ),
    );
  });
});

describe('dateTimeField, uuidField, booleanField', () => {
  test('dateTimeField: µs or the Datetime message', () => {
    table(dateTimeField({ required: true }), [
      ['1970-01-01T00:00:01.5Z', { ok: 1_500_000 }],
      [undefined, REQUIRED],
      [null, NULL],
      [
        5,
        {
          err: [
            'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
          ],
        },
      ],
    ]);
  });

  test('dateField: midnight UTC or the Date message', () => {
    const DATE = { err: ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'] };
    table(dateField({ required: true }), [
      ['1970-01-02', { ok: 86_400_000_000 }],
      ['1970-1-2', { ok: 86_400_000_000 }],
      ['1970-01-32', DATE],
      ['1970-01-02T00:00', DATE],
      [19700102, DATE],
      [undefined, REQUIRED],
      [null, NULL],
    ]);
  });

  test('parseUuid: the forms of uuid.UUID(hex=…), canonical lower case', () => {
    const canonical = '6b436cb2-65a4-482c-9d25-38be7868ff00';
    for (const input of [
      canonical,
      canonical.toUpperCase(),
      '6b436cb265a4482c9d2538be7868ff00',
      `{${canonical}}`,
      `{{${canonical}}}`,
      `urn:uuid:${canonical}`,
      `uuid:${canonical}`,
      '6b43-6cb2-65a4-482c-9d25-38be-7868-ff00',
    ]) {
      assert.equal(parseUuid(input), canonical, input);
    }
    assert.equal(parseUuid('0x436cb265a4482c9d2538be7868ff00'), '00436cb2-65a4-482c-9d25-38be7868ff00');
    assert.equal(parseUuid(' 6b436cb265a4482c9d2538be7868ff0'), '06b436cb-265a-4482-c9d2-538be7868ff0');
    assert.equal(parseUuid('6b_36cb265a4482c9d2538be7868ff00'), '06b36cb2-65a4-482c-9d25-38be7868ff00');
    for (const input of [
      '',
      'not-a-uuid',
      '6b436cb265a4482c9d2538be7868ff0g',
      '6b436cb265a4482c9d2538be7868ff_',
      '6b436cb265a4482c9d2538be7868ff000',
      '__6cb265a4482c9d2538be7868ff0000',
      null,
      1.5,
      -1,
      [],
      {},
    ]) {
      assert.equal(parseUuid(input), null, JSON.stringify(input));
    }
  });

  test('parseUuid: integers (and Python bools) are uuid.UUID(int=…)', () => {
    assert.equal(parseUuid(255), '00000000-0000-0000-0000-0000000000ff');
    assert.equal(parseUuid(true), '00000000-0000-0000-0000-000000000001');
    assert.equal(parseUuid(false), '00000000-0000-0000-0000-000000000000');
  });

  test('uuidField', () => {
    table(uuidField({ required: true }), [
      ['6B436CB265A4482C9D2538BE7868FF00', { ok: '6b436cb2-65a4-482c-9d25-38be7868ff00' }],
      ['nope', { err: ['Must be a valid UUID.'] }],
      [undefined, REQUIRED],
      [null, NULL],
    ]);
  });

  test('parseUuid never throws and canonical output re-parses to itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.uuid(), fc.string()), (input) => {
        const parsed = parseUuid(input);
        if (parsed !== null) assert.equal(parseUuid(parsed), parsed);
      }),
    );
  });

  test("booleanField: DRF's true/false/null sets", () => {
    table(booleanField({ required: true }), [
      [true, { ok: true }],
      [1, { ok: true }],
      ['true', { ok: true }],
      ['True', { ok: true }],
      ['yes', { ok: true }],
      ['on', { ok: true }],
      ['1', { ok: true }],
      [false, { ok: false }],
      [0, { ok: false }],
      ['0', { ok: false }],
      ['off', { ok: false }],
      ['n', { ok: false }],
      ['tRue', { err: ['Must be a valid boolean.'] }],
      [2, { err: ['Must be a valid boolean.'] }],
      ['null', { err: ['Must be a valid boolean.'] }],
      [[], { err: ['Must be a valid boolean.'] }],
    ]);
    table(booleanField({ allowNull: true }), [
      ['null', { ok: null }],
      ['', { ok: null }],
    ]);
  });
});

describe('nested objects, lists and dicts', () => {
  const STATUS: Shape = [
    ['id', charField({ required: true })],
    ['message', charField({ required: true })],
  ];

  test('objectField: declaration order, own properties only, unknown keys ignored', () => {
    table(objectField(STATUS, { allowNull: true }), [
      [{ message: 'Paid', id: 'paid', extra: 1 }, { ok: { id: 'paid', message: 'Paid' } }],
      [{}, { err: { id: ['This field is required.'], message: ['This field is required.'] } }],
      [{ id: '', message: 5 }, { err: { id: ['This field may not be blank.'] } }],
      ['paid', { err: { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] } }],
      [5, { err: { non_field_errors: ['Invalid data. Expected a dictionary, but got int.'] } }],
      [[], { err: { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] } }],
      [null, { ok: null }],
      [undefined, { ok: null }],
    ]);
    const inherited = Object.create({ id: 'x', message: 'y' }) as object;
    assert.deepEqual(run(objectField(STATUS), inherited), {
      err: { id: ['This field is required.'], message: ['This field is required.'] },
    });
  });

  test('nestedListField: errors aligned with the input, {} for valid elements', () => {
    const items = nestedListField(objectField(STATUS), { allowNull: true });
    table(items, [
      [[], { ok: [] }],
      [[{ id: 'a', message: 'b' }], { ok: [{ id: 'a', message: 'b' }] }],
      [
        [{ id: 'a', message: 'b' }, { id: 'a' }, 5],
        {
          err: [
            {},
            { message: ['This field is required.'] },
            { non_field_errors: ['Invalid data. Expected a dictionary, but got int.'] },
          ],
        },
      ],
      [{}, { err: { non_field_errors: ['Expected a list of items but got type "dict".'] } }],
      ['x', { err: { non_field_errors: ['Expected a list of items but got type "str".'] } }],
      [null, { ok: null }],
    ]);
  });

  test("nestedListField: DRF hands a nullable list's allow_null to its child", () => {
    assert.deepEqual(run(nestedListField(objectField(STATUS), { allowNull: true }), [null]), { ok: [null] });
    assert.deepEqual(run(nestedListField(objectField(STATUS)), [null, {}]), {
      err: [
        ['This field may not be null.'],
        { id: ['This field is required.'], message: ['This field is required.'] },
      ],
    });
    assert.deepEqual(run(nestedListField(objectField(STATUS), { maxLength: 1 }), [{}, {}]), {
      err: { non_field_errors: ['Ensure this field has no more than 1 elements.'] },
    });
  });

  test('dictField: values validated per key, __proto__ kept as a plain key', () => {
    const properties = dictField(charField({ allowNull: true, allowBlank: true }));
    table(properties, [
      [{ size: 'S', n: 5, none: null, empty: '' }, { ok: { size: 'S', n: '5', none: null, empty: '' } }],
      [{ a: true, b: [], c: 'ok' }, { err: { a: ['Not a valid string.'], b: ['Not a valid string.'] } }],
      ['x', { err: ['Expected a dictionary of items but got type "str".'] }],
      [[], { err: ['Expected a dictionary of items but got type "list".'] }],
      [undefined, 'SKIP'],
      [null, NULL],
    ]);
    const parsed: unknown = JSON.parse('{"__proto__": "x", "constructor": "y"}');
    const outcome = properties(parsed);
    assert.ok(!(outcome instanceof Invalid) && outcome !== SKIP && outcome !== null);
    assert.equal(Object.getPrototypeOf(outcome), Object.prototype);
    assert.equal(JSON.stringify(outcome), '{"__proto__":"x","constructor":"y"}');
  });
});

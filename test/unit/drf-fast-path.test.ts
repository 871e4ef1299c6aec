/**
 * The upsert's fast path (fields.ts "The fast path") against the exact DRF pipeline: a twin may only
 * ever answer what its field answers, and a whole order validated fast must be the order the exact
 * pipeline builds, key for key and in the same key order. Inputs the fast path declines are answered by
 * the exact pipeline, so `validateOrder` must equal `validateOrderExactly` on every input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  NOT_FAST,
  charField,
  dateTimeField,
  decimalField,
  emailField,
  twinOf,
} from '../../src/domain/drf/fields.js';
import type { Field } from '../../src/domain/drf/fields.js';
import { parseJson } from '../../src/domain/drf/json.js';
import {
  validateOrder,
  validateOrderExactly,
  validateOrderFast,
} from '../../src/domain/shipments/order-schema.js';

const RUNS = 3000;

/** Every input where the twin answers, it answers exactly the field's value. */
function holdsTwin(field: Field<unknown>, input: fc.Arbitrary<unknown>): { answered: number } {
  const twin = twinOf(field);
  assert.ok(twin !== undefined, 'the field has a twin');
  let answered = 0;
  fc.assert(
    fc.property(input, (data) => {
      const fast = twin(data);
      if (fast === NOT_FAST) return;
      answered++;
      assert.deepStrictEqual(fast, field(data), `twin and field differ on ${JSON.stringify(data)}`);
    }),
    { numRuns: RUNS },
  );
  return { answered };
}

const spaces = fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u2003', '\u3000', '\u001f', '\u0085', '');
const tricky = fc.constantFrom('\0', '\ud800', '\udc00', '😀', 'é', '"', '\\', 'x', ' ');
/** Strings around the edges CharField cares about: white space at the ends, NUL, surrogates, length. */
const textLike = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc
    .tuple(spaces, fc.array(fc.oneof(tricky, fc.string({ maxLength: 3 })), { maxLength: 8 }), spaces)
    .map(([a, parts, b]) => a + parts.join('') + b),
  fc.string({ minLength: 10, maxLength: 14 }),
);

const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`));
/** Decimal-looking strings: signs, leading zeros, every number of places, exponents, junk. */
const decimalLike = fc.oneof(
  fc
    .tuple(fc.constantFrom('', '-', '+', ' '), digits(30), fc.constantFrom('.', '', '..'), digits(5))
    .map(([sign, whole, point, fraction]) => sign + whole + point + fraction),
  fc.constantFrom('0.00', '0.000', '00.00', '0.001', '0.0001', '1e3', '1.5e-2', 'NaN', '1_000.00', '١٢.٣٤'),
  fc.string({ maxLength: 12 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
/** Datetime-looking strings, valid and not: every day 0–39 of every month, hours past 23, fractions. */
const dateTimeLike = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0')),
      two(13),
      two(39),
      two(25),
      two(61),
      two(61),
      fc.constantFrom('', '.000000', '.123456', '.5', '.1234567'),
      fc.constantFrom('Z', '+01:00', '', 'z', '-00:00'),
      fc.constantFrom('T', ' ', 't'),
    )
    .map(([y, mo, d, h, mi, s, frac, zone, sep]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${zone}`),
  fc.string({ maxLength: 25 }),
);

describe('fast path: each twin answers only what its field answers', () => {
  test('CharField, with and without max_length, blank, null, email', () => {
    for (const field of [
      charField({ required: true }),
      charField({ allowBlank: true, maxLength: 12 }),
      charField({ allowNull: true, blankAsNull: true }),
      emailField({ allowBlank: true }),
    ]) {
      holdsTwin(field as Field<unknown>, fc.oneof(textLike, fc.emailAddress()));
    }
  });

  test('DecimalField: money (28 digits, 2 places) and measures (3 places, 10 characters, minimum)', () => {
    const { answered } = holdsTwin(
      decimalField({ required: true, decimalPlaces: 2, maxDigits: 28 }) as Field<unknown>,
      decimalLike,
    );
    assert.ok(answered > 0, 'some money strings are taken fast');
    for (const field of [
      decimalField({ allowNull: true, decimalPlaces: 3, maxDigits: null, maxLength: 10 }),
      decimalField({ allowNull: true, decimalPlaces: 3, maxDigits: null, maxLength: 10, minValue: '0.001' }),
      decimalField({ allowNull: true, decimalPlaces: 2, maxDigits: 5 }),
    ]) {
      holdsTwin(field as Field<unknown>, decimalLike);
    }
  });

  test('DateTimeField', () => {
    const { answered } = holdsTwin(dateTimeField({ required: true }) as Field<unknown>, dateTimeLike);
    assert.ok(answered > 0, 'some datetimes are taken fast');
  });
});

// An order as a webshop sends it; every field the bench's order has, plus a few more.
const ORDER = {
  external_order_id: '1001',
  external_shipment_id: null,
  order_number: 'OXSDFGHTD-12',
  name: 'John Doe',
  company_name: 'Sendcloud',
  address: 'Stadhuisplein',
  house_number: '10',
  address_2: '',
  city: 'Eindhoven',
  postal_code: '5611 EM',
  country: 'NL',
  email: 'john.doe@example.com',
  telephone: '+31612345678',
  currency: 'EUR',
  total_order_value: '49.98',
  weight: '1.250',
  shipping_method: 8,
  shipping_method_checkout_name: 'Standard delivery',
  order_status: { id: 'paid', message: 'Paid' },
  payment_status: { id: 'paid', message: 'Paid' },
  parcel_items: [
    {
      description: 'T-shirt',
      quantity: 2,
      value: '19.99',
      weight: '0.250',
      sku: 'TS-001',
      hs_code: '610910',
      origin_country: 'PT',
      properties: { size: 'M', colour: null },
    },
    { description: 'Mug', quantity: 1, value: '9.99', weight: '0.750', sku: 'MUG-01', origin_country: '' },
  ],
  checkout_payload: {
    sender_address_id: 1,
    shipping_product: { code: 'postnl:standard', name: 'PostNL Standard', selected_functionalities: {} },
    delivery_method_type: 'standard_delivery',
    delivery_method_data: {
      delivery_date: '2024-03-02T00:00:00Z',
      formatted_delivery_date: 'March 2',
      parcel_handover_date: '2024-03-01T17:00:00.500000Z',
    },
  },
  customs_details: {
    discount_granted: '0.00',
    insurance_costs: { value: '1.00', currency: 'EUR' },
    tax_numbers: { sender: [{ name: 'VAT', country_code: 'NL', value: 'NL123' }] },
  },
  created_at: '2024-03-01T10:00:00Z',
  updated_at: '2024-03-01T10:00:00.123456Z',
};

/** Values a field may be replaced with: valid, not in normal form, or invalid. */
const replacement = fc.oneof(
  textLike,
  decimalLike,
  dateTimeLike,
  fc.constantFrom(null, '', 0, 1, -1, 2 ** 31, 1.5, true, [], {}, [null], [{}], { id: 'x' }, 'NL', 'EUR'),
  fc.integer(),
);

/** Paths into ORDER, nested ones included, so mutations reach parcel items and the payload too. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [
    prefix,
    ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], [...prefix, k])),
  ];
}
const PATHS = paths(ORDER).filter((p) => p.length > 0);

type Mutation = { path: (string | number)[]; value: unknown; drop: boolean };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  path: fc.constantFrom(...PATHS),
  value: replacement,
  drop: fc.boolean(),
});

function mutate(mutations: Mutation[]): unknown {
  const order = structuredClone(ORDER) as Record<string | number, unknown>;
  for (const { path, value, drop } of mutations) {
    let at: Record<string | number, unknown> = order;
    for (const key of path.slice(0, -1)) {
      const next = at[key];
      if (next === null || typeof next !== 'object') break;
      at = next as Record<string | number, unknown>;
    }
    const last = path[path.length - 1] as string | number;
    if (drop && !Array.isArray(at)) delete at[last];
    else at[last] = value;
  }
  return order;
}

/** As the server reads a body: through the DRF JSON parser (numbers as Python sees them). */
function asParsed(order: unknown): unknown {
  return parseJson(JSON.stringify(order));
}

describe('fast path: a whole order', () => {
  test('the bench order and this one are taken fast, and equal the exact pipeline key for key', () => {
    const input = asParsed(ORDER);
    const fast = validateOrderFast(input);
    assert.notEqual(fast, NOT_FAST);
    const exact = validateOrderExactly(input);
    assert.ok(exact.ok);
    assert.deepStrictEqual(fast, exact.order);
    assert.equal(JSON.stringify(fast), JSON.stringify(exact.order), 'same key order');
  });

  test('on mutated orders: fast equals exact whenever it answers, and validateOrder always equals exact', () => {
    let fastCount = 0;
    let invalidCount = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 0, maxLength: 3 }), (mutations) => {
        const input = asParsed(mutate(mutations));
        const exact = validateOrderExactly(input);
        const fast = validateOrderFast(input);
        if (fast !== NOT_FAST) {
          fastCount++;
          assert.ok(exact.ok, `fast path took an order the exact one refuses: ${JSON.stringify(exact)}`);
          assert.deepStrictEqual(fast, exact.order);
          assert.equal(JSON.stringify(fast), JSON.stringify(exact.order));
        }
        if (!exact.ok) invalidCount++;
        const answered = validateOrder(input);
        assert.deepStrictEqual(answered, exact);
        assert.equal(JSON.stringify(answered), JSON.stringify(exact));
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: both paths were exercised.
    assert.ok(fastCount > RUNS / 10, `fast path taken ${fastCount} times`);
    assert.ok(invalidCount > RUNS / 10, `invalid orders ${invalidCount}`);
  });

  test('non-objects and null go to the exact pipeline and keep its messages', () => {
    for (const input of [null, 'x', 1, [], true]) {
      assert.equal(validateOrderFast(input), NOT_FAST);
      assert.deepStrictEqual(validateOrder(input), validateOrderExactly(input));
    }
  });
});

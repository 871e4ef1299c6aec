/**
 * The list's spliced JSON against what it replaces: `JSON.stringify(renderShipment(row))` on
 * the parsed order. Byte for byte, for the stored text the upsert writes and for plain JSON written
 * before it (or by hand).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { pageJson } from '../../src/domain/pagination.js';
import { renderShipment, validateOrder } from '../../src/domain/shipments/order-schema.js';
import type { ValidOrder } from '../../src/domain/shipments/order-schema.js';
import { shipmentJson, storedShipmentText } from '../../src/domain/shipments/shipment-json.js';
import type { StoredShipment } from '../../src/domain/types.js';
import { minimalOrder } from '../helpers/server.js';

const MINIMAL = minimalOrder({
  created_at: '2022-05-07T15:08:12.152000Z',
  updated_at: '2022-05-07T15:08:12Z',
});

const STATUS = { id: 'paid', message: 'Paid' };
const ITEM = {
  description: 'Bag "XL" \\ 50%',
  hs_code: '6202',
  origin_country: 'DE',
  product_id: 'p-1',
  properties: { colour: 'rød', size: null, empty: '' },
  quantity: '3',
  sku: 'SKU\t1',
  value: 9.9,
  weight: '0.5',
  mid_code: 'MID',
  material_content: '100% cotton',
  intended_use: 'personal',
};

/** Every optional field present, numbers sent as strings and strings as numbers. */
const FULL = {
  ...MINIMAL,
  external_shipment_id: 'S-1',
  address_2: 'Unit 4',
  company_name: 'ACME ⚙ B.V.',
  currency: 'EUR',
  customs_invoice_nr: 'INV-1',
  customs_shipment_type: '2',
  email: 'john@example.com',
  house_number: '15a',
  order_status: STATUS,
  parcel_items: [ITEM, { description: 'Sock', quantity: 1, value: '1' }],
  payment_status: { id: 'p', message: 'Pending' },
  shipping_method: '8',
  shipping_method_checkout_name: 'Express',
  telephone: '+31 6 1234',
  to_post_number: 'PN',
  to_service_point: 1234,
  to_state: 'NB',
  total_order_value: 7,
  weight: 10,
  checkout_payload: {
    sender_address_id: '1',
    shipping_product: {
      code: 'postnl:standard',
      name: 'PostNL',
      selected_functionalities: { age_check: 18, nested: [1, 'two', null, { x: 1e21, y: -0, z: 0.1 }] },
    },
    delivery_method_type: 'nominated_day_delivery',
    delivery_method_data: {
      delivery_date: '2024-01-02T03:04:05.6+01:00',
      formatted_delivery_date: '2 Jan',
      parcel_handover_date: '2024-01-01T08:00Z',
    },
  },
  width: '1.5',
  height: 2,
  length: '3.25',
  customs_details: {
    discount_granted: { value: '1.5', currency: 'EUR' },
    insurance_costs: '2',
    freight_costs: null,
    other_costs: { value: null, currency: null },
    tax_numbers: {
      sender: [{ name: 'VAT', country_code: 'NL', value: 'NL1' }],
      receiver: [{ tax_number: { name: 'EORI', country: 'DE', value: 'DE2' } }],
      importer_of_records: [],
    },
  },
};

/** Strings that need escaping, or look like ours: quotes, backslashes, every control character, … */
const TRICKY = [
  'quote " backslash \\ slash / newline \n tab \t',
  Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join(''), // NUL is refused (DRF)
  '\u0001\u0002\u0003 raw marks, and the escaped text "\\u0002"',
  'line\u2028para\u2029 del\u007f nbsp\u00a0 bom\ufeff',
  'astral 😀 𝄞, CJK 漢字, RTL שלום, combining e\u0301',
  "dollar patterns $& $' $` $$ $1",
  '</script><!-- -->',
];

function order(input: Record<string, unknown>): ValidOrder {
  const result = validateOrder(input);
  if (!result.ok) assert.fail(`expected a valid order, got ${JSON.stringify(result.error)}`);
  return result.order;
}

const US = Date.UTC(2024, 2, 1, 10, 0, 0) * 1000;
/** Row columns: microseconds and whole seconds, never updated and updated, large ids. */
const ROWS: Omit<StoredShipment, 'data' | 'shopCreatedAtUs' | 'shopUpdatedAtUs'>[] = [
  {
    id: 1,
    uuid: '6b436cb2-65a4-482c-9d25-38be7868ff00',
    integrationId: 42,
    createdAtUs: US,
    updatedAtUs: US,
  },
  {
    id: 2,
    uuid: '00000000-0000-4000-8000-000000000000',
    integrationId: Number.MAX_SAFE_INTEGER,
    createdAtUs: US + 123_456,
    updatedAtUs: US + 9_000_000_001,
  },
  { id: 3, uuid: 'ffffffff-ffff-4fff-bfff-ffffffffffff', integrationId: 1, createdAtUs: 0, updatedAtUs: 1 },
];

/** What the list answered before it spliced stored text, for one order and one row. */
function expected(o: ValidOrder, row: (typeof ROWS)[number]): string {
  const fields = JSON.parse(JSON.stringify(o.fields)) as Record<string, unknown>;
  return JSON.stringify(
    renderShipment({
      ...row,
      fields,
      shopCreatedAtUs: o.shopCreatedAtUs,
      shopUpdatedAtUs: o.shopUpdatedAtUs,
    }),
  );
}

/** The spliced text (stored by the upsert) and the old path (plain JSON data) must both equal it. */
function assertSame(o: ValidOrder): void {
  const stored = storedShipmentText(o);
  for (const row of ROWS) {
    const want = expected(o, row);
    const base = { ...row, shopCreatedAtUs: o.shopCreatedAtUs, shopUpdatedAtUs: o.shopUpdatedAtUs };
    assert.equal(shipmentJson({ ...base, data: stored }), want);
    assert.equal(shipmentJson({ ...base, data: JSON.stringify(o.fields) }), want);
  }
}

describe('spliced shipment JSON is byte-identical to renderShipment + JSON.stringify', () => {
  test('every optional field absent, and every one present (numbers as strings and back)', () => {
    assertSame(order(MINIMAL));
    assertSame(order(FULL));
    // The values really went through the normalisation being compared.
    const full = JSON.parse(
      shipmentJson({ ...ROWS[0]!, ...order(FULL), data: storedShipmentText(order(FULL)) }),
    );
    assert.equal(full.total_order_value, '7.00');
    assert.equal(full.parcel_items[0].quantity, 3);
    assert.equal(full.weight, '10.000');
    assert.equal(full.shipment_uuid, ROWS[0]!.uuid);
    assert.equal(full.integration, 42);
  });

  test('strings that need escaping, raw control characters, unicode, lone surrogates', () => {
    for (const text of TRICKY) {
      assertSame(
        order({
          ...FULL,
          name: text,
          address_2: text,
          to_state: text,
          parcel_items: [{ ...ITEM, description: text, properties: { [text]: text } }],
          checkout_payload: {
            ...FULL.checkout_payload,
            shipping_product: {
              code: text,
              name: text,
              // Stored verbatim: NUL and lone surrogates too (CharFields refuse them).
              selected_functionalities: [text, '\u0000 \ud800 \udfff x\udc00', { [text]: [text] }],
            },
          },
        }),
      );
    }
  });

  test('the stored text is marked and leaves exactly the four row values open', () => {
    const stored = storedShipmentText(order({ ...FULL, name: '\u0001\u0002' }));
    assert.ok(stored.startsWith('\u0001{"address":'));
    assert.equal(stored.split('\u0002').length, 5);
    assert.equal(stored.split('\u0001').length, 2);
    const at = (key: string) => stored.indexOf(`"${key}":\u0002,`);
    const slots = ['created_at', 'integration', 'shipment_uuid', 'updated_at'].map(at);
    assert.ok(slots.every((p, i) => p > 0 && (i === 0 || p > (slots[i - 1] as number))));
    assert.ok(stored.includes('"shipment_created_at":"2022-05-07T15:08:12.152000Z"'));
  });

  test('a damaged stored text is an error, not a wrong answer', () => {
    const row = { ...ROWS[0]!, shopCreatedAtUs: 0, shopUpdatedAtUs: 0 };
    assert.throws(() => shipmentJson({ ...row, data: '\u0001{"a":\u0002,"b":\u0002}' }), /damaged/);
  });

  test('property: arbitrary strings and JSON values, optional fields present or absent', () => {
    const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));
    const nonBlank = text.filter((s) => s.trim() !== '');
    const optional = {
      address_2: text,
      company_name: text,
      telephone: text,
      to_state: fc.option(text),
      email: fc.constantFrom('', 'a@b.nl'),
      total_order_value: fc.option(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constant('12.5'))),
      order_status: fc.option(fc.record({ id: nonBlank, message: nonBlank })),
      checkout_payload: fc.record({
        sender_address_id: fc.integer({ min: 0, max: 1000 }),
        shipping_product: fc.record({
          code: nonBlank,
          name: nonBlank,
          selected_functionalities: fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(text, fc.jsonValue())),
        }),
        delivery_method_type: fc.constant('standard_delivery'),
      }),
    };
    fc.assert(
      fc.property(
        fc.record(optional, { requiredKeys: [] }),
        fc.record({ name: nonBlank, address: nonBlank, city: nonBlank, external_order_id: nonBlank }),
        (extra, required) => {
          const result = validateOrder({ ...MINIMAL, ...required, ...extra });
          if (!result.ok) return; // refused input never reaches the store
          assertSame(result.order);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('the page is the UTF-8 bytes of JSON.stringify of the page with the rows as values', () => {
    const orders = [order(MINIMAL), order(FULL), order({ ...FULL, name: TRICKY.join(' ') })];
    const rows = orders.map((o, i) => ({
      ...ROWS[i]!,
      shopCreatedAtUs: o.shopCreatedAtUs,
      shopUpdatedAtUs: o.shopUpdatedAtUs,
      data: storedShipmentText(o),
    }));
    for (const [next, previous] of [
      [null, null],
      ['https://h.example/api/v2/integrations/1/shipments?cursor=cD0x%3D&x=%22', null],
      ['https://bücher.example/a?b="c"', 'https://h.example/😀'],
    ] as const) {
      for (const page of [rows, rows.slice(1, 2), []]) {
        const results = page.map(shipmentJson);
        const want = JSON.stringify({
          next,
          previous,
          results: results.map((r) => JSON.parse(r) as unknown),
        });
        const bytes = pageJson({ next, previous, results });
        assert.ok(bytes.equals(Buffer.from(want, 'utf8')));
        assert.equal(bytes.toString('utf8'), want);
      }
    }
  });
});

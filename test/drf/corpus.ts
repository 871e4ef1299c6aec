/**
 * The generated corpus of the differential test: valid orders, integration updates and delete bodies,
 * each mutated one or two fields at a time with the tricky values of that field's DRF type. Bodies are
 * JSON text, so that number literals (`1.0`, `1e16`, integers beyond 2^53) reach both parsers as written.
 */
import { seededRandom } from '../helpers/reliability-kit.js';
import { minimalOrder } from '../helpers/server.js';

/** A number literal written exactly as given. */
export class Raw {
  constructor(readonly text: string) {}
}

export function toJsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${toJsonText(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

const NUMBERS_AS_TEXT = [1, 0, -1, 2.5, new Raw('1.0'), new Raw('-0.0'), new Raw('1e16'), new Raw('1E3')];
const BIG = [new Raw('12345678901234567890123'), new Raw('9007199254740993'), new Raw('-9007199254740993')];
const COMPOSITES = [true, false, [], {}, ['a'], { a: 1 }];

const TRICKY = {
  char: [
    '',
    '   ',
    ' x ',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '\u00a0x\u00a0',
    '\u2028x',
    '\ufeffx',
    'é',
    '😀',
    "O'Brien",
    'say "hi"',
    'x'.repeat(101),
    'x'.repeat(251),
    null,
    ...NUMBERS_AS_TEXT,
    ...BIG,
    new Raw('0.1'),
    new Raw('1e-7'),
    new Raw('123456789.123'),
    ...COMPOSITES,
  ],
  email: [
    'john@example.com',
    '\u212a@example.com',
    '\u017fam@example.com',
    '\u0131@example.com',
    '\u0130@example.com',
    'a@\u212a.com',
    'a@b\u00fccher.de',
    'a@[127.0.0.1]',
    'a@[IPv6:::1]',
    'a@[::1]',
    'a@localhost',
    'a..b@x.com',
    '"quoted"@x.com',
    '"q\\"x"@x.com',
    'a@b',
    'a@-b.com',
    'a@b-.com',
    `${'x'.repeat(310)}@example.com`,
    'a b@x.com',
    '@x.com',
    'a@',
    ' a@x.com ',
    'a@x.com\n',
    '',
    null,
    1,
    new Raw('1.0'),
    ...COMPOSITES,
  ],
  url: [
    'https://example.com/hook',
    'http://@example.com',
    'https://user:p@ss@example.com',
    'https://user:pass@example.com',
    'http://example.com:99999',
    'http://example.com:123456',
    'http://example.com:0',
    'http://example.com:8',
    'http://example.com:\u0668\u0660',
    `http://${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`,
    `http://${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.com`,
    `http://${'a'.repeat(64)}.com`,
    'https://b\u00fccher.de',
    'http://\u0440\u0444.\u0440\u0444',
    'http://[::1]',
    'http://[::1]:8080/x',
    'http://[::g]',
    'http://[::1',
    'http://[1:2:3:4:5:6:7:8:9]',
    'ftp://files.example.com',
    'ftps://files.example.com',
    'mailto:a@b.com',
    'http://x',
    'http://localhost',
    'http://localhost:8000/a',
    'http://a b.com',
    'http://x.com/a b',
    'http://a_b.com',
    'http://-a.com',
    'http://a-.com',
    'http://a.com.',
    'HTTP://A.COM',
    'http://1.2.3.4',
    'http://01.2.3.4',
    'http://256.0.0.0',
    'http://1.2.3.4:65536',
    'http://example.com/\u00e9',
    'http://example.com/?q=1#f',
    'http://example.xn--p1ai',
    'http://example.c0m',
    'http://example.com\t',
    ' http://example.com ',
    `https://example.com/${'p'.repeat(190)}`,
    'http://😀.com',
    '',
    '  ',
    null,
    1,
    ...COMPOSITES,
  ],
  integer: [
    8,
    '8',
    new Raw('8.0'),
    '8.0',
    '8.000  ',
    8.5,
    '8.5',
    new Raw('1e16'),
    new Raw('1e15'),
    new Raw('1.5e3'),
    2147483647,
    2147483648,
    -2147483648,
    -2147483649,
    '2147483648',
    ' 8 ',
    '\u0668',
    '1_000',
    '_1',
    '0x10',
    '+8',
    '-0',
    '8.',
    '1e3',
    0,
    -1,
    new Raw('12345678901234567890'),
    new Raw('-0.0'),
    new Raw('0.0'),
    '',
    null,
    'x'.repeat(1001),
    ...COMPOSITES,
  ],
  decimal: [
    '1.5',
    1.5,
    '1.25',
    '1.234',
    '1.2345',
    new Raw('1e30'),
    '1e-5',
    '1E2',
    '-0',
    '-1',
    '0.0005',
    '0.001',
    '0',
    0,
    '123456.789',
    '1234567',
    '1234567.1',
    '-12345.678',
    'NaN',
    'Infinity',
    '-inf',
    '',
    '  ',
    ' 2.5 ',
    '1_000',
    '\u0661.\u0665',
    new Raw('0.1'),
    new Raw('1.0'),
    new Raw('12345678901234567890'),
    '12345678901234567890123456789',
    '123456789012345678901234567.1',
    'string',
    null,
    ...COMPOSITES,
  ],
  country: ['NL', 'nl', ' NL', 'XX', '', null, 1, new Raw('1.0'), true, [], {}],
  currency: ['EUR', 'eur', 'USD', 'GBP', 'JPY', '', ' ', null, 1, true, []],
  customsType: [0, '0', 4, 5, new Raw('1.0'), new Raw('0.0'), '1.0', '', null, true, false, [], 'x'],
  deliveryType: ['standard_delivery', 'same_day_delivery', 'string', '', null, 1, []],
  datetime: [
    '2022-05-07T15:08:12.152000Z',
    '2022-05-07',
    '20220507T150812Z',
    '2022-W18-6',
    '2022-W18',
    '2022W186',
    '2020-W53-7',
    '2022-W53',
    '2022-05-07T15',
    '2022-05-07T1508',
    '2022-05-07T150812.5',
    '2022-05-07T15:08:12 Z',
    '2022-05-07T15:08:12 +01:00',
    '2022-05-07T15:08:12Z\n',
    '2022-05-07T15:08:12z',
    '2022-05-07t15:08:12',
    '2022-05-07x15:08',
    '2022-05-07T15:08:12.1234567890123',
    '2022-05-07T15:08:12,5',
    '2022-05-07T15:08:12.',
    '2022-05-07T15:08:12.+01:00',
    '2022-05-07T15:08:12+24:00',
    '2022-05-07T15:08:12+23:59',
    '2022-05-07T15:08:12+01:00:30',
    '2022-05-07T15:08:12+01:00:30.5',
    '2022-05-07T15:08:12-00:75',
    '2022-5-7 1:2:3',
    '2022-05-07T24:00',
    '2022-02-30',
    '2023-02-29T00:00',
    '0000-01-01',
    '0001-01-01',
    '0001-01-01T00:00:00+01:00',
    '0001-01-01T00:00:00-01:00',
    '9999-12-31',
    '9999-12-31T23:59:59',
    '9999-12-31T23:59:59-01:00',
    '9999-12-31T23:59:59.999999',
    '0001-01-01T00:00:00.000001Z',
    '1600-03-01T00:00:00Z',
    '2300-01-01T00:00:00.5Z',
    '\u0662\u0660\u0662\u0662-\u0660\u0665-\u0660\u0667T10:00',
    '2022-05-07T10:00:00\u0660Z',
    ' 2022-05-07T15:08:12Z',
    '2022-05-07T15:08:12Z ',
    '2022-05-07T15:08:12\ud800',
    '2022-05-07\ud80015:08',
    '',
    null,
    1,
    new Raw('1.0'),
    true,
    [],
    {},
  ],
  boolean: [
    true,
    false,
    'true',
    'True',
    'yes',
    'on',
    'ON',
    '1',
    '0',
    't',
    'f',
    'tRue',
    1,
    0,
    2,
    -1,
    new Raw('1.0'),
    new Raw('0.0'),
    new Raw('-0.0'),
    new Raw('2.0'),
    '',
    null,
    [],
    {},
    'null',
  ],
  uuid: [
    '9b3f6d1e-6c8f-4a53-9d2c-9e1f5a6b7c8d',
    '9B3F6D1E-6C8F-4A53-9D2C-9E1F5A6B7C8D',
    '9b3f6d1e6c8f4a539d2c9e1f5a6b7c8d',
    '{9b3f6d1e-6c8f-4a53-9d2c-9e1f5a6b7c8d}',
    'urn:uuid:9b3f6d1e-6c8f-4a53-9d2c-9e1f5a6b7c8d',
    ' 9b3f6d1e-6c8f-4a53-9d2c-9e1f5a6b7c8d',
    '9b3f6d1e-6c8f-4a53-9d2c-9e1f5a6b7c8',
    '9b3f6d1e-6c8f-4a53-9d2c-9e1f5a6b7c8dx',
    1,
    0,
    -1,
    new Raw('18446744073709551616'),
    new Raw('340282366920938463463374607431768211455'),
    new Raw('340282366920938463463374607431768211456'),
    new Raw('1.0'),
    true,
    '',
    'xyz',
    [],
    {},
  ],
};

type Kind = keyof typeof TRICKY;
const KINDS = Object.keys(TRICKY) as Kind[];

/** A tricky value of the field's own type, or now and then of another type. */
function tricky(random: () => number, kind: Kind): unknown {
  return pick(random, TRICKY[random() < 0.85 ? kind : pick(random, KINDS)]);
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

const PARCEL_ITEM = {
  description: 'Shoes',
  hs_code: '6403',
  origin_country: 'NL',
  product_id: '42',
  properties: { size: '42', colour: null },
  quantity: 2,
  sku: 'SKU-1',
  value: '19.99',
  weight: '1.250',
};

const MINIMAL = minimalOrder({ updated_at: '2024-03-01T10:00:00.123456Z' });

const FULL = {
  ...MINIMAL,
  external_shipment_id: 'S1',
  address_2: 'Unit 1',
  company_name: 'ACME',
  currency: 'EUR',
  customs_invoice_nr: 'INV-1',
  customs_shipment_type: 2,
  email: 'john@example.com',
  house_number: '10',
  order_status: { id: 'paid', message: 'Paid' },
  parcel_items: [PARCEL_ITEM, { ...PARCEL_ITEM, sku: 'SKU-2', quantity: '1' }],
  payment_status: { id: 'ok', message: 'OK' },
  shipping_method: 8,
  shipping_method_checkout_name: 'Standard',
  telephone: '+31 6 1234',
  to_post_number: '',
  to_service_point: 12,
  to_state: 'NB',
  total_order_value: '39.98',
  weight: '2.500',
  checkout_payload: {
    sender_address_id: 1,
    shipping_product: {
      code: 'postnl:standard',
      name: 'PostNL',
      selected_functionalities: { age_check: 18 },
    },
    delivery_method_type: 'nominated_day_delivery',
    delivery_method_data: {
      delivery_date: '2024-03-03T00:00:00Z',
      formatted_delivery_date: 'March 3',
      parcel_handover_date: '2024-03-02T12:00:00+01:00',
    },
  },
  width: '10.000',
  height: '5',
  length: 20.5,
  customs_details: {
    discount_granted: '1.00',
    insurance_costs: { value: '2.50', currency: 'EUR' },
    freight_costs: '0',
    other_costs: null,
    tax_numbers: {
      sender: [{ name: 'VAT', country_code: 'NL', value: 'NL123' }],
      receiver: [{ tax_number: { name: 'EORI', country: 'DE', value: 'DE1' } }],
      importer_of_records: [],
    },
  },
};

/** Each mutable path of an order and the DRF type whose tricky values it gets. */
const ORDER_PATHS: [string, Kind][] = [
  ['address', 'char'],
  ['address_2', 'char'],
  ['city', 'char'],
  ['company_name', 'char'],
  ['country', 'country'],
  ['created_at', 'datetime'],
  ['currency', 'currency'],
  ['customs_invoice_nr', 'char'],
  ['customs_shipment_type', 'customsType'],
  ['email', 'email'],
  ['external_order_id', 'char'],
  ['external_shipment_id', 'char'],
  ['house_number', 'char'],
  ['name', 'char'],
  ['order_number', 'char'],
  ['order_status.id', 'char'],
  ['order_status.message', 'char'],
  ['parcel_items.0.description', 'char'],
  ['parcel_items.0.hs_code', 'char'],
  ['parcel_items.0.origin_country', 'country'],
  ['parcel_items.0.quantity', 'integer'],
  ['parcel_items.1.quantity', 'integer'],
  ['parcel_items.0.value', 'decimal'],
  ['parcel_items.0.weight', 'decimal'],
  ['parcel_items.1.properties.size', 'char'],
  ['parcel_items.0.mid_code', 'char'],
  ['postal_code', 'char'],
  ['shipping_method', 'integer'],
  ['shipping_method_checkout_name', 'char'],
  ['telephone', 'char'],
  ['to_service_point', 'integer'],
  ['to_state', 'char'],
  ['total_order_value', 'decimal'],
  ['updated_at', 'datetime'],
  ['weight', 'decimal'],
  ['width', 'decimal'],
  ['height', 'decimal'],
  ['length', 'decimal'],
  ['checkout_payload.sender_address_id', 'integer'],
  ['checkout_payload.delivery_method_type', 'deliveryType'],
  ['checkout_payload.delivery_method_data.delivery_date', 'datetime'],
  ['checkout_payload.shipping_product.code', 'char'],
  ['customs_details.discount_granted', 'decimal'],
  ['customs_details.insurance_costs.value', 'decimal'],
  ['customs_details.tax_numbers.sender.0.value', 'char'],
];

/** Values for whole objects and lists (any path may also get one of these, or be removed). */
const SHAPES: unknown[] = [
  null,
  {},
  [],
  'x',
  1,
  new Raw('1.0'),
  true,
  [null],
  [1],
  [{}],
  { id: 'x', message: 'y' },
  [PARCEL_ITEM, null],
  { value: '1.00', currency: null },
];

const REMOVE = Symbol('remove');

function clone<T>(value: T): T {
  if (value instanceof Raw) return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)])) as T;
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: unknown = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node !== 'object' || node === null || node instanceof Raw) return;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node !== 'object' || node === null || node instanceof Raw) return;
  const last = parts[parts.length - 1] as string;
  if (value === REMOVE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete (node as Record<string, unknown>)[last];
  } else (node as Record<string, unknown>)[last] = value;
}

function mutateOrder(random: () => number): unknown {
  const order = clone(random() < 0.5 ? MINIMAL : FULL) as Record<string, unknown>;
  const changes = random() < 0.6 ? 1 : 2;
  for (let i = 0; i < changes; i++) {
    const r = random();
    if (r < 0.08) {
      const top = pick(random, ORDER_PATHS)[0].split('.')[0] as string;
      setPath(order, top, pick(random, SHAPES));
    } else if (r < 0.15) {
      setPath(order, pick(random, ORDER_PATHS)[0], REMOVE);
    } else {
      const [path, kind] = pick(random, ORDER_PATHS);
      setPath(order, path, tricky(random, kind));
    }
  }
  return order;
}

export interface Case {
  kind: 'upsert' | 'update' | 'delete';
  /** The raw body, or null for a request without one. */
  body: string | null;
  current?: {
    service_point_enabled: boolean;
    service_point_carriers: string[];
    webhook_active: boolean;
    webhook_url: string | null;
  };
}

const UPSERT_BODIES: (string | null)[] = [
  null,
  'null',
  '{}',
  '[]',
  '[null]',
  '5',
  '"x"',
  '[1, "x", [], true]',
  '{"shipments": []}',
  '[1.0]',
  `[${Array.from({ length: 101 }, () => '{}').join(',')}]`,
  '\ufeff[]',
  '[NaN]',
  '[1e400]',
];

const UPDATE_FIELDS: [string, Kind | 'carriers'][] = [
  ['shop_name', 'char'],
  ['shop_url', 'url'],
  ['service_point_enabled', 'boolean'],
  ['service_point_carriers', 'carriers'],
  ['webhook_active', 'boolean'],
  ['webhook_url', 'url'],
];
const CARRIERS: unknown[] = [
  ['ups'],
  ['ups', ''],
  ['ups', ' dhl '],
  'ups',
  "['postnl']",
  {},
  [],
  null,
  [null],
  [1],
  [new Raw('1.0')],
  [true],
  [[]],
  ['a', '', null],
  5,
];
const STATES: NonNullable<Case['current']>[] = [
  { service_point_enabled: false, service_point_carriers: [], webhook_active: false, webhook_url: null },
  {
    service_point_enabled: true,
    service_point_carriers: ['ups'],
    webhook_active: true,
    webhook_url: 'https://example.com/h',
  },
  {
    service_point_enabled: false,
    service_point_carriers: [],
    webhook_active: true,
    webhook_url: 'https://example.com/h',
  },
  { service_point_enabled: true, service_point_carriers: ['dhl'], webhook_active: false, webhook_url: '' },
];

function updateBody(random: () => number): unknown {
  const body: Record<string, unknown> = {};
  const count = 1 + Math.floor(random() * 2);
  for (let i = 0; i < count; i++) {
    const [name, kind] = pick(random, UPDATE_FIELDS);
    body[name] = kind === 'carriers' ? pick(random, CARRIERS) : tricky(random, kind);
  }
  if (random() < 0.1) body.shop_name = '';
  return body;
}

const DELETE_FIELDS: [string, Kind][] = [
  ['shipment_uuid', 'uuid'],
  ['external_order_id', 'char'],
  ['external_shipment_id', 'char'],
];

function deleteBody(random: () => number): unknown {
  const r = random();
  const body: Record<string, unknown> =
    r < 0.4
      ? { shipment_uuid: '9b3f6d1e-6c8f-4a53-9d2c-9e1f5a6b7c8d' }
      : r < 0.9
        ? { external_order_id: '1001', external_shipment_id: null }
        : {};
  const changes = random() < 0.6 ? 1 : 2;
  for (let i = 0; i < changes; i++) {
    const [name, kind] = pick(random, DELETE_FIELDS);
    if (random() < 0.15) delete body[name];
    else body[name] = tricky(random, kind);
  }
  return body;
}

/** The whole corpus for a seed: `orders` mutated orders, plus fixed bodies, updates and deletes. */
export function corpus(seed: number, counts: { orders: number; updates: number; deletes: number }): Case[] {
  const random = seededRandom(seed);
  const cases: Case[] = [];
  for (const body of UPSERT_BODIES) cases.push({ kind: 'upsert', body });
  for (let i = 0; i < counts.orders;) {
    // Mostly one order a request; some batches of a few, which DRF validates one by one too.
    const size = random() < 0.9 ? 1 : 2 + Math.floor(random() * 4);
    const batch = Array.from({ length: size }, () => mutateOrder(random));
    cases.push({ kind: 'upsert', body: toJsonText(batch) });
    i += size;
  }
  for (const body of [
    null,
    'null',
    '[]',
    '"x"',
    '5',
    '{"shop_name": "", "service_point_enabled": true, "service_point_carriers": []}',
  ]) {
    for (const current of STATES) cases.push({ kind: 'update', body, current });
  }
  for (let i = 0; i < counts.updates; i++) {
    cases.push({ kind: 'update', body: toJsonText(updateBody(random)), current: pick(random, STATES) });
  }
  for (const body of ['null', '[]', '"x"', '{}', '{"shipment_uuid": null}'])
    cases.push({ kind: 'delete', body });
  for (let i = 0; i < counts.deletes; i++)
    cases.push({ kind: 'delete', body: toJsonText(deleteBody(random)) });
  return cases;
}

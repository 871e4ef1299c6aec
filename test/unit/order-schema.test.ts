import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { requestExample, responseExample } from '../helpers/reference.js';
import { formatDateTime } from '../../src/domain/drf/time.js';
import {
  MAX_ORDERS_PER_REQUEST,
  renderShipment,
  validateOrder,
} from '../../src/domain/shipments/order-schema.js';
import type { OrderValidation, ValidOrder } from '../../src/domain/shipments/order-schema.js';

// ---------------------------------------------------------------------------------------------------

function valid(result: OrderValidation): ValidOrder {
  if (!result.ok) assert.fail(`expected a valid order, got ${JSON.stringify(result.error)}`);
  return result.order;
}

const MINIMAL = {
  external_order_id: '1001',
  external_shipment_id: null,
  name: 'John Doe',
  address: 'Lansdown Glade 15',
  city: 'Oss',
  postal_code: '5341',
  country: 'NL',
  order_number: 'OXSDFGHTD-12',
  created_at: '2022-05-07T15:08:12.152000Z',
  updated_at: '2022-05-07T15:08:12.152000Z',
} as const;

/** What MINIMAL stores: every optional field at its default, in the list example's order. */
const MINIMAL_FIELDS = {
  address: 'Lansdown Glade 15',
  address_2: '',
  city: 'Oss',
  company_name: '',
  country: 'NL',
  currency: null,
  customs_invoice_nr: '',
  customs_shipment_type: null,
  email: '',
  external_order_id: '1001',
  external_shipment_id: null,
  house_number: '',
  name: 'John Doe',
  order_number: 'OXSDFGHTD-12',
  order_status: null,
  parcel_items: null,
  payment_status: null,
  postal_code: '5341',
  shipping_method: null,
  shipping_method_checkout_name: '',
  telephone: '',
  to_post_number: '',
  to_service_point: null,
  to_state: null,
  total_order_value: null,
  weight: null,
  width: null,
  height: null,
  length: null,
  customs_details: null,
};

const US_2022 = Date.UTC(2022, 4, 7, 15, 8, 12) * 1000 + 152_000;

const PARCEL_ITEM = { description: 'Bag', quantity: 1, value: '9.95' };
const PARCEL_ITEM_FIELDS = {
  description: 'Bag',
  hs_code: '',
  origin_country: null,
  product_id: '',
  quantity: 1,
  sku: '',
  value: '9.95',
  weight: null,
  mid_code: null,
  material_content: null,
  intended_use: null,
};

function fieldsOf(input: Record<string, unknown>): Record<string, unknown> {
  return valid(validateOrder(input)).fields;
}

function errorOf(input: unknown): unknown {
  const result = validateOrder(input);
  if (result.ok) assert.fail('expected an error');
  return result.error;
}

describe("the reference's POST …/shipments request example", () => {
  const example = () =>
    (
      requestExample('/integrations/{id}/shipments', 'post', 'CreateUpdateShipments') as unknown[]
    )[0] as Record<string, unknown>;

  test('its placeholders fail its own schema, with exact field errors and the ids echoed', () => {
    assert.deepEqual(validateOrder(example()), {
      ok: false,
      error: {
        total_order_value: ['A valid number is required.'],
        weight: ['A valid number is required.'],
        checkout_payload: { delivery_method_type: ['"string" is not a valid choice.'] },
        width: ['A valid number is required.'],
        height: ['A valid number is required.'],
        length: ['A valid number is required.'],
      },
      externalOrderId: '555413',
      externalShipmentId: '777413',
    });
  });

  test('with the placeholders replaced, it stores every field normalized', () => {
    const input = {
      ...example(),
      total_order_value: '7',
      weight: '10.2',
      width: 10,
      height: '',
      length: null,
      checkout_payload: {
        ...(example().checkout_payload as Record<string, unknown>),
        delivery_method_type: 'standard_delivery',
      },
    };
    const order = valid(validateOrder(input));
    assert.equal(order.externalOrderId, '555413');
    assert.equal(order.externalShipmentId, '777413');
    assert.equal(order.shipmentKey, '777413');
    assert.equal(order.orderNumber, 'OXSDFGHTD-12');
    assert.equal(order.shopCreatedAtUs, Date.UTC(2019, 7, 24, 14, 15, 22) * 1000);
    assert.equal(order.shopUpdatedAtUs, Date.UTC(2019, 7, 24, 14, 15, 22) * 1000);
    assert.deepEqual(order.fields, {
      address: 'Lansdown Glade',
      address_2: 'string',
      city: 'Oss',
      company_name: 'string',
      country: 'AW',
      currency: 'EUR',
      customs_invoice_nr: '120',
      customs_shipment_type: 0,
      email: 'user@example.com',
      external_order_id: '555413',
      external_shipment_id: '777413',
      house_number: '15',
      name: 'John Doe',
      order_number: 'OXSDFGHTD-12',
      order_status: { id: 'fulfilled', message: 'Fulfilled' },
      parcel_items: [
        {
          description: 'Very orange color',
          hs_code: '01013000',
          origin_country: 'AW',
          product_id: '1458734634',
          properties: { size: 'small', colour: 'red' },
          quantity: 2,
          sku: 'WW-DR-GR-XS-001',
          value: '3.50',
          weight: '1.000',
          mid_code: 'NLOZR92MEL',
          material_content: '100% Cotton',
          intended_use: 'Personal use',
        },
      ],
      payment_status: { id: 'paid', message: 'Paid' },
      postal_code: '5341',
      shipping_method: 12345,
      shipping_method_checkout_name: 'string',
      telephone: 'string',
      to_post_number: 'string',
      to_service_point: 0,
      to_state: 'string',
      total_order_value: '7.00',
      weight: '10.200',
      checkout_payload: {
        sender_address_id: 0,
        shipping_product: {
          code: 'postnl:standard',
          name: 'PostNL Standard',
          selected_functionalities: {
            age_check: 18,
            last_mile: 'home_delivery',
            first_mile: 'pickup_dropoff',
            multicollo: true,
            form_factor: 'parcel',
            service_area: 'domestic',
            weekend_delivery: 'saturday',
            delivery_deadline: 'best_effort',
            direct_contract_only: false,
          },
        },
        delivery_method_type: 'standard_delivery',
        delivery_method_data: {
          delivery_date: '2019-08-24T14:15:22Z',
          formatted_delivery_date: 'string',
          parcel_handover_date: '2019-08-24T14:15:22Z',
        },
      },
      width: '10.000',
      height: null,
      length: null,
      customs_details: {
        discount_granted: '3.99',
        insurance_costs: '9.99',
        freight_costs: '5.99',
        other_costs: '2.99',
        tax_numbers: {
          sender: [{ tax_number: { name: 'VAT', country: 'NL', value: 'NL987654321B02' } }],
          receiver: [{ tax_number: { name: 'VAT', country: 'DE', value: 'DE123456789B03' } }],
          importer_of_records: [{ tax_number: { name: 'VAT', country: 'NL', value: 'NL975318642B01' } }],
        },
      },
    });
  });

  test("renderShipment answers the keys of the reference's list example, in its order", () => {
    const listed = responseExample('/integrations/{id}/shipments', 'get', '200', 'RetrieveShipmentList') as {
      results: Record<string, unknown>[];
    };
    const expectedKeys = Object.keys(listed.results[0] as object);
    const input = {
      ...example(),
      total_order_value: '7',
      weight: '1',
      width: '1',
      height: '1',
      length: '1',
      checkout_payload: {
        ...(example().checkout_payload as Record<string, unknown>),
        delivery_method_type: 'same_day_delivery',
      },
    };
    const order = valid(validateOrder(input));
    const rendered = renderShipment({
      uuid: '6b436cb2-65a4-482c-9d25-38be7868ff00',
      integrationId: 42,
      fields: order.fields,
      shopCreatedAtUs: order.shopCreatedAtUs,
      shopUpdatedAtUs: order.shopUpdatedAtUs,
      createdAtUs: US_2022,
      updatedAtUs: US_2022 + 848_000,
    });
    assert.deepEqual(Object.keys(rendered), expectedKeys);
    assert.deepEqual(
      {
        shipment_uuid: rendered.shipment_uuid,
        integration: rendered.integration,
        created_at: rendered.created_at,
        updated_at: rendered.updated_at,
        shipment_created_at: rendered.shipment_created_at,
        shipment_updated_at: rendered.shipment_updated_at,
        allowed_shipping_methods: rendered.allowed_shipping_methods,
        barcode: rendered.barcode,
        sender_address: rendered.sender_address,
      },
      {
        shipment_uuid: '6b436cb2-65a4-482c-9d25-38be7868ff00',
        integration: 42,
        created_at: '2022-05-07T15:08:12.152000Z',
        updated_at: '2022-05-07T15:08:13Z',
        shipment_created_at: '2019-08-24T14:15:22Z',
        shipment_updated_at: '2019-08-24T14:15:22Z',
        allowed_shipping_methods: [],
        barcode: null,
        sender_address: null,
      },
    );
  });

  test("the reference's documented error: delivery_method_data without delivery_date", () => {
    const input = {
      ...example(),
      total_order_value: '7',
      weight: null,
      width: null,
      height: null,
      length: null,
      checkout_payload: {
        sender_address_id: 0,
        shipping_product: { code: 'postnl:standard', name: 'PostNL Standard', selected_functionalities: {} },
        delivery_method_type: 'nominated_day_delivery',
        delivery_method_data: {
          formatted_delivery_date: 'February 21, 2012',
          parcel_handover_date: '2012-02-20T10:00:00Z',
        },
      },
    };
    // The reference's response example, item 2: `checkout_payload.delivery_method_data.delivery_date`.
    assert.deepEqual(errorOf(input), {
      checkout_payload: { delivery_method_data: { delivery_date: ['This field is required.'] } },
    });
  });
});

describe('relaxed validation: only what real clients always send is required', () => {
  test('only the ten documented fields are required; the rest take their defaults', () => {
    const order = valid(validateOrder(MINIMAL));
    assert.deepEqual(order, {
      externalOrderId: '1001',
      externalShipmentId: null,
      shipmentKey: '',
      orderNumber: 'OXSDFGHTD-12',
      shopCreatedAtUs: US_2022,
      shopUpdatedAtUs: US_2022,
      fields: MINIMAL_FIELDS,
    });
    assert.deepEqual(Object.keys(order.fields), Object.keys(MINIMAL_FIELDS));
  });

  test('an empty object names every required field, in schema order', () => {
    assert.deepEqual(validateOrder({}), {
      ok: false,
      error: {
        address: ['This field is required.'],
        city: ['This field is required.'],
        country: ['This field is required.'],
        created_at: ['This field is required.'],
        external_order_id: ['This field is required.'],
        external_shipment_id: ['This field is required.'],
        name: ['This field is required.'],
        order_number: ['This field is required.'],
        postal_code: ['This field is required.'],
        updated_at: ['This field is required.'],
      },
      externalOrderId: '',
      externalShipmentId: '',
    });
  });

  test('external_shipment_id must be present but may be null or ""; both are the same key', () => {
    const withNull = valid(validateOrder({ ...MINIMAL, external_shipment_id: null }));
    const withBlank = valid(validateOrder({ ...MINIMAL, external_shipment_id: '' }));
    const withSpace = valid(validateOrder({ ...MINIMAL, external_shipment_id: '   ' }));
    assert.deepEqual(
      [withNull, withBlank, withSpace].map((o) => [
        o.externalShipmentId,
        o.shipmentKey,
        o.fields.external_shipment_id,
      ]),
      [
        [null, '', null],
        ['', '', ''],
        ['', '', ''],
      ],
    );
    const { external_shipment_id: _omitted, ...absent } = MINIMAL;
    assert.deepEqual(errorOf(absent), { external_shipment_id: ['This field is required.'] });
  });

  test('a present nested object must have its own required fields: order_status: {}', () => {
    assert.deepEqual(errorOf({ ...MINIMAL, order_status: {} }), {
      order_status: { id: ['This field is required.'], message: ['This field is required.'] },
    });
    assert.deepEqual(errorOf({ ...MINIMAL, payment_status: { id: 'paid', message: '' } }), {
      payment_status: { message: ['This field may not be blank.'] },
    });
    assert.deepEqual(errorOf({ ...MINIMAL, order_status: 'paid' }), {
      order_status: { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] },
    });
  });

  test('a present checkout_payload needs sender_address_id, shipping_product and delivery_method_type', () => {
    assert.deepEqual(errorOf({ ...MINIMAL, checkout_payload: {} }), {
      checkout_payload: {
        sender_address_id: ['This field is required.'],
        shipping_product: ['This field is required.'],
        delivery_method_type: ['This field is required.'],
      },
    });
    assert.deepEqual(
      errorOf({
        ...MINIMAL,
        checkout_payload: {
          sender_address_id: '7',
          shipping_product: {},
          delivery_method_type: 'standard_delivery',
        },
      }),
      {
        checkout_payload: {
          shipping_product: {
            code: ['This field is required.'],
            name: ['This field is required.'],
            selected_functionalities: ['This field is required.'],
          },
        },
      },
    );
    assert.deepEqual(errorOf({ ...MINIMAL, checkout_payload: null }), {
      checkout_payload: ['This field may not be null.'],
    });
  });

  test('present fields must be valid, and non-nullable strings refuse null', () => {
    assert.deepEqual(
      errorOf({
        ...MINIMAL,
        country: 'nl',
        currency: 'JPY',
        email: 'not-an-email',
        address_2: null,
        name: '  ',
        shipping_method_checkout_name: 'x'.repeat(101),
        customs_shipment_type: 5,
      }),
      {
        address_2: ['This field may not be null.'],
        country: ['"nl" is not a valid choice.'],
        currency: ['"JPY" is not a valid choice.'],
        customs_shipment_type: ['"5" is not a valid choice.'],
        email: ['Enter a valid email address.'],
        name: ['This field may not be blank.'],
        shipping_method_checkout_name: ['Ensure this field has no more than 100 characters.'],
      },
    );
  });
});

describe("input coercion as DRF's fields do it", () => {
  test('strings: numbers become strings, white space is trimmed', () => {
    const fields = fieldsOf({
      ...MINIMAL,
      external_order_id: 555413,
      external_shipment_id: 777413,
      order_number: 12.5,
      house_number: 15,
      name: '  John Doe\n',
      telephone: ' +31 6 1234 5678 ',
    });
    assert.deepEqual(
      [
        fields.external_order_id,
        fields.external_shipment_id,
        fields.order_number,
        fields.house_number,
        fields.name,
        fields.telephone,
      ],
      ['555413', '777413', '12.5', '15', 'John Doe', '+31 6 1234 5678'],
    );
    assert.deepEqual(errorOf({ ...MINIMAL, company_name: true, city: ['Oss'] }), {
      city: ['Not a valid string.'],
      company_name: ['Not a valid string.'],
    });
  });

  test('"" where blank is not allowed', () => {
    assert.deepEqual(errorOf({ ...MINIMAL, address: '', external_order_id: '', order_number: ' ' }), {
      address: ['This field may not be blank.'],
      external_order_id: ['This field may not be blank.'],
      order_number: ['This field may not be blank.'],
    });
  });

  test('integers: 8, "8", 8.0, "8.0" are all 8', () => {
    for (const eight of [8, '8', 8.0, '8.0']) {
      const fields = fieldsOf({
        ...MINIMAL,
        shipping_method: eight,
        to_service_point: eight,
        parcel_items: [{ ...PARCEL_ITEM, quantity: eight }],
      });
      assert.deepEqual(
        [
          fields.shipping_method,
          fields.to_service_point,
          (fields.parcel_items as { quantity: number }[])[0]?.quantity,
        ],
        [8, 8, 8],
        JSON.stringify(eight),
      );
    }
    assert.deepEqual(errorOf({ ...MINIMAL, shipping_method: 8.5, to_service_point: 'x' }), {
      shipping_method: ['A valid integer is required.'],
      to_service_point: ['A valid integer is required.'],
    });
  });

  test('decimals: JSON numbers or numeric strings, fixed places, too many places refused', () => {
    const fields = fieldsOf({
      ...MINIMAL,
      total_order_value: 19.99,
      weight: 1.5,
      width: '10',
      height: ' 2.25 ',
      length: 0.5,
      parcel_items: [{ ...PARCEL_ITEM, value: 3, weight: '0.25' }],
    });
    assert.deepEqual(
      [
        fields.total_order_value,
        fields.weight,
        fields.width,
        fields.height,
        fields.length,
        fields.parcel_items,
      ],
      [
        '19.99',
        '1.500',
        '10.000',
        '2.250',
        '0.500',
        [{ ...PARCEL_ITEM_FIELDS, value: '3.00', weight: '0.250' }],
      ],
    );
    assert.deepEqual(
      errorOf({
        ...MINIMAL,
        total_order_value: '19.999',
        weight: '1.0005',
        width: '1234567.5',
        height: 'tall',
        parcel_items: [{ ...PARCEL_ITEM, value: '1.001', weight: '0.0001' }],
      }),
      {
        parcel_items: [
          {
            value: ['Ensure that there are no more than 2 decimal places.'],
            weight: ['Ensure that there are no more than 3 decimal places.'],
          },
        ],
        total_order_value: ['Ensure that there are no more than 2 decimal places.'],
        weight: ['Ensure that there are no more than 3 decimal places.'],
        width: ['Ensure this field has no more than 10 characters.'],
        height: ['A valid number is required.'],
      },
    );
    assert.deepEqual(errorOf({ ...MINIMAL, weight: 0 }), {
      weight: ['Ensure this value is greater than or equal to 0.001.'],
    });
  });

  test('"" in a nullable choice field reads as null', () => {
    const fields = fieldsOf({
      ...MINIMAL,
      currency: '',
      to_state: '',
      customs_shipment_type: '',
      parcel_items: [{ ...PARCEL_ITEM, origin_country: '' }],
    });
    assert.deepEqual(
      [fields.currency, fields.to_state, fields.customs_shipment_type, fields.parcel_items],
      [null, null, null, [PARCEL_ITEM_FIELDS]],
    );
    assert.deepEqual(
      fieldsOf({ ...MINIMAL, customs_shipment_type: '2', currency: 'GBP' }).customs_shipment_type,
      2,
    );
  });

  test('timestamps: Z, offsets, naive (UTC), space separator, fractions truncated to µs', () => {
    const at = (created_at: string) => valid(validateOrder({ ...MINIMAL, created_at })).shopCreatedAtUs;
    assert.equal(at('2022-05-07T15:08:12.152Z'), US_2022);
    assert.equal(at('2022-05-07T17:08:12.152+02:00'), US_2022);
    assert.equal(at('2022-05-07T15:08:12.152'), US_2022);
    assert.equal(at('2022-05-07 15:08:12.152000'), US_2022);
    assert.equal(at('2022-05-07T15:08:12.1520009'), US_2022);
    assert.deepEqual(errorOf({ ...MINIMAL, created_at: '07/05/2022', updated_at: 1651936092 }), {
      created_at: [
        'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
      ],
      updated_at: [
        'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
      ],
    });
  });

  test('updated_at is kept at microsecond precision', () => {
    const a = valid(validateOrder({ ...MINIMAL, updated_at: '2024-01-01T10:00:00.123456Z' }));
    const b = valid(validateOrder({ ...MINIMAL, updated_at: '2024-01-01T10:00:00.123457Z' }));
    assert.equal(b.shopUpdatedAtUs - a.shopUpdatedAtUs, 1);
    assert.equal(formatDateTime(a.shopUpdatedAtUs), '2024-01-01T10:00:00.123456Z');
  });
});

describe('parcel_items', () => {
  test('errors are a list aligned with the input, {} for valid elements', () => {
    assert.deepEqual(
      errorOf({
        ...MINIMAL,
        parcel_items: [PARCEL_ITEM, { ...PARCEL_ITEM, quantity: 0 }, { description: 'x' }, 7, PARCEL_ITEM],
      }),
      {
        parcel_items: [
          {},
          { quantity: ['Ensure this value is greater than or equal to 1.'] },
          { quantity: ['This field is required.'], value: ['This field is required.'] },
          { non_field_errors: ['Invalid data. Expected a dictionary, but got int.'] },
          {},
        ],
      },
    );
  });

  test('not a list; a null element is kept (DRF hands allow_null to the child serializer)', () => {
    assert.deepEqual(errorOf({ ...MINIMAL, parcel_items: { description: 'x' } }), {
      parcel_items: { non_field_errors: ['Expected a list of items but got type "dict".'] },
    });
    assert.deepEqual(fieldsOf({ ...MINIMAL, parcel_items: [] }).parcel_items, []);
    assert.deepEqual(fieldsOf({ ...MINIMAL, parcel_items: [null, PARCEL_ITEM] }).parcel_items, [
      null,
      PARCEL_ITEM_FIELDS,
    ]);
  });

  test('item fields: hs_code length, origin_country, properties', () => {
    const fields = fieldsOf({
      ...MINIMAL,
      parcel_items: [
        {
          ...PARCEL_ITEM,
          hs_code: 1013000,
          origin_country: 'XK',
          properties: { size: 'S', count: 2, gift: null },
        },
      ],
    });
    assert.deepEqual(fields.parcel_items, [
      {
        ...PARCEL_ITEM_FIELDS,
        hs_code: '1013000',
        origin_country: 'XK',
        properties: { size: 'S', count: '2', gift: null },
      },
    ]);
    assert.deepEqual(
      errorOf({
        ...MINIMAL,
        parcel_items: [
          {
            ...PARCEL_ITEM,
            hs_code: '0101300000001',
            origin_country: 'XX',
            properties: { nested: { a: 1 } },
            description: '',
          },
        ],
      }),
      {
        parcel_items: [
          {
            description: ['This field may not be blank.'],
            hs_code: ['Ensure this field has no more than 12 characters.'],
            origin_country: ['"XX" is not a valid choice.'],
            properties: { nested: ['Not a valid string.'] },
          },
        ],
      },
    );
  });
});

describe('items that are not objects', () => {
  test('non_field_errors with the Python type name and both external ids ""', () => {
    const cases: [unknown, string][] = [
      [5, 'int'],
      [1.5, 'float'],
      ['order', 'str'],
      [[], 'list'],
      [true, 'bool'],
    ];
    for (const [input, type] of cases) {
      assert.deepEqual(validateOrder(input), {
        ok: false,
        error: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] },
        externalOrderId: '',
        externalShipmentId: '',
      });
    }
  });

  test("a null item is DRF's `No data provided`", () => {
    assert.deepEqual(validateOrder(null), {
      ok: false,
      error: { non_field_errors: ['No data provided'] },
      externalOrderId: '',
      externalShipmentId: '',
    });
  });

  test('an invalid object item echoes its external ids as sent, numbers as Python prints them', () => {
    const echo = (external_order_id: unknown, external_shipment_id: unknown) => {
      const result = validateOrder({ ...MINIMAL, name: '', external_order_id, external_shipment_id });
      assert.ok(!result.ok);
      return [result.externalOrderId, result.externalShipmentId];
    };
    assert.deepEqual(echo(' 42 ', null), [' 42 ', '']);
    assert.deepEqual(echo(42, 7.5), ['42', '7.5']);
    assert.deepEqual(echo({ id: 1 }, ['x']), ['', '']);
    assert.deepEqual(echo(true, undefined), ['', '']);
  });
});

describe("customs_details in both shapes: the schema's and the reference examples'", () => {
  test("the schema's shape: CostsObject and {name, country_code, value}", () => {
    const fields = fieldsOf({
      ...MINIMAL,
      customs_details: {
        discount_granted: { value: '3.99', currency: 'EUR' },
        insurance_costs: { value: 10 },
        freight_costs: null,
        tax_numbers: { sender: [{ name: 'VAT', country_code: 'NL', value: 'NL987654321B02' }], receiver: [] },
      },
    });
    assert.deepEqual(fields.customs_details, {
      discount_granted: { value: '3.99', currency: 'EUR' },
      insurance_costs: { value: '10.00', currency: null },
      freight_costs: null,
      other_costs: null,
      tax_numbers: { sender: [{ name: 'VAT', country_code: 'NL', value: 'NL987654321B02' }], receiver: [] },
    });
  });

  test("the examples' shape: plain decimal costs and wrapped tax numbers; mixed per element", () => {
    const fields = fieldsOf({
      ...MINIMAL,
      customs_details: {
        discount_granted: '3.99',
        other_costs: 2.5,
        tax_numbers: {
          sender: [
            { tax_number: { name: 'VAT', country: 'NL', value: 'NL987654321B02' } },
            { name: 'EORI', country_code: 'NL', value: 'NL123' },
          ],
        },
      },
    });
    assert.deepEqual(fields.customs_details, {
      discount_granted: '3.99',
      insurance_costs: null,
      freight_costs: null,
      other_costs: '2.50',
      tax_numbers: {
        sender: [
          { tax_number: { name: 'VAT', country: 'NL', value: 'NL987654321B02' } },
          { name: 'EORI', country_code: 'NL', value: 'NL123' },
        ],
      },
    });
  });

  test('errors nest like the payload in either shape', () => {
    assert.deepEqual(
      errorOf({
        ...MINIMAL,
        customs_details: {
          discount_granted: '3.999',
          insurance_costs: { value: 'x' },
          tax_numbers: { sender: [{ tax_number: 'VAT' }, 5, { name: [] }, null], receiver: {} },
        },
      }),
      {
        customs_details: {
          discount_granted: ['Ensure that there are no more than 2 decimal places.'],
          insurance_costs: { value: ['A valid number is required.'] },
          tax_numbers: {
            sender: [
              { tax_number: { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] } },
              { non_field_errors: ['Invalid data. Expected a dictionary, but got int.'] },
              { name: ['Not a valid string.'] },
              ['This field may not be null.'],
            ],
            receiver: { non_field_errors: ['Expected a list of items but got type "dict".'] },
          },
        },
      },
    );
    assert.deepEqual(errorOf({ ...MINIMAL, customs_details: [] }), {
      customs_details: { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] },
    });
  });
});

describe('selected_functionalities in both shapes', () => {
  const withFunctionalities = (selected_functionalities: unknown) => ({
    ...MINIMAL,
    checkout_payload: {
      sender_address_id: 1,
      shipping_product: { code: 'postnl:standard', name: 'PostNL Standard', selected_functionalities },
      delivery_method_type: 'standard_delivery',
    },
  });

  test('an object or an array is stored as sent; delivery_method_data absent is left out', () => {
    for (const value of [
      { age_check: 18, multicollo: true },
      ['age_check_18', { last_mile: 'home_delivery' }],
      {},
    ]) {
      assert.deepEqual(fieldsOf(withFunctionalities(value)).checkout_payload, {
        sender_address_id: 1,
        shipping_product: {
          code: 'postnl:standard',
          name: 'PostNL Standard',
          selected_functionalities: value,
        },
        delivery_method_type: 'standard_delivery',
      });
    }
  });

  test('anything else is refused', () => {
    assert.deepEqual(errorOf(withFunctionalities('age_check')), {
      checkout_payload: {
        shipping_product: {
          selected_functionalities: ['Expected a dictionary of items but got type "str".'],
        },
      },
    });
    assert.deepEqual(errorOf(withFunctionalities(null)), {
      checkout_payload: { shipping_product: { selected_functionalities: ['This field may not be null.'] } },
    });
  });
});

describe('orders as real clients send them', () => {
  test('unknown fields, explicit nulls, origin_country "", decimals as numbers, integers as strings, naive µs', () => {
    const order = valid(
      validateOrder({
        external_order_id: '10452',
        external_shipment_id: null,
        order_number: '#10452',
        name: 'Jane Roe',
        company_name: '',
        address: 'Damrak 1',
        address_2: '',
        house_number: '1',
        city: 'Amsterdam',
        postal_code: '1012 LG',
        country: 'NL',
        to_state: null,
        email: 'jane@example.com',
        telephone: '',
        currency: 'EUR',
        total_order_value: 54.9,
        weight: 1.25,
        width: null,
        height: null,
        length: null,
        shipping_method: null,
        shipping_method_checkout_name: 'PostNL Standard',
        to_service_point: '10432',
        customs_shipment_type: null,
        customs_invoice_nr: '',
        order_status: { id: 'processing', message: 'Processing' },
        payment_status: { id: 'paid', message: 'Paid' },
        parcel_items: [
          {
            description: 'T-shirt',
            quantity: '2',
            value: 19.95,
            weight: 0.3,
            sku: 'TS-01',
            product_id: 77,
            origin_country: '',
            hs_code: '',
            properties: { size: 'M' },
            mid_code: null,
            unknown_item_field: 'ignored',
          },
        ],
        created_at: '2024-03-01 09:15:27.123456',
        updated_at: '2024-03-01T09:15:27.654321',
        shop_id: 17,
        meta: { plugin: '1.2.3' },
      }),
    );
    assert.deepEqual(order, {
      externalOrderId: '10452',
      externalShipmentId: null,
      shipmentKey: '',
      orderNumber: '#10452',
      shopCreatedAtUs: Date.UTC(2024, 2, 1, 9, 15, 27) * 1000 + 123_456,
      shopUpdatedAtUs: Date.UTC(2024, 2, 1, 9, 15, 27) * 1000 + 654_321,
      fields: {
        address: 'Damrak 1',
        address_2: '',
        city: 'Amsterdam',
        company_name: '',
        country: 'NL',
        currency: 'EUR',
        customs_invoice_nr: '',
        customs_shipment_type: null,
        email: 'jane@example.com',
        external_order_id: '10452',
        external_shipment_id: null,
        house_number: '1',
        name: 'Jane Roe',
        order_number: '#10452',
        order_status: { id: 'processing', message: 'Processing' },
        parcel_items: [
          {
            description: 'T-shirt',
            hs_code: '',
            origin_country: null,
            product_id: '77',
            properties: { size: 'M' },
            quantity: 2,
            sku: 'TS-01',
            value: '19.95',
            weight: '0.300',
            mid_code: null,
            material_content: null,
            intended_use: null,
          },
        ],
        payment_status: { id: 'paid', message: 'Paid' },
        postal_code: '1012 LG',
        shipping_method: null,
        shipping_method_checkout_name: 'PostNL Standard',
        telephone: '',
        to_post_number: '',
        to_service_point: 10432,
        to_state: null,
        total_order_value: '54.90',
        weight: '1.250',
        width: null,
        height: null,
        length: null,
        customs_details: null,
      },
    });
  });

  test('a client posting {"shipments": [...]} as an item gets the field errors of an empty order', () => {
    assert.deepEqual(validateOrder({ shipments: [MINIMAL] }), validateOrder({}));
  });
});

describe('untrusted keys', () => {
  test('__proto__ and constructor are plain data, never prototypes', () => {
    const input: unknown = JSON.parse(
      JSON.stringify(MINIMAL).replace(
        '{',
        '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "parcel_items": [{"description": "x", "quantity": 1, "value": "1", "properties": {"__proto__": "p"}}],',
      ),
    );
    const order = valid(validateOrder(input));
    const item = (order.fields.parcel_items as Record<string, unknown>[])[0] as Record<string, unknown>;
    assert.equal(JSON.stringify(item.properties), '{"__proto__":"p"}');
    assert.equal(Object.getPrototypeOf(item.properties), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.hasOwn(order.fields, '__proto__'), false);
  });

  test('inherited properties are not read', () => {
    const input = Object.create(MINIMAL) as object;
    assert.deepEqual(validateOrder(input), validateOrder({}));
  });
});

describe('properties', () => {
  test('MAX_ORDERS_PER_REQUEST is the reference’s 100', () => {
    assert.equal(MAX_ORDERS_PER_REQUEST, 100);
  });

  test('validateOrder never throws on arbitrary JSON, and stored fields are plain JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = validateOrder(value);
        if (result.ok) assert.deepEqual(JSON.parse(JSON.stringify(result.order.fields)), result.order.fields);
        else assert.equal(typeof JSON.stringify(result.error), 'string');
      }),
    );
  });

  test('never throws when any field of a valid order is replaced by arbitrary JSON', () => {
    const keys = [
      ...Object.keys(MINIMAL_FIELDS),
      'created_at',
      'updated_at',
      'checkout_payload',
      'parcel_items',
      'customs_details',
    ];
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
        (overrides) => {
          const result = validateOrder({ ...MINIMAL, ...overrides });
          const json = JSON.stringify(result.ok ? result.order.fields : result.error);
          assert.equal(typeof json, 'string');
        },
      ),
    );
  });

  test('re-validating what was stored gives the same order (normalization is idempotent)', () => {
    const decimal = (places: number) =>
      fc.integer({ min: 1, max: 999_999 }).map((n) => (n / 10 ** places).toString());
    fc.assert(
      fc.property(
        fc.record({
          weight: fc.option(decimal(3)),
          total_order_value: fc.option(decimal(2)),
          currency: fc.constantFrom('EUR', 'USD', 'GBP', '', null),
          to_state: fc.option(fc.string()),
          house_number: fc.oneof(fc.string(), fc.integer()),
          parcel_items: fc.option(
            fc.array(
              fc.record({
                description: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
                quantity: fc.integer({ min: 1, max: 1000 }).map(String),
                value: decimal(2),
                origin_country: fc.constantFrom('NL', 'DE', '', null),
              }),
              { maxLength: 3 },
            ),
          ),
        }),
        (extra) => {
          const first = validateOrder({ ...MINIMAL, ...extra });
          if (!first.ok) return;
          const again = validateOrder({
            ...first.order.fields,
            created_at: formatDateTime(first.order.shopCreatedAtUs),
            updated_at: formatDateTime(first.order.shopUpdatedAtUs),
          });
          assert.deepEqual(again, first);
        },
      ),
    );
  });
});

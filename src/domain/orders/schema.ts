/**
 * The v3 order (`orders-order` of the reference) as Pydantic models: the create/update-in-batch schema
 * and the partial one of `PATCH` (`order-partial-update`, "without any required fields"). Constraints
 * are the reference's (`minLength`, `minimum`, `exclusiveMinimum`, `enum`, `required`); no schema sets
 * `additionalProperties: false`, so unknown members are ignored, as Pydantic's default `extra` does.
 *
 * Where the reference contradicts itself, docs/behaviour.md "v3 orders" records the decision:
 * - `quantity` is `> 0` in both schemas (the documented error `Input should be greater than 0` at
 *   `order_items/0/quantity`; the create schema's `minLength: 1` on an integer means nothing);
 * - `ship_with` reports `properties` before `type` (the documented MultipleValidationErrors example);
 * - the service point keeps the members the partial schema lists (`post_number`, `latitude`,
 *   `longitude`, `type`, `extra_data`), which the create examples send;
 * - `customer_details.phone_number` (the create schema's name) in both.
 *
 * Datetimes come out as `Stamp`s, whose JSON is the answer's form (always a fraction and a zone).
 */
import {
  type Fields,
  type PyDateTime,
  type Validator,
  INVALID,
  formatPyDateTime,
  pyBool,
  pyDateTime,
  pyDict,
  pyEmail,
  pyEnum,
  pyFloat,
  pyInt,
  pyList,
  pyModel,
  pyStr,
  pyUrl,
} from '../pydantic/index.js';

/** A validated datetime: its instant for the lists, its answer form as its JSON. */
export class Stamp {
  constructor(readonly value: PyDateTime) {}
  toJSON(): string {
    return formatPyDateTime(this.value);
  }
}

const stamp: Validator<Stamp> = (input, loc, errors) => {
  const value = pyDateTime(input, loc, errors);
  return value === INVALID ? INVALID : new Stamp(value);
};

const str = pyStr();
const nonEmpty = pyStr({ minLength: 1 });
const req = (validator: Validator<unknown>) => ({ validator, required: true });
const opt = (validator: Validator<unknown>) => ({ validator });

/** Every member optional: the partial schema's version of a model's fields. */
function partial(fields: Fields): Fields {
  return Object.fromEntries(
    Object.entries(fields).map(([name, spec]) => [name, { validator: spec.validator }]),
  );
}

const CURRENCIES = ['EUR', 'GBP', 'USD'] as const;
const WEIGHT_UNITS = ['kg', 'g', 'lbs', 'oz'] as const;
const DIMENSION_UNITS = ['cm', 'mm', 'm', 'yd', 'ft', 'in'] as const;
const VOLUME_UNITS = ['m3', 'cm3', 'l', 'ml', 'gal'] as const;

const priceFields: Fields = { value: opt(pyFloat()), currency: opt(pyEnum(CURRENCIES)) };
const price = pyModel('Price', priceFields);
/** payment_details' prices: `oneOf [orders-price]` with `required: [value, currency]`. */
const requiredPrice = pyModel('Price', { value: req(pyFloat()), currency: req(pyEnum(CURRENCIES)) });
const costs = pyModel('Costs', { value: opt(pyStr({ pattern: '[\\d]+(\\.[\\d]+)?' })), currency: opt(str) });

const dimensionFields: Fields = {
  length: req(pyFloat({ ge: 0 })),
  width: req(pyFloat({ ge: 0 })),
  height: req(pyFloat({ ge: 0 })),
  unit: req(pyEnum(DIMENSION_UNITS)),
};
const weightFields: Fields = { value: req(pyFloat({ gt: 0 })), unit: req(pyEnum(WEIGHT_UNITS)) };
const volumeFields: Fields = { value: req(pyInt({ ge: 0 })), unit: req(pyEnum(VOLUME_UNITS)) };
const measurement = pyModel('Measurement', {
  dimension: opt(pyModel('Dimension', dimensionFields)),
  weight: opt(pyModel('Weight', weightFields)),
  volume: opt(pyModel('Volume', volumeFields)),
});
const measurementPartial = pyModel('Measurement', {
  dimension: opt(pyModel('Dimension', partial(dimensionFields))),
  weight: opt(pyModel('Weight', partial(weightFields))),
  volume: opt(pyModel('Volume', partial(volumeFields))),
});

const deliveryDates = pyModel('DeliveryDates', { handover_at: opt(stamp), deliver_at: opt(stamp) });

const dangerousGoods = pyModel('DangerousGoods', {
  chemical_record_identifier: opt(str),
  regulation_set: opt(pyEnum(['IATA', 'ADR'])),
  packaging_type_quantity: opt(str),
  packaging_type: opt(str),
  packaging_instruction_code: opt(str),
  id_number: opt(str),
  class_division_number: opt(str),
  quantity: opt(str),
  unit_of_measurement: opt(pyEnum(['KG', 'G', 'L', 'ML'])),
  proper_shipping_name: opt(str),
  commodity_regulated_level_code: opt(pyEnum(['LQ', 'EQ'])),
  transportation_mode: opt(pyEnum(['Highway', 'Ground', 'PAX', 'CAO'])),
  emergency_contact_name: opt(str),
  emergency_contact_phone: opt(str),
  adr_packing_group_letter: opt(pyEnum(['I', 'II', 'III'])),
  local_proper_shipping_name: opt(str),
  transport_category: opt(str),
  tunnel_restriction_code: opt(str),
  weight_type: opt(pyEnum(['Net', 'Gross'])),
});

const itemFields = (measurementModel: Validator<unknown>): Fields => ({
  item_id: opt(nonEmpty),
  product_id: opt(str),
  variant_id: opt(str),
  image_url: opt(pyUrl),
  name: req(str),
  description: opt(str),
  quantity: req(pyInt({ gt: 0 })),
  sku: opt(str),
  hs_code: opt(str),
  country_of_origin: opt(pyStr({ minLength: 2, maxLength: 2 })),
  properties: opt(pyDict),
  unit_price: opt(price),
  total_price: req(price),
  measurement: opt(measurementModel),
  ean: opt(str),
  delivery_dates: opt(deliveryDates),
  mid_code: opt(str),
  material_content: opt(str),
  intended_use: opt(str),
  dangerous_goods: opt(dangerousGoods),
});

const statusFields: Fields = { code: req(nonEmpty), message: opt(str) };

/** A model of the create schema, or of the partial one: the same fields, none of them required. */
const model = (name: string, fields: Fields, partialUpdate: boolean): Validator<Record<string, unknown>> =>
  pyModel(name, partialUpdate ? partial(fields) : fields);

const orderDetails = (partialUpdate: boolean): Validator<unknown> => {
  const fields: Fields = {
    integration: req(
      model('Integration', { id: req(partialUpdate ? pyInt({ ge: 1 }) : pyInt()) }, partialUpdate),
    ),
    status: req(model('Status', statusFields, partialUpdate)),
    order_created_at: req(stamp),
    order_updated_at: opt(stamp),
    order_items: req(
      pyList(model('OrderItem', itemFields(partialUpdate ? measurementPartial : measurement), partialUpdate)),
    ),
    notes: opt(str),
    tags: opt(pyList(str)),
  };
  return model('OrderDetails', fields, partialUpdate);
};

const paymentFields = (partialUpdate: boolean): Fields => ({
  is_cash_on_delivery: opt(pyBool),
  total_price: req(partialUpdate ? price : requiredPrice),
  subtotal_price: opt(partialUpdate ? price : requiredPrice),
  estimated_shipping_price: opt(partialUpdate ? price : requiredPrice),
  estimated_tax_price: opt(partialUpdate ? price : requiredPrice),
  status: req(model('PaymentStatus', statusFields, partialUpdate)),
  invoice_date: opt(str),
  discount_granted: opt(costs),
  insurance_costs: opt(costs),
  freight_costs: opt(costs),
  other_costs: opt(costs),
});

const taxNumber = pyModel('TaxNumber', { name: opt(str), country_code: opt(str), value: opt(str) });
const customsDetails = pyModel('CustomsDetails', {
  commercial_invoice_number: opt(str),
  shipment_type: opt(pyEnum(['gift', 'commercial_goods', 'commercial_sample', 'returned_goods'])),
  export_type: opt(pyEnum(['private', 'commercial_b2c', 'commercial_b2b'])),
  tax_numbers: opt(
    pyModel('TaxNumbers', {
      sender: opt(pyList(taxNumber)),
      receiver: opt(pyList(taxNumber)),
      importer_of_record: opt(pyList(taxNumber)),
    }),
  ),
});

const customerFields: Fields = { name: req(str), phone_number: opt(str), email: opt(str) };

const addressFields: Fields = {
  name: req(nonEmpty),
  company_name: opt(str),
  address_line_1: req(str),
  house_number: opt(str),
  address_line_2: opt(str),
  postal_code: req(nonEmpty),
  city: req(nonEmpty),
  po_box: opt(str),
  state_province_code: opt(str),
  country_code: req(nonEmpty),
  email: opt(pyEmail),
  phone_number: opt(str),
};

const shipWithFields: Fields = {
  properties: req(
    pyModel('ShippingOptionCodeProperties', {
      shipping_option_code: opt(str),
      contract_id: opt(pyInt({ ge: 1 })),
    }),
  ),
  type: req(pyEnum(['shipping_option_code'])),
};

const shippingDetails = (partialUpdate: boolean): Validator<unknown> =>
  pyModel('ShippingDetails', {
    is_local_pickup: opt(pyBool),
    delivery_indicator: opt(str),
    measurement: opt(partialUpdate ? measurementPartial : measurement),
    ship_with: opt(model('ShipWith', shipWithFields, partialUpdate)),
  });

const servicePointFields: Fields = {
  id: req(str),
  post_number: opt(str),
  latitude: opt(str),
  longitude: opt(str),
  type: opt(str),
  extra_data: opt(pyDict),
};

const orderFields = (partialUpdate: boolean): Fields => {
  const fields: Fields = {
    order_id: req(partialUpdate ? str : nonEmpty),
    order_number: req(partialUpdate ? str : nonEmpty),
    order_details: req(orderDetails(partialUpdate)),
    payment_details: req(model('PaymentDetails', paymentFields(partialUpdate), partialUpdate)),
    customs_details: opt(customsDetails),
    customer_details: opt(model('CustomerDetails', customerFields, partialUpdate)),
    billing_address: opt(model('Address', addressFields, partialUpdate)),
    shipping_address: opt(model('Address', addressFields, partialUpdate)),
    shipping_details: opt(shippingDetails(partialUpdate)),
    service_point_details: opt(model('ServicePoint', servicePointFields, partialUpdate)),
  };
  return partialUpdate ? partial(fields) : fields;
};

/** One item of a create/update batch: the order, and the explicit `id` as a string (`"669"`). */
export const batchOrder = pyModel('Order', { id: opt(str), ...orderFields(false) });
/** A complete order (a PATCH's merged result is checked against it too). */
export const fullOrder = pyModel('Order', orderFields(false));
/** A PATCH body: every member optional; `id`, `created_at`, `modified_at` are read-only, not read. */
export const orderPatch = pyModel('OrderPartialUpdate', orderFields(true));

/** The members of an order in the order answers list them (the reference's examples). */
export const ORDER_MEMBERS = [
  'order_details',
  'payment_details',
  'customs_details',
  'shipping_address',
  'shipping_details',
  'billing_address',
  'customer_details',
  'service_point_details',
] as const;

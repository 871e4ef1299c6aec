/**
 * The differences found when order-inbox was first compared with real DRF (DRF 3.14, Django 4.2's
 * parsers), each with the input that showed it and DRF's exact answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Invalid,
  charField,
  dateTimeField,
  emailField,
  integerField,
  isValidEmail,
  listField,
  urlField,
} from '../../src/domain/drf/fields.js';
import type { Field } from '../../src/domain/drf/fields.js';
import { JsonNumber, parseJson } from '../../src/domain/drf/json.js';
import { pyRepr } from '../../src/domain/drf/repr.js';
import { formatDateTime } from '../../src/domain/drf/time.js';
import { isValidUrl } from '../../src/domain/drf/url.js';
import { ApiError } from '../../src/domain/errors.js';
import { validateIntegrationUpdate } from '../../src/domain/integrations/integration-update.js';
import { validateOrder } from '../../src/domain/shipments/order-schema.js';
import { parseDeleteBody } from '../../src/domain/shipments/shipment-service.js';
import type { Integration } from '../../src/domain/types.js';
import { minimalOrder } from '../helpers/server.js';

function run<T>(field: Field<T>, data: unknown): { ok: unknown } | { errors: unknown } {
  const outcome = field(data);
  return outcome instanceof Invalid ? { errors: outcome.errors } : { ok: outcome };
}

const INTEGRATION = {
  servicePointEnabled: false,
  servicePointCarriers: [],
  webhookActive: false,
  webhookUrl: null,
} as unknown as Integration;

/** The 400 message of an integration update, or the changes it makes. */
function update(body: unknown, current: Integration = INTEGRATION): unknown {
  try {
    return validateIntegrationUpdate(current, body);
  } catch (error) {
    assert.ok(error instanceof ApiError && error.status === 400, String(error));
    return error.message;
  }
}

describe('1. an email field given a non-string', () => {
  test('is `Enter a valid email address.` (EmailField’s own `invalid` message)', () => {
    for (const value of [true, [], {}]) {
      assert.deepEqual(run(emailField({ allowBlank: true }), value), {
        errors: ['Enter a valid email address.'],
      });
    }
    const order = validateOrder({ ...minimalOrder(), email: true });
    assert.ok(!order.ok);
    assert.deepEqual(order.error, { email: ['Enter a valid email address.'] });
  });
});

describe('2. a URL field given a non-string', () => {
  test('is `webhook_url: Enter a valid URL.`', () => {
    assert.equal(update({ webhook_url: true }), "{'settings': ['webhook_url: Enter a valid URL.']}");
    assert.deepEqual(run(urlField(), []), { errors: ['Enter a valid URL.'] });
  });
});

describe('3. carriers are a DRF ListField of strings', () => {
  test('element errors are keyed by index', () => {
    assert.equal(
      update({ service_point_carriers: ['ups', ''] }),
      "{'service_point_carriers': {1: ['This field may not be blank.']}}",
    );
  });

  test('the type error is flat', () => {
    assert.equal(
      update({ service_point_carriers: 'ups' }),
      `{'service_point_carriers': ['Expected a list of items but got type "str".']}`,
    );
    // A connector that stores carriers as text sends exactly this.
    assert.equal(
      update({ service_point_carriers: "['postnl']" }),
      `{'service_point_carriers': ['Expected a list of items but got type "str".']}`,
    );
    assert.deepEqual(run(listField(charField()), {}), {
      errors: ['Expected a list of items but got type "dict".'],
    });
  });

  test('a null element goes to the child; valid lists come back as given', () => {
    assert.equal(
      update({ service_point_carriers: [null] }),
      "{'service_point_carriers': {0: ['This field may not be null.']}}",
    );
    assert.deepEqual(update({ service_point_carriers: [' ups ', 1] }), {
      servicePointCarriers: ['ups', '1'],
    });
  });
});

describe("4. cross-field rules run only when every field is valid (DRF's validate())", () => {
  test('only the shop_name error, not also the carrier rule', () => {
    assert.equal(
      update({ shop_name: '', service_point_enabled: true, service_point_carriers: [] }),
      "{'shop_name': ['This field may not be blank.']}",
    );
  });

  test('once the fields are valid, the rules answer', () => {
    assert.equal(
      update({ service_point_enabled: true, service_point_carriers: [] }),
      "{'service_point_carriers': ['At least one carrier must be provided if the service point delivery is enabled.']}",
    );
    assert.equal(update({ webhook_active: true }), "{'settings': ['webhook_url: This field is required.']}");
  });
});

describe("5. Django's URLValidator", () => {
  test('`@` in the user information is invalid; an empty user is invalid', () => {
    assert.equal(isValidUrl('http://@example.com'), false);
    assert.equal(isValidUrl('https://user:p@ss@example.com'), false);
    assert.equal(isValidUrl('https://user:pass@example.com'), true);
  });

  test('any port of up to five digits (Django 4.2)', () => {
    assert.equal(isValidUrl('http://example.com:99999'), true);
    assert.equal(isValidUrl('http://example.com:8'), true);
    assert.equal(isValidUrl('http://example.com:123456'), false);
    assert.equal(isValidUrl('http://example.com:\u0668\u0660'), false);
  });

  test('a host name over 253 characters: a second message beside the length error', () => {
    const host = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`;
    assert.equal(host.length, 256);
    assert.equal(
      update({ shop_url: `http://${host}` }),
      "{'shop_url': ['Ensure this field has no more than 200 characters.', 'Enter a valid URL.']}",
    );
  });

  test('IPv4 without leading zeros; bracketed IPv6 checked as an address', () => {
    assert.equal(isValidUrl('http://01.2.3.4'), false);
    assert.equal(isValidUrl('http://1.2.3.4'), true);
    assert.equal(isValidUrl('http://[::1]:8080/x'), true);
    assert.equal(isValidUrl('http://[::g]'), false);
    assert.equal(isValidUrl('https://b\u00fccher.de'), true);
  });
});

describe('6. email local parts with characters Python folds to ASCII', () => {
  test('K (U+212A), ſ and dotless ı are valid, as re.IGNORECASE reads them', () => {
    assert.equal(isValidEmail('\u212a@example.com'), true);
    assert.equal(isValidEmail('\u017fam@example.com'), true);
    assert.equal(isValidEmail('\u0131@example.com'), true);
    assert.equal(isValidEmail('\u0130@example.com'), true);
    assert.equal(isValidEmail('\u00e9@example.com'), false);
  });
});

describe('7. a float literal ≥ 1e16 in an integer field', () => {
  test('is `A valid integer is required.` (a float that is not an integer), not the range message', () => {
    const int32 = integerField({ minValue: -2_147_483_648, maxValue: 2_147_483_647 });
    assert.deepEqual(run(int32, parseJson('1e16')), { errors: ['A valid integer is required.'] });
    assert.deepEqual(run(int32, 1e16), { errors: ['A valid integer is required.'] });
    assert.deepEqual(run(int32, parseJson('1e15')), {
      errors: ['Ensure this value is less than or equal to 2147483647.'],
    });
    assert.deepEqual(run(int32, parseJson('12345678901234567890')), {
      errors: ['Ensure this value is less than or equal to 2147483647.'],
    });
    assert.deepEqual(run(int32, parseJson('8.0')), { ok: 8 });
  });
});

describe('8. a null body or a null item', () => {
  test('an item: `No data provided`', () => {
    const order = validateOrder(null);
    assert.ok(!order.ok);
    assert.deepEqual(order.error, { non_field_errors: ['No data provided'] });
  });

  test('an update body', () => {
    assert.equal(update(null), "{'non_field_errors': ['No data provided']}");
  });
});

describe('10. numbers in string fields keep their JSON text as Python prints the parsed value', () => {
  const order = (json: string) => validateOrder((parseJson(`[${json}]`) as unknown[])[0]);
  const base = JSON.stringify(minimalOrder()).slice(0, -1);

  test('`"address_2": 1.0` is stored "1.0"', () => {
    const result = order(`${base}, "address_2": 1.0}`);
    assert.ok(result.ok);
    assert.equal(result.order.fields.address_2, '1.0');
  });

  test('`"customs_shipment_type": 1.0` is `"1.0" is not a valid choice.`', () => {
    const result = order(`${base}, "customs_shipment_type": 1.0}`);
    assert.ok(!result.ok);
    assert.deepEqual(result.error, { customs_shipment_type: ['"1.0" is not a valid choice.'] });
  });

  test('a delete with `"external_shipment_id": 1.0` names the key "1.0"', () => {
    assert.deepEqual(
      parseDeleteBody(parseJson('{"external_order_id": "1001", "external_shipment_id": 1.0}')),
      {
        externalOrderId: '1001',
        shipmentKey: '1.0',
      },
    );
  });

  test('a UUID sent as a JSON integer above 2^53 is still that UUID', () => {
    assert.deepEqual(parseDeleteBody(parseJson('{"shipment_uuid": 18446744073709551616}')), {
      uuid: '00000000-0000-0001-0000-000000000000',
    });
    assert.deepEqual(
      parseDeleteBody(parseJson('{"shipment_uuid": 340282366920938463463374607431768211455}')),
      {
        uuid: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      },
    );
  });

  test('the parser: plain numbers stay numbers, the others keep their text; `__proto__` stays an own key', () => {
    const parsed = parseJson(
      '{"a": 1, "b": 2.5, "c": 1.0, "d": -0.0, "e": 12345678901234567890123, "__proto__": 2.0, "f": "1.0"}',
    );
    assert.deepEqual(parsed, {
      a: 1,
      b: 2.5,
      c: new JsonNumber('1.0', true, 1),
      d: new JsonNumber('-0.0', true, -0),
      e: new JsonNumber('12345678901234567890123', false, Number('12345678901234567890123')),
      ['__proto__']: new JsonNumber('2.0', true, 2),
      f: '1.0',
    });
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.equal(
      pyRepr(parsed),
      "{'a': 1, 'b': 2.5, 'c': 1.0, 'd': -0.0, 'e': 12345678901234567890123, '__proto__': 2.0, 'f': '1.0'}",
    );
    assert.throws(() => parseJson('[1.0,'), SyntaxError);
    assert.throws(() => parseJson('\ufeff[]'), SyntaxError);
  });
});

describe('11. timestamps as Django 4.2 parses them', () => {
  const field = dateTimeField({ required: true });
  const rendered = (text: string) => {
    const outcome = field(text);
    return outcome instanceof Invalid ? outcome.errors : formatDateTime(outcome as number);
  };

  test("datetime.fromisoformat's forms", () => {
    assert.equal(rendered('2022-05-07'), '2022-05-07T00:00:00Z');
    assert.equal(rendered('20220507T150812Z'), '2022-05-07T15:08:12Z');
    assert.equal(rendered('2022-W18-6'), '2022-05-07T00:00:00Z');
    assert.equal(rendered('2022-05-07T15'), '2022-05-07T15:00:00Z');
  });

  test("then Django's own pattern: white space before the zone", () => {
    assert.equal(rendered('2022-05-07T15:08:12 Z'), '2022-05-07T15:08:12Z');
    assert.equal(rendered('2022-05-07T15:08:12 +02:00'), '2022-05-07T13:08:12Z');
  });

  test('years 1 to 9999: "unknown" as shops send it', () => {
    assert.equal(rendered('0001-01-01'), '0001-01-01T00:00:00Z');
    assert.equal(rendered('9999-12-31'), '9999-12-31T00:00:00Z');
    assert.deepEqual(rendered('0001-01-01T00:00:00+01:00'), ['Datetime value out of range.']);
  });

  test('non-ASCII digits, as Python reads them', () => {
    assert.equal(
      rendered('\u0662\u0660\u0662\u0662-\u0660\u0665-\u0660\u0667T15:08:12Z'),
      '2022-05-07T15:08:12Z',
    );
  });
});

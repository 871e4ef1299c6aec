/**
 * Orders for the panel's browser tests and its screenshots, pushed through the public APIs as a shop
 * would push them (never written into the store directly).
 */
export const HOSTILE = '<img src=x onerror=alert(1)>';

export interface Shop {
  apiBase: string;
  publicKey: string;
  secretKey: string;
}

export const basicAuth = (shop: Shop): string =>
  `Basic ${Buffer.from(`${shop.publicKey}:${shop.secretKey}`).toString('base64')}`;

export async function apiCall(
  shop: Shop,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const answer = await fetch(`${shop.apiBase}${path}`, {
    method,
    headers: {
      authorization: basicAuth(shop),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, body: text === '' ? null : JSON.parse(text), headers: answer.headers };
}

export interface V2Spec {
  orderNumber: string;
  externalOrderId: string;
  name: string;
  city?: string;
  value?: string;
  text?: string;
}

/** A v2 shipment with every field a shop fills in; `text` goes into every free-text field. */
export function v2Shipment(spec: V2Spec): Record<string, unknown> {
  const text = spec.text;
  return {
    external_order_id: spec.externalOrderId,
    external_shipment_id: text ?? `${spec.externalOrderId}-1`,
    order_number: spec.orderNumber,
    name: spec.name,
    company_name: text ?? 'Candle Works BV',
    address: text ?? 'Stadhuisplein',
    address_2: text ?? '',
    house_number: text ?? '15',
    city: text ?? spec.city ?? 'Oss',
    postal_code: text ?? '5341 TW',
    country: 'NL',
    email: 'shopper@example.com',
    telephone: text ?? '+31 6 12345678',
    order_status: { id: text ?? 'paid', message: text ?? 'Paid' },
    payment_status: { id: text ?? 'paid', message: text ?? 'Paid' },
    shipping_method_checkout_name: text ?? 'PostNL Standard',
    customs_invoice_nr: text ?? '',
    to_post_number: text ?? '',
    parcel_items: [
      {
        description: text ?? 'Cylinder candle',
        quantity: 2,
        weight: '0.750',
        value: spec.value ?? '12.50',
        sku: text ?? 'CANDLE-CYL',
        hs_code: '340600',
        product_id: text ?? 'p-1',
        origin_country: 'NL',
        properties: { colour: text ?? 'Pebble green' },
      },
    ],
    total_order_value: spec.value ?? '25.00',
    currency: 'EUR',
    weight: '1.500',
    created_at: '2026-11-30T09:15:00Z',
    updated_at: '2026-11-30T09:15:00Z',
  };
}

export async function pushV2(shop: Shop, integrationId: number, shipments: Record<string, unknown>[]) {
  const answer = await apiCall(shop, 'POST', `/api/v2/integrations/${integrationId}/shipments`, shipments);
  const results = answer.body as { status: string; shipment_uuid?: string }[];
  if (answer.status !== 200 || results.some((r) => r.status === 'error'))
    throw new Error(`v2 push refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  return results;
}

/** A v3 order as the reference's "create a basic order" example has it. */
export function v3Order(spec: V2Spec & { integrationId: number }): Record<string, unknown> {
  const text = spec.text;
  return {
    order_id: spec.externalOrderId,
    order_number: spec.orderNumber,
    order_details: {
      integration: { id: spec.integrationId },
      status: { code: 'fulfilled', message: text ?? 'Fulfilled' },
      order_created_at: '2026-11-30T10:00:00Z',
      order_items: [
        {
          name: text ?? 'Tea light',
          quantity: 3,
          total_price: { value: 4.5, currency: 'EUR' },
          measurement: { weight: { value: 0.2, unit: 'kg' } },
        },
      ],
    },
    payment_details: {
      total_price: { value: 4.5, currency: 'EUR' },
      status: { code: 'paid', message: text ?? 'Paid' },
    },
    shipping_address: {
      name: spec.name,
      address_line_1: text ?? 'Lansdown Glade',
      house_number: text ?? '15',
      postal_code: text ?? '5341XT',
      city: text ?? spec.city ?? 'Oss',
      country_code: 'NL',
    },
    customer_details: { name: spec.name },
    shipping_details: { is_local_pickup: false, delivery_indicator: text ?? 'DHL home delivery' },
  };
}

export async function pushV3(shop: Shop, orders: Record<string, unknown>[]) {
  const answer = await apiCall(shop, 'POST', '/api/v3/orders', orders);
  if (answer.status !== 201 && answer.status !== 200)
    throw new Error(`v3 push refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  return (answer.body as { data: { id: number | string }[] }).data;
}

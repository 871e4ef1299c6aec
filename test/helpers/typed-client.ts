import assert from 'node:assert/strict';
import { createAdminClient, createSendcloudClient } from 'order-inbox/client';
import type {
  AdminClient,
  Middleware,
  SendcloudClient,
  SendcloudComponents,
  SendcloudCredentials,
} from 'order-inbox/client';
import { documentFor, isCheckedPath, validateResponse } from './openapi-validator.js';
import { minimalOrder } from './server.js';

export type Order = SendcloudComponents['schemas']['ShipmentBlobOrderCreate'];
type UpsertResult = SendcloudComponents['schemas']['ShipmentCreateUpdateLog' | 'ShipmentErrorLog'];

/**
 * The suite's use of the package's own typed client (`order-inbox/client`, as built). Every answer of
 * `/api/v2` and `/oauth2` it receives is validated against the document the server serves, as `call()`
 * validates its answers.
 */
export const checkedAgainstDocument: Middleware = {
  // The document is fetched before the first request rather than while its answer is still being read,
  // which would open a second connection to the server that a suite's sequential calls never expect.
  async onRequest({ request }) {
    const { origin, pathname } = new URL(request.url);
    if (isCheckedPath(pathname)) await documentFor(origin);
    return undefined;
  },
  async onResponse({ request, response }) {
    const { origin, pathname } = new URL(request.url);
    if (!isCheckedPath(pathname)) return undefined;
    const text = await response.clone().text();
    const contentType = response.headers.get('content-type');
    const parsed: unknown =
      (contentType ?? '').includes('json') && text !== '' ? JSON.parse(text) : undefined;
    validateResponse(await documentFor(origin), request.method, pathname, response.status, parsed, {
      text,
      contentType,
      headers: response.headers,
    });
    return undefined;
  },
};

/**
 * A Sendcloud client of the server at `url` (its origin, or its `/api/v2` base). Each request on a
 * connection of its own: the end-to-end suites block their event loop between requests (spawnSync of the
 * command line) for longer than the server keeps an idle connection, and a pooled connection the server
 * closed meanwhile would fail the next request with "other side closed".
 */
export function sendcloudClient(url: string, credentials: SendcloudCredentials): SendcloudClient {
  const client = createSendcloudClient({ baseUrl: url, ...credentials, headers: { connection: 'close' } });
  client.use(checkedAgainstDocument);
  return client;
}

/** An admin client of the server at `url` (its origin, or its `/__admin` base). */
export function adminClient(url: string, token: string): AdminClient {
  return createAdminClient({ baseUrl: url, token });
}

/** `minimalOrder()` as the generated type of an upsert item, with its own `external_order_id`. */
export const order = (externalOrderId: string, overrides: Partial<Order> = {}): Order => ({
  ...(minimalOrder() as Order),
  external_order_id: externalOrderId,
  order_number: `ORDER-${externalOrderId}`,
  ...overrides,
});

/** The uuids of an upsert's results, in request order (null for an item that failed). */
export const resultUuids = (results: UpsertResult[]): (string | null)[] =>
  results.map((r) => ('shipment_uuid' in r ? r.shipment_uuid : null));

/** The uuids of an integration's first page of shipments, newest import first. */
export async function listedUuids(sendcloud: SendcloudClient, id: number): Promise<(string | null)[]> {
  const { data, error } = await sendcloud.GET('/integrations/{id}/shipments', { params: { path: { id } } });
  assert.ok(data, JSON.stringify(error));
  return data.results.map((r) => r.shipment_uuid);
}

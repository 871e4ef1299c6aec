/** Tenants with data in them, written through the Store, for the admin store suites. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { newIntegration } from '../../src/domain/accounts.js';
import type { NewTenant, StoredTenant } from '../../src/domain/admin/types.js';
import type { Integration, WebhookFor } from '../../src/domain/types.js';
import type { Store } from '../../src/storage/store.js';

export const T0 = 1_700_000_000_000_000;
export const connected: WebhookFor = (integration: Integration) =>
  integration.webhookActive && integration.webhookUrl !== null
    ? {
        action: 'integration_connected',
        url: integration.webhookUrl,
        body: JSON.stringify({ id: integration.id }),
        signatureKey: integration.webhookSignatureKey,
      }
    : null;

export function tenant(overrides: Partial<NewTenant> = {}): NewTenant {
  return {
    partner: true,
    credential: { publicKey: `pk-${randomUUID()}`, secretHash: 'ab'.repeat(32), oauthOnly: false },
    integrations: [{ ...newIntegration(), id: null }],
    ...overrides,
  };
}

export async function created(store: Store, input: NewTenant = tenant()): Promise<StoredTenant> {
  const outcome = await store.createTenant(input, T0, connected);
  assert.ok('created' in outcome, JSON.stringify(outcome));
  return outcome.created;
}

export async function fill(store: Store, t: StoredTenant, shipments: number): Promise<void> {
  const integration = t.integrations[0] as Integration;
  await store.upsertShipments(
    integration.id,
    Array.from({ length: shipments }, (_, i) => ({
      newUuid: randomUUID(),
      externalOrderId: `o-${i}`,
      shipmentKey: '',
      externalShipmentId: null,
      orderNumber: `N-${i}`,
      shopCreatedAtUs: T0,
      shopUpdatedAtUs: T0,
      data: '{}',
    })),
    T0,
  );
  await store.createLog(
    {
      integrationId: integration.id,
      accountId: t.account.id,
      baseUrl: 'https://shop.example',
      fullUrl: null,
      method: 'GET',
      responseCode: 500,
      response: null,
      request: null,
      exceptionType: null,
      exception: null,
      createdAtUs: T0,
    },
    T0,
  );
  await store.createToken({
    credentialId: t.credential.id,
    tokenHash: randomUUID(),
    nowUs: T0,
    expiresAtUs: T0 * 2,
  });
}

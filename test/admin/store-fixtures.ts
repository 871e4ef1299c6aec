/** Tenants with data in them, written through the Store, for the admin store suites. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { newIntegration } from '../../src/domain/accounts.js';
import type { NewTenant, StoredTenant } from '../../src/domain/admin/types.js';
import type { Integration, WebhookFor } from '../../src/domain/types.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { createThrowawayDatabase, postgresSkipMessage } from '../helpers/postgres.js';

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

/** Opens a fresh store of one engine, and drops what it made. */
export type Opener = { open: () => Promise<Store>; drop: () => Promise<void> };

/** Fresh stores on each engine: SQLite files in a folder removed after the file's tests, throwaway databases. */
export function storeOpeners(prefix: string): {
  sqlite: () => Promise<Opener>;
  postgres: () => Promise<Opener>;
} {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  let files = 0;
  return {
    sqlite: async () => {
      const path = join(tmp, `snapshot-${files++}.db`);
      return { open: () => SqliteStore.open({ path }), drop: async () => undefined };
    },
    postgres: async () => {
      const db = await createThrowawayDatabase();
      if (db === null) throw new Error(postgresSkipMessage());
      return { open: () => PostgresStore.open({ url: db.url }), drop: () => db.drop() };
    },
  };
}

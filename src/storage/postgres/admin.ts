import type { Pool, PoolClient } from 'pg';
import type { NewTenant, RemovedCounts, ResetScope, StoredTenant } from '../../domain/admin/types.js';
import type { Account, Integration, NewIntegration, WebhookFor } from '../../domain/types.js';
import { toAccount, toCredential, toIntegration } from '../rows.js';
import type { Row } from '../rows.js';
import { TenantTaken } from '../tenant-conflict.js';

const SQL = {
  listAccounts: 'SELECT * FROM accounts ORDER BY id',
  insertAccount: 'INSERT INTO accounts (partner, created_at_us) VALUES ($1, $2) RETURNING *',
  // A taken key or id inserts nothing and returns no row: the caller names the conflict.
  insertCredential: `INSERT INTO credentials (account_id, public_key, secret_hash, oauth_only, created_at_us)
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (public_key) DO NOTHING RETURNING *`,
  insertIntegration: `INSERT INTO integrations (account_id, shop_name, shop_url, system, last_updated_at_us,
      service_point_enabled, service_point_carriers, webhook_active, webhook_url, webhook_signature_key,
      created_at_us)
    VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $5)
    RETURNING *`,
  insertIntegrationWithId: `INSERT INTO integrations (id, account_id, shop_name, shop_url, system,
      last_updated_at_us, service_point_enabled, service_point_carriers, webhook_active, webhook_url,
      webhook_signature_key, created_at_us)
    VALUES ($11, $1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $5)
    ON CONFLICT (id) DO NOTHING RETURNING *`,
  // A chosen id does not move the identity sequence: move it past the id, never back, so that ids the
  // database picks later cannot collide with it.
  bumpIntegrationIds: `SELECT setval(pg_get_serial_sequence('integrations', 'id'),
      GREATEST($1::bigint, pg_sequence_last_value(pg_get_serial_sequence('integrations', 'id')::regclass)))`,
  getAccount: 'SELECT id FROM accounts WHERE id = $1',
} as const;

/** The values of an integration insert, $1–$10 (shared with the store's own `createIntegration`). */
export function integrationValues(accountId: number, input: NewIntegration, nowUs: number): unknown[] {
  return [
    accountId,
    input.shopName,
    input.shopUrl,
    input.system,
    nowUs,
    input.servicePointEnabled ?? false,
    JSON.stringify(input.servicePointCarriers ?? []),
    input.webhookActive ?? false,
    input.webhookUrl ?? null,
    input.webhookSignatureKey,
  ];
}

/** One statement for a single account ($1) and one for every account, per kind of row. */
function scoped(table: string, accountFilter: string): { one: string; all: string } {
  return { one: `DELETE FROM ${table} WHERE ${accountFilter}`, all: `DELETE FROM ${table}` };
}

// Each by an index on the account (or its integrations): the work is the rows removed, not the size of
// the database. These run as unnamed statements, planned for the account at hand: a named statement
// soon switches to a generic plan, and with one integration holding most shipments (the statistics
// see it) that plan scans every shipment — 65–110 ms at 100 000–200 000 shipments, against 0.2 ms.
const DELETE = {
  shipments: scoped(
    'shipments',
    'integration_id = ANY(ARRAY(SELECT id FROM integrations WHERE account_id = $1))',
  ),
  orders: scoped('orders', 'account_id = $1'),
  logs: scoped('integration_logs', 'account_id = $1'),
  deliveries: scoped('webhook_outbox', 'account_id = $1'),
  tokens: scoped(
    'oauth_tokens',
    'credential_id = ANY(ARRAY(SELECT id FROM credentials WHERE account_id = $1))',
  ),
  credentials: scoped('credentials', 'account_id = $1'),
  integrations: scoped('integrations', 'account_id = $1'),
  accounts: scoped('accounts', 'id = $1'),
} as const;

/**
 * The admin API's reads and writes on PostgreSQL (tenants, resets, account deletion). The write methods
 * run on the write queue's client, inside its transaction; the store wraps them.
 */
export class PgAdmin {
  constructor(
    private readonly pool: Pool,
    /** The store's own outbox writer, so an announced integration is queued exactly as elsewhere. */
    private readonly enqueueWebhook: (
      client: PoolClient,
      integration: Integration,
      webhook: WebhookFor,
      nowUs: number,
    ) => Promise<void>,
  ) {}

  async listAccounts(): Promise<Account[]> {
    return (await this.pool.query<Row>({ name: 'oi_admin_list_accounts', text: SQL.listAccounts })).rows.map(
      toAccount,
    );
  }

  /** Runs in a write-queue job: a conflict throws, so the queue rolls back this tenant alone. */
  async createTenant(
    client: PoolClient,
    tenant: NewTenant,
    nowUs: number,
    webhook: WebhookFor,
  ): Promise<StoredTenant> {
    const one = async (name: string, text: string, values: unknown[]): Promise<Row | undefined> =>
      (await client.query<Row>({ name: `oi_admin_${name}`, text, values })).rows[0];
    const account = toAccount(
      (await one('insert_account', SQL.insertAccount, [tenant.partner, nowUs])) as Row,
    );
    const { publicKey, secretHash, oauthOnly } = tenant.credential;
    const credentialRow = await one('insert_credential', SQL.insertCredential, [
      account.id,
      publicKey,
      secretHash,
      oauthOnly,
      nowUs,
    ]);
    if (credentialRow === undefined) throw new TenantTaken({ taken: 'public_key', value: publicKey });
    const integrations: Integration[] = [];
    for (const input of tenant.integrations) {
      const values = integrationValues(account.id, input, nowUs);
      let row: Row | undefined;
      if (input.id === null) {
        row = await one('insert_integration', SQL.insertIntegration, values);
      } else {
        row = await one('insert_integration_with_id', SQL.insertIntegrationWithId, [...values, input.id]);
        if (row === undefined) throw new TenantTaken({ taken: 'integration_id', value: input.id });
        await one('bump_integration_ids', SQL.bumpIntegrationIds, [input.id]);
      }
      const integration = toIntegration(row as Row);
      await this.enqueueWebhook(client, integration, webhook, nowUs);
      integrations.push(integration);
    }
    return { account, credential: toCredential(credentialRow), integrations };
  }

  /** Null when the scope names an account that does not exist. */
  async reset(client: PoolClient, scope: ResetScope): Promise<RemovedCounts | null> {
    const { accountId } = scope;
    if (accountId !== null) {
      const found = await client.query({
        name: 'oi_admin_get_account',
        text: SQL.getAccount,
        values: [accountId],
      });
      if (found.rowCount === 0) return null;
    }
    const run = async (kind: keyof typeof DELETE): Promise<number> => {
      const statement = DELETE[kind];
      const result =
        accountId === null
          ? await client.query(statement.all)
          : await client.query(statement.one, [accountId]);
      return result.rowCount ?? 0;
    };
    // v3 orders go with the shipments (not counted: the reset's answer predates them).
    await run('orders');
    // Children before parents: each count is what that statement removed, not what a cascade hid.
    const counts: RemovedCounts = {
      shipments: await run('shipments'),
      logs: await run('logs'),
      webhook_deliveries: await run('deliveries'),
      oauth_tokens: 0,
      credentials: 0,
      integrations: 0,
      accounts: 0,
    };
    if (!scope.keepAccounts) {
      counts.oauth_tokens = await run('tokens');
      counts.credentials = await run('credentials');
      counts.integrations = await run('integrations');
      counts.accounts = await run('accounts');
    }
    return counts;
  }
}

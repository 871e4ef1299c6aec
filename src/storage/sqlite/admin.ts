import type { Database, Statement } from 'better-sqlite3';
import type { NewTenant, RemovedCounts, ResetScope, StoredTenant } from '../../domain/admin/types.js';
import type { Account, Integration, NewIntegration, WebhookFor } from '../../domain/types.js';
import { toAccount, toCredential, toIntegration } from '../rows.js';
import type { Row } from '../rows.js';
import { TenantTaken } from '../tenant-conflict.js';

/**
 * The admin API's writes on SQLite (tenants, resets, account deletion). Each method runs inside the
 * store's write queue, i.e. inside one IMMEDIATE transaction; the store wraps them.
 */
export class SqliteAdmin {
  private readonly s: ReturnType<typeof prepare>;

  constructor(
    db: Database,
    /** The store's own outbox writer, so an announced integration is queued exactly as elsewhere. */
    private readonly enqueueWebhook: (integration: Integration, webhook: WebhookFor, nowUs: number) => void,
  ) {
    this.s = prepare(db);
  }

  listAccounts(): Account[] {
    return (this.s.listAccounts.all() as Row[]).map(toAccount);
  }

  /** Runs in a write-queue job: a conflict throws, so the queue rolls back this tenant alone. */
  createTenant(tenant: NewTenant, nowUs: number, webhook: WebhookFor): StoredTenant {
    const account = toAccount(this.s.insertAccount.get(tenant.partner ? 1 : 0, nowUs) as Row);
    const { publicKey, secretHash, oauthOnly } = tenant.credential;
    const credentialRow = this.s.insertCredential.get(
      account.id,
      publicKey,
      secretHash,
      oauthOnly ? 1 : 0,
      nowUs,
    ) as Row | undefined;
    if (credentialRow === undefined) throw new TenantTaken({ taken: 'public_key', value: publicKey });
    const integrations = tenant.integrations.map((input) => {
      const row = this.s.insertIntegration.get({
        ...integrationParams(account.id, input, nowUs),
        id: input.id,
      }) as Row | undefined;
      if (row === undefined) throw new TenantTaken({ taken: 'integration_id', value: input.id ?? 0 });
      const integration = toIntegration(row);
      this.enqueueWebhook(integration, webhook, nowUs);
      return integration;
    });
    return { account, credential: toCredential(credentialRow), integrations };
  }

  /** Null when the scope names an account that does not exist. */
  reset(scope: ResetScope): RemovedCounts | null {
    const one = scope.accountId !== null;
    if (one && this.s.getAccount.get(scope.accountId) === undefined) return null;
    const run = (statements: { one: Statement; all: Statement }): number =>
      (one ? statements.one.run(scope.accountId) : statements.all.run()).changes;
    // v3 orders go with the shipments (not counted: the reset's answer predates them).
    run(this.s.deleteOrders);
    // Children before parents: each count is what that statement removed, not what a cascade hid.
    const counts: RemovedCounts = {
      shipments: run(this.s.deleteShipments),
      logs: run(this.s.deleteLogs),
      webhook_deliveries: run(this.s.deleteDeliveries),
      oauth_tokens: 0,
      credentials: 0,
      integrations: 0,
      accounts: 0,
    };
    if (!scope.keepAccounts) {
      counts.oauth_tokens = run(this.s.deleteTokens);
      counts.credentials = run(this.s.deleteCredentials);
      counts.integrations = run(this.s.deleteIntegrations);
      counts.accounts = run(this.s.deleteAccounts);
    }
    return counts;
  }
}

/** The named parameters of an integration insert (shared with the store's own `createIntegration`). */
export function integrationParams(accountId: number, input: NewIntegration, nowUs: number) {
  return {
    account_id: accountId,
    shop_name: input.shopName,
    shop_url: input.shopUrl,
    system: input.system,
    service_point_enabled: input.servicePointEnabled ? 1 : 0,
    service_point_carriers: JSON.stringify(input.servicePointCarriers ?? []),
    webhook_active: input.webhookActive ? 1 : 0,
    webhook_url: input.webhookUrl ?? null,
    webhook_signature_key: input.webhookSignatureKey,
    now: nowUs,
  };
}

/** One statement for a single account and one for every account, per kind of row. */
function scoped(db: Database, table: string, accountFilter: string) {
  return {
    one: db.prepare(`DELETE FROM ${table} WHERE ${accountFilter}`),
    all: db.prepare(`DELETE FROM ${table}`),
  };
}

function prepare(db: Database) {
  return {
    listAccounts: db.prepare('SELECT * FROM accounts ORDER BY id'),
    getAccount: db.prepare('SELECT id FROM accounts WHERE id = ?'),
    insertAccount: db.prepare('INSERT INTO accounts (partner, created_at_us) VALUES (?, ?) RETURNING *'),
    // A taken key or id inserts nothing and returns no row: the caller names the conflict.
    insertCredential: db.prepare(
      `INSERT INTO credentials (account_id, public_key, secret_hash, oauth_only, created_at_us)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (public_key) DO NOTHING RETURNING *`,
    ),
    insertIntegration: db.prepare(
      `INSERT INTO integrations (id, account_id, shop_name, shop_url, system, last_updated_at_us,
         service_point_enabled, service_point_carriers, webhook_active, webhook_url, webhook_signature_key,
         created_at_us)
       VALUES (@id, @account_id, @shop_name, @shop_url, @system, @now, @service_point_enabled,
         @service_point_carriers, @webhook_active, @webhook_url, @webhook_signature_key, @now)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
    ),
    // Each by an index on the account (or its integrations): the work is the rows removed, not the
    // size of the file.
    deleteShipments: scoped(
      db,
      'shipments',
      'integration_id IN (SELECT id FROM integrations WHERE account_id = ?)',
    ),
    deleteOrders: scoped(db, 'orders', 'account_id = ?'),
    deleteLogs: scoped(db, 'integration_logs', 'account_id = ?'),
    deleteDeliveries: scoped(db, 'webhook_outbox', 'account_id = ?'),
    deleteTokens: scoped(
      db,
      'oauth_tokens',
      'credential_id IN (SELECT id FROM credentials WHERE account_id = ?)',
    ),
    deleteCredentials: scoped(db, 'credentials', 'account_id = ?'),
    deleteIntegrations: scoped(db, 'integrations', 'account_id = ?'),
    deleteAccounts: scoped(db, 'accounts', 'id = ?'),
  };
}

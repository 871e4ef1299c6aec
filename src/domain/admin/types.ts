import type { Account, Credential, Integration, NewIntegration } from '../types.js';

/** A whole tenant written in one transaction: an account, its key pair and its integrations. */
export interface NewTenant {
  partner: boolean;
  credential: { publicKey: string; secretHash: string; oauthOnly: boolean };
  /** `id` null lets the database choose; a chosen id must be free. */
  integrations: (NewIntegration & { id: number | null })[];
}

export interface StoredTenant {
  account: Account;
  credential: Credential;
  integrations: Integration[];
}

/** A chosen identifier that another tenant already holds; nothing of the tenant was written. */
export interface TenantConflict {
  taken: 'public_key' | 'integration_id';
  value: string | number;
}

export type CreateTenantOutcome = { created: StoredTenant } | { conflict: TenantConflict };

/** What a reset acts on: one account or all of them; with `keepAccounts`, their identities stay. */
export interface ResetScope {
  accountId: number | null;
  keepAccounts: boolean;
}

/** Rows removed by a reset or an account deletion, per kind. */
export interface RemovedCounts {
  accounts: number;
  credentials: number;
  oauth_tokens: number;
  integrations: number;
  shipments: number;
  logs: number;
  webhook_deliveries: number;
}

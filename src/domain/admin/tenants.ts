import { newPublicKey, newSecretKey } from '../../auth/secrets.js';
import type { SecretHasher } from '../../auth/secrets.js';
import type { Store } from '../../storage/store.js';
import { announceConnected, newIntegration } from '../accounts.js';
import type { Clock } from '../clock.js';
import { isValidUrl } from '../drf/url.js';
import type { Account, Credential, Integration } from '../types.js';
import { adminErrors } from './errors.js';
import type { RemovedCounts, ResetScope } from './types.js';

/** What a suite may choose for a new tenant; everything left out is generated or takes its default. */
export interface TenantSpec {
  partner?: boolean;
  oauthOnly?: boolean;
  publicKey?: string;
  secretKey?: string;
  integrations?: {
    id?: number;
    shopName?: string;
    shopUrl?: string | null;
    system?: string;
    webhookUrl?: string | null;
    webhookActive?: boolean;
  }[];
}

/** A created tenant as its creator sees it: the one answer that carries the secrets. */
export interface CreatedTenant {
  account: Account;
  credential: Credential;
  secretKey: string;
  integrations: Integration[];
}

/** An account with what it owns, never a secret or a digest. */
export interface AccountView {
  account: Account;
  credentials: Credential[];
  integrations: Integration[];
}

/** Characters a key may hold: printable ASCII, and no colon (Basic auth splits user and password there). */
const KEY_TEXT = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * Tenants for test suites: a whole account (key pair, integrations, webhook settings) in one
 * transaction, optionally with chosen keys and ids so that fixtures can hard-code them; listing,
 * inspecting and deleting accounts; resetting their data.
 */
export class TenantService {
  constructor(
    private readonly store: Store,
    private readonly hasher: SecretHasher,
    private readonly clock: Clock,
    /** Called when the new tenant queued webhooks, so that a running dispatcher sends them at once. */
    private readonly onWebhookQueued?: () => void,
  ) {}

  async create(spec: TenantSpec): Promise<CreatedTenant> {
    const publicKey = spec.publicKey ?? newPublicKey();
    const secretKey = spec.secretKey ?? newSecretKey();
    if (!KEY_TEXT.test(publicKey) || publicKey.length > 128) {
      throw adminErrors.invalidRequest(
        'public_key must be 1 to 128 printable ASCII characters without spaces or ":".',
      );
    }
    if (!KEY_TEXT.test(secretKey) || secretKey.length < 16 || secretKey.length > 256) {
      throw adminErrors.invalidRequest(
        'secret_key must be 16 to 256 printable ASCII characters without spaces or ":".',
      );
    }
    const wanted = spec.integrations ?? [{}];
    const ids = new Set<number>();
    wanted.forEach((integration, i) => {
      for (const field of ['shopUrl', 'webhookUrl'] as const) {
        const url = integration[field];
        if (url !== undefined && url !== null && !isValidUrl(url)) {
          const name = field === 'shopUrl' ? 'shop_url' : 'webhook_url';
          throw adminErrors.invalidRequest(`integrations/${i}/${name} must be a valid URL.`);
        }
      }
      if (integration.webhookActive === true && !integration.webhookUrl) {
        throw adminErrors.invalidRequest(`integrations/${i}: webhook_active needs a webhook_url.`);
      }
      if (integration.id !== undefined) {
        if (ids.has(integration.id)) {
          throw adminErrors.invalidRequest(`integrations/${i}/id ${integration.id} is given twice.`);
        }
        ids.add(integration.id);
      }
    });

    const nowUs = this.clock.nowUs();
    const outcome = await this.store.createTenant(
      {
        partner: spec.partner ?? true,
        credential: {
          publicKey,
          secretHash: this.hasher.hash(secretKey),
          oauthOnly: spec.oauthOnly ?? false,
        },
        integrations: wanted.map(({ id, ...settings }) => ({ ...newIntegration(settings), id: id ?? null })),
      },
      nowUs,
      announceConnected(nowUs),
    );
    if ('conflict' in outcome) throw adminErrors.taken(outcome.conflict.taken, outcome.conflict.value);
    const { account, credential, integrations } = outcome.created;
    if (integrations.some((integration) => integration.webhookActive)) this.onWebhookQueued?.();
    return { account, credential, secretKey, integrations };
  }

  async list(): Promise<AccountView[]> {
    const [accounts, credentials, integrations] = await Promise.all([
      this.store.listAccounts(),
      this.store.listCredentials(null),
      this.store.listIntegrations(null),
    ]);
    const views = new Map<number, AccountView>(
      accounts.map((account) => [account.id, { account, credentials: [], integrations: [] }]),
    );
    for (const credential of credentials) views.get(credential.accountId)?.credentials.push(credential);
    for (const integration of integrations) views.get(integration.accountId)?.integrations.push(integration);
    return [...views.values()];
  }

  async get(accountId: number): Promise<AccountView> {
    const account = await this.store.getAccount(accountId);
    if (account === null) throw adminErrors.accountNotFound(accountId);
    const [credentials, integrations] = await Promise.all([
      this.store.listCredentials(accountId),
      this.store.listIntegrations(accountId),
    ]);
    return { account, credentials, integrations };
  }

  /** The account and everything it owns; what was removed, per kind. */
  async delete(accountId: number): Promise<RemovedCounts> {
    return this.reset({ accountId, keepAccounts: false });
  }

  /**
   * Removes the scope's data in one transaction. Row deletes by index: the time grows with what is
   * removed, not with the database's history (no copy, no VACUUM).
   */
  async reset(scope: ResetScope): Promise<RemovedCounts> {
    const removed = await this.store.resetData(scope);
    if (removed === null) throw adminErrors.accountNotFound(scope.accountId ?? 0);
    return removed;
  }
}

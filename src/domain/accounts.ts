import { newPublicKey, newSecretKey, newWebhookSignatureKey } from '../auth/secrets.js';
import type { SecretHasher } from '../auth/secrets.js';
import type { Store } from '../storage/store.js';
import type { Clock } from './clock.js';
import { webhookFor } from './webhooks/payload.js';
import type { Credential, Integration, NewIntegration, WebhookFor } from './types.js';

/** A credential as it is shown once, at creation: the only time the secret exists outside the caller. */
export interface IssuedCredential {
  credential: Credential;
  secretKey: string;
}

/** A new integration's settings: what is not given takes the panel's defaults; a fresh signing key. */
export function newIntegration(
  input: Partial<Omit<NewIntegration, 'webhookSignatureKey'>> = {},
): NewIntegration {
  return {
    shopName: input.shopName ?? 'My webshop',
    shopUrl: input.shopUrl ?? null,
    system: input.system ?? 'api',
    servicePointEnabled: input.servicePointEnabled ?? false,
    servicePointCarriers: input.servicePointCarriers ?? [],
    webhookActive: input.webhookActive ?? false,
    webhookUrl: input.webhookUrl ?? null,
    webhookSignatureKey: newWebhookSignatureKey(),
  };
}

/** A created integration is announced with `integration_connected` (when its webhook is on). */
export const announceConnected =
  (nowUs: number): WebhookFor =>
  (integration) =>
    webhookFor('integration_connected', integration, nowUs);

/** Creating tenants, keys and integrations: what the command line (Sendcloud's panel) does. */
export class AccountService {
  constructor(
    private readonly store: Store,
    private readonly hasher: SecretHasher,
    private readonly clock: Clock,
  ) {}

  async issueCredential(accountId: number, oauthOnly = false): Promise<IssuedCredential> {
    // Secrets are shown once, here; only their digest is stored (docs/behaviour.md).
    const secretKey = newSecretKey();
    const credential = await this.store.createCredential({
      accountId,
      publicKey: newPublicKey(),
      secretHash: this.hasher.hash(secretKey),
      oauthOnly,
      nowUs: this.clock.nowUs(),
    });
    return { credential, secretKey };
  }

  /**
   * Integrations are created outside the API (Sendcloud's panel; here the command line). Creation
   * fires `integration_connected` when the webhook is on: the outbox entry is written with it, and a
   * running server delivers it.
   */
  createIntegration(
    accountId: number,
    input: Partial<Omit<NewIntegration, 'webhookSignatureKey'>> = {},
  ): Promise<Integration> {
    const nowUs = this.clock.nowUs();
    return this.store.createIntegration(accountId, newIntegration(input), nowUs, announceConnected(nowUs));
  }

  /** A new tenant: an account, one credential and one `api` integration. */
  async bootstrap(
    partner = true,
  ): Promise<{ accountId: number; issued: IssuedCredential; integration: Integration }> {
    const account = await this.store.createAccount({ partner, nowUs: this.clock.nowUs() });
    const issued = await this.issueCredential(account.id);
    const integration = await this.createIntegration(account.id);
    return { accountId: account.id, issued, integration };
  }
}

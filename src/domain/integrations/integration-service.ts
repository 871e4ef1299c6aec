import type { Store } from '../../storage/store.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import type { Integration, IntegrationChanges } from '../types.js';
import { webhookFor } from '../webhooks/payload.js';
import { validateIntegrationUpdate } from './integration-update.js';
import { orderIntegrations, renderIntegration, renderIntegrationUpdate } from './integration-view.js';

/**
 * Integrations (docs/behaviour.md). Every change writes its webhook to the outbox in the same transaction,
 * then tells the dispatcher (`onWebhookQueued`) so delivery starts at once rather than at the next poll.
 */
export class IntegrationService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onWebhookQueued: () => void = () => undefined,
  ) {}

  async list(accountId: number, ordering: string | null) {
    return orderIntegrations(await this.store.listIntegrations(accountId), ordering).map(renderIntegration);
  }

  get(integration: Integration) {
    return renderIntegration(integration);
  }

  /** The account's integrations as records, for a surface that shows them its own way (v3). */
  records(accountId: number): Promise<Integration[]> {
    return this.store.listIntegrations(accountId);
  }

  /** PUT and PATCH alike: any subset of the IntegrationUpdate fields; omitted ones keep their values. */
  async update(integration: Integration, body: unknown) {
    return renderIntegrationUpdate(
      await this.apply(integration, validateIntegrationUpdate(integration, body)),
    );
  }

  /**
   * Applies validated changes, whichever version validated them: one write, one `integration_updated`
   * webhook, as v2's update sends it.
   */
  async apply(integration: Integration, changes: IntegrationChanges): Promise<Integration> {
    const nowUs = this.clock.nowUs();
    const updated = await this.store.updateIntegration(
      integration.accountId,
      integration.id,
      changes,
      nowUs,
      (i) => webhookFor('integration_updated', i, nowUs),
    );
    if (updated === null) throw errors.integrationNotFound();
    if (updated.webhookActive) this.onWebhookQueued();
    return updated;
  }

  /** Deletes it with its shipments and logs; credentials and tokens are the account's and stay. */
  async delete(integration: Integration): Promise<void> {
    const nowUs = this.clock.nowUs();
    const deleted = await this.store.deleteIntegration(integration.accountId, integration.id, nowUs, (i) =>
      webhookFor('integration_deleted', i, nowUs),
    );
    if (!deleted) throw errors.integrationNotFound();
    if (integration.webhookActive) this.onWebhookQueued();
  }
}

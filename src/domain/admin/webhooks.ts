import type { Store } from '../../storage/store.js';
import type { WebhookAttempt, WebhookDelivery } from '../types.js';
import { signWebhook } from '../webhooks/payload.js';
import { adminErrors } from './errors.js';

/** Which deliveries a suite asks for; null filters nothing. */
export interface WebhookFilter {
  accountId: number | null;
  integrationId: number | null;
  limit: number;
}

/** A delivery as its receiver saw it (or would have): the exact body, its signature, every attempt. */
export interface RecordedDelivery {
  delivery: WebhookDelivery;
  /** The `Sendcloud-Signature` header value the body is (or would have been) sent with. */
  signature: string;
  attempts: (WebhookAttempt & { captured: boolean })[];
  /** Delivered in capture mode: recorded, never sent. */
  captured: boolean;
}

/**
 * A captured attempt is recorded without a request, so it has neither a status code nor an error;
 * every sent attempt has one or the other (a status, or the reason there is none).
 */
export const isCapturedAttempt = (attempt: WebhookAttempt): boolean =>
  attempt.statusCode === null && attempt.error === null;

/** The outbox and its attempt log, newest delivery first, for suites that assert on webhooks. */
export class WebhookLog {
  constructor(private readonly store: Store) {}

  async list(filter: WebhookFilter): Promise<RecordedDelivery[]> {
    if (filter.accountId !== null && (await this.store.getAccount(filter.accountId)) === null) {
      throw adminErrors.accountNotFound(filter.accountId);
    }
    // By integration the store filters; an account's deliveries (a reset removes them) are few.
    const deliveries = (await this.store.listWebhookDeliveries(filter.integrationId))
      .filter((d) => filter.accountId === null || d.accountId === filter.accountId)
      .reverse()
      .slice(0, filter.limit);
    return deliveries.map(({ attemptLog, ...delivery }) => {
      const attempts = attemptLog.map((attempt) => ({ ...attempt, captured: isCapturedAttempt(attempt) }));
      return {
        delivery,
        signature: signWebhook(delivery.body, delivery.signatureKey),
        attempts,
        captured: delivery.status === 'delivered' && attempts.some((attempt) => attempt.captured),
      };
    });
  }
}

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { Store } from '../storage/store.js';

/**
 * Prunes the webhook outbox: delivered and given-up deliveries, with their attempts, once their last
 * attempt is older than the retention. Without it every change of an integration whose webhook target
 * is down leaves about 1.3 KB behind forever. Pending deliveries are never pruned, however old.
 *
 * A pass deletes in batches, one short transaction each, so a large backlog never holds SQLite's write
 * lock for long: other writes queued meanwhile run between two batches.
 */
export interface WebhookRetention {
  /** Runs one pass now; resolves with how many deliveries it deleted. */
  prune(): Promise<number>;
  /** Stops the schedule and resolves once a running pass has finished its batch. */
  stop(): Promise<void>;
}

export interface RetentionDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'webhookRetentionDays'>;
  /** Time between passes; the first runs at start. */
  intervalMs?: number;
  /** Deliveries deleted per transaction. */
  batchSize?: number;
}

const DAY_US = 86_400_000_000;

export function startWebhookRetention(deps: RetentionDeps): WebhookRetention {
  const { store, clock, config, intervalMs = 3_600_000, batchSize = 500 } = deps;
  const log = deps.logger.child({ component: 'webhook-retention' });
  let stopped = false;
  let running: Promise<number> | null = null;

  const pass = async (): Promise<number> => {
    const beforeUs = clock.nowUs() - config.webhookRetentionDays * DAY_US;
    let deleted = 0;
    while (!stopped) {
      const n = await store.pruneWebhooks(beforeUs, batchSize);
      deleted += n;
      if (n < batchSize) break;
      await nextTurn();
    }
    if (deleted > 0) log.info({ deleted }, 'pruned finished webhook deliveries');
    return deleted;
  };

  const prune = (): Promise<number> => (running ??= pass().finally(() => (running = null)));

  const scheduled = (): void => {
    // A database that is unavailable now is tried again at the next pass; nothing is lost by waiting.
    prune().catch((error: unknown) => log.warn({ err: error }, 'webhook retention pass failed'));
  };
  const timer = setInterval(scheduled, intervalMs);
  timer.unref();
  scheduled();

  return {
    prune,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

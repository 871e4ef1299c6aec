import type { Config } from '../config.js';
import { FAILED_AUTH_DELAY_MS } from '../http/admin/auth.js';

/** A duration as a person reads it: `1 s`, `5 min`, `250 ms`. */
export function describeMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** What the log lines are, and why: the banner says it in dev mode. */
export function describeLogs(config: Config, actual: 'json' | 'pretty'): string {
  if (actual === 'pretty') return 'human-readable (pino-pretty)';
  if (config.logFormat === 'pretty')
    return 'JSON, one object a line (pino-pretty, an optional dependency, is not installed)';
  return 'JSON, one object a line (LOG_FORMAT=json)';
}

/**
 * The dev preset, one line per thing it sets, each as it came out: a setting given explicitly wins over
 * the preset, and the line then says what is in force. Only for `--dev` (or ORDER_INBOX_DEV=on).
 */
export function devPresetLines(
  config: Config,
  logFormat: 'json' | 'pretty',
  tokenShown = 'printed below',
): string[] {
  const base = config.webhookRetryBaseMs;
  return [
    'dev mode (--dev); a setting given explicitly wins over each of these:',
    `  rate limits          ${config.rateLimit ? 'on (RATE_LIMIT=on)' : 'off'}`,
    `  failed-auth limits   none: no lockout after failed logins, in any mode; a wrong admin token is answered after ${FAILED_AUTH_DELAY_MS} ms`,
    `  webhooks             ${config.webhookDelivery === 'capture' ? 'captured, never sent' : 'sent (WEBHOOK_DELIVERY=send)'}`,
    `  webhook retries      first after ${describeMs(base)}, then doubling, at most ${describeMs(base * 12)} apart`,
    `  admin token          ${config.adminTokenGenerated ? `generated, ${tokenShown}` : 'given (--admin-token or ADMIN_TOKEN), not printed'}`,
    `  logs                 ${describeLogs(config, logFormat)}`,
  ];
}

import { createHmac } from 'node:crypto';
import { renderIntegration } from '../integrations/integration-view.js';
import type { Integration, WebhookMessage } from '../types.js';

export type WebhookAction = WebhookMessage['action'];

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    if (ESCAPES[ch] !== undefined) out += ESCAPES[ch];
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Python's `json.dumps` with its defaults (`", "` and `": "` separators, ASCII only): the bytes
 * Sendcloud's own webhooks carry, as its reference's signing example shows.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : JSON.stringify(value);
  if (typeof value === 'string') return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${pyJsonString(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
}

/** `Sendcloud-Signature`: hex HMAC-SHA256 of the raw body, keyed with the webhook signature key. */
export function signWebhook(body: string, signatureKey: string): string {
  return createHmac('sha256', signatureKey).update(body, 'utf8').digest('hex');
}

/**
 * The delivery for a change, or null when the integration's webhook is off (read after the change,
 * docs/behaviour.md). `timestamp` is milliseconds since the epoch.
 */
export function webhookFor(
  action: WebhookAction,
  integration: Integration,
  nowUs: number,
): WebhookMessage | null {
  if (!integration.webhookActive || integration.webhookUrl === null || integration.webhookUrl === '')
    return null;
  const body = pythonJsonDumps({
    action,
    timestamp: Math.floor(nowUs / 1000),
    integration: renderIntegration(integration),
  });
  return { action, url: integration.webhookUrl, body, signatureKey: integration.webhookSignatureKey };
}

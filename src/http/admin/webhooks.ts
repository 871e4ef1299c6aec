/**
 * `GET /__admin/webhooks`: the outgoing webhooks — every delivery in the outbox with the exact body it
 * carries, its signature, its target and every attempt — so a suite can assert on what its receiver got
 * or, in capture mode, would have got.
 */
import type { RecordedDelivery, WebhookLog } from '../../domain/admin/webhooks.js';
import type { AdminOperation } from './routes.js';
import { iso, time } from './schemas.js';

const optionalTime = { ...time, type: ['string', 'null'] } as const;
const wholeNumber = (description: string) =>
  ({ type: 'string', pattern: '^[0-9]{1,15}$', description }) as const;

export const webhookQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    account_id: wholeNumber("Only this account's deliveries (404 when there is no such account)."),
    integration_id: wholeNumber(
      "Only this integration's deliveries (a deleted integration's `integration_deleted` too).",
    ),
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1 to 1000, default 100.' },
  },
} as const;

const attemptSchema = {
  type: 'object',
  required: ['attempted_at', 'status_code', 'error', 'duration_ms', 'outcome', 'captured'],
  properties: {
    attempted_at: time,
    status_code: { type: ['integer', 'null'], description: "The receiver's status; null when none came." },
    error: { type: ['string', 'null'], description: 'Why the attempt failed, when it did.' },
    duration_ms: { type: 'integer', minimum: 0 },
    outcome: {
      type: 'string',
      enum: ['captured', 'delivered', 'retry', 'failed'],
      description:
        '`captured`: recorded in capture mode, not sent; `delivered`: a 2xx; `retry`: failed, tried again later; `failed`: the last attempt of a delivery given up.',
    },
    captured: { type: 'boolean' },
  },
} as const;

const deliverySchema = {
  type: 'object',
  required: [
    'id',
    'account_id',
    'integration_id',
    'action',
    'url',
    'status',
    'captured',
    'created_at',
    'next_attempt_at',
    'delivered_at',
    'body',
    'payload',
    'signature',
    'attempts',
  ],
  properties: {
    id: { type: 'integer' },
    account_id: { type: 'integer' },
    integration_id: { type: 'integer' },
    action: {
      type: 'string',
      description: 'integration_connected, integration_updated, integration_deleted.',
    },
    url: { type: 'string', description: 'The target: the webhook URL at the time of the change.' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    captured: { type: 'boolean', description: 'Delivered in capture mode: recorded, never sent.' },
    created_at: time,
    next_attempt_at: { ...optionalTime, description: 'When a pending delivery is tried next.' },
    delivered_at: optionalTime,
    body: {
      type: 'string',
      description: 'The exact bytes POSTed (or that would have been): what `signature` signs.',
    },
    payload: { description: '`body` parsed, for convenience.' },
    signature: {
      type: 'string',
      description:
        "The `Sendcloud-Signature` header: HMAC-SHA256 of `body` with the integration's webhook signature key, hex.",
    },
    attempts: { type: 'array', items: attemptSchema, description: 'Oldest first.' },
  },
} as const;

export const webhookListSchema = {
  type: 'object',
  required: ['deliveries'],
  properties: { deliveries: { type: 'array', items: deliverySchema, description: 'Newest first.' } },
} as const;

function deliveryView({ delivery, signature, attempts, captured }: RecordedDelivery) {
  return {
    id: delivery.id,
    account_id: delivery.accountId,
    integration_id: delivery.integrationId,
    action: delivery.action,
    url: delivery.url,
    status: delivery.status,
    captured,
    created_at: iso(delivery.createdAtUs),
    next_attempt_at: delivery.status === 'pending' ? iso(delivery.nextAttemptAtUs) : null,
    delivered_at: delivery.deliveredAtUs === null ? null : iso(delivery.deliveredAtUs),
    body: delivery.body,
    payload: JSON.parse(delivery.body) as unknown,
    signature,
    attempts: attempts.map((attempt, i) => ({
      attempted_at: iso(attempt.attemptedAtUs),
      status_code: attempt.statusCode,
      error: attempt.error,
      duration_ms: attempt.durationMs,
      outcome: attempt.captured
        ? 'captured'
        : attempt.error === null && attempt.statusCode !== null && attempt.statusCode < 300
          ? 'delivered'
          : delivery.status === 'failed' && i === attempts.length - 1
            ? 'failed'
            : 'retry',
      captured: attempt.captured,
    })),
  };
}

const optionalId = (value: string | undefined): number | null => (value === undefined ? null : Number(value));

export function webhookOperations(log: WebhookLog): AdminOperation[] {
  return [
    {
      method: 'GET',
      path: '/webhooks',
      operationId: 'listWebhooks',
      summary:
        'Outgoing webhook deliveries, newest first, each with its exact body, signature, target, status and every attempt (`captured` when WEBHOOK_DELIVERY=capture recorded it without sending).',
      query: webhookQuery,
      success: { status: 200, description: 'The deliveries.', schema: webhookListSchema },
      errors: {
        400: 'A query parameter does not match the schema (`invalid_request`).',
        404: 'No such account (`account_not_found`).',
      },
      handle: async ({ query }) => ({
        deliveries: (
          await log.list({
            accountId: optionalId(query.account_id),
            integrationId: optionalId(query.integration_id),
            limit: Number(query.limit ?? 100),
          })
        ).map(deliveryView),
      }),
    },
  ];
}

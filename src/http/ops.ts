/**
 * Operating order-inbox: liveness, readiness and Prometheus metrics. The routes can live
 * on the main app or on a separate operations app (`OPS_PORT`); the metrics registry is per app, never
 * prom-client's global one, so several apps in one process (the tests) never share counters.
 *
 * No label carries an account, key, integration id or raw path: `operation` is the route's operation
 * name (a fixed set), `method` one of a fixed set, `status` a number.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Readiness, Store } from '../storage/store.js';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'operation' | 'method' | 'status'>;
  httpDuration: Histogram<'operation'>;
  /** For the webhook dispatcher: one increment per attempt's outcome. */
  webhookDeliveries: Counter<'outcome'>;
  rateLimited: Counter<'operation'>;
}

export type WebhookOutcome = 'delivered' | 'retry' | 'failed';
const WEBHOOK_OUTCOMES: readonly WebhookOutcome[] = ['delivered', 'retry', 'failed'];

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const READY_TIMEOUT_MS = 1000;

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const webhookDeliveries = new Counter({
    name: 'order_inbox_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered, retry (failed, will be retried), failed (given up).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // Every outcome is exported from the start, so a rate() never starts from a missing series.
  for (const outcome of WEBHOOK_OUTCOMES) webhookDeliveries.inc({ outcome }, 0);
  return {
    registry,
    httpRequests: new Counter({
      name: 'order_inbox_http_requests_total',
      help: 'HTTP requests answered, by operation, method and status.',
      labelNames: ['operation', 'method', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'order_inbox_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its answer, by operation.',
      labelNames: ['operation'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    webhookDeliveries,
    rateLimited: new Counter({
      name: 'order_inbox_rate_limited_requests_total',
      help: 'Requests refused with 429 by the rate limiter, by operation.',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
  };
}

/** The operation of a request: its route's name, `other` for an unnamed route, `not_found` without one. */
export function operationOf(request: FastifyRequest): string {
  const operation = request.routeOptions.config.operation;
  if (operation !== undefined) return operation;
  return request.routeOptions.url === undefined ? 'not_found' : 'other';
}

/** An `onResponse` hook for the main app: counts every answer and its latency. */
export function recordRequest(metrics: Metrics) {
  return (request: FastifyRequest, reply: FastifyReply): void => {
    const operation = operationOf(request);
    const method = METHODS.has(request.method) ? request.method : 'other';
    metrics.httpRequests.inc({ operation, method, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ operation }, reply.elapsedTime / 1000);
    if (reply.statusCode === 429) metrics.rateLimited.inc({ operation });
  };
}

/** The store's readiness, or unready when it does not answer within the timeout. */
async function storeReadiness(store: Store, timeoutMs: number): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Readiness>((resolve) => {
    timer = setTimeout(
      () => resolve({ ready: false, reason: 'database did not answer within 1 s' }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      store.readiness().catch((error: unknown) => ({
        ready: false as const,
        reason: store.unavailableReason(error) ?? 'database not reachable',
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz` (the process is up), `GET /readyz` (writes can commit, per the store, within a second) and
 * `GET /metrics` (Prometheus text). Hidden from the OpenAPI document; no authentication — move them to
 * their own port (`OPS_PORT`) where they must not be public.
 */
export function registerOps(app: FastifyInstance, deps: { store: Store; metrics: Metrics }): void {
  const hidden = { schema: { hide: true } };
  app.get('/healthz', { ...hidden, config: { operation: 'healthz' } }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );
  app.get('/readyz', { ...hidden, config: { operation: 'readyz' } }, async (_request, reply) => {
    const readiness = await storeReadiness(deps.store, READY_TIMEOUT_MS);
    return reply
      .code(readiness.ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(readiness.ready ? { status: 'ok' } : { status: 'unavailable', reason: readiness.reason });
  });
  app.get('/metrics', { ...hidden, config: { operation: 'metrics' } }, async (_request, reply) =>
    reply
      .header('content-type', deps.metrics.registry.contentType)
      .header('cache-control', 'no-store')
      .send(await deps.metrics.registry.metrics()),
  );
}

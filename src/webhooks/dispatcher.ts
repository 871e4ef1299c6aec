import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { urlToHttpOptions } from 'node:url';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { WebhookAttempt, WebhookDelivery, WebhookStatus } from '../domain/types.js';
import { signWebhook } from '../domain/webhooks/payload.js';
import type { Store } from '../storage/store.js';
import { AddressRefusedError, guardedLookup, refusedLiteralHost } from './address-guard.js';

/**
 * Delivers the webhook outbox (docs/behaviour.md). Each instance polls the store, claims due deliveries
 * under a lease (so of several instances on one database exactly one sends each), POSTs the stored
 * body as is, and records every attempt with the delivery's next state.
 *
 * Delivery is at least once, never exactly once: the receiver's 2xx and our record of it are two
 * systems. A crash (or a lost database) after the 2xx and before `recordWebhookAttempt` commits
 * leaves the delivery pending; its lease runs out and it is sent again. The same happens if an
 * attempt outlives its lease, which the lease length below makes impossible in practice. Receivers
 * tell repeats apart by the payload's `timestamp` (the webhooks reference says so for reordering).
 */
export interface WebhookDispatcher {
  /** Look for due deliveries now (the server calls it after a change that wrote the outbox). */
  kick(): void;
  /**
   * Looks for due deliveries now and resolves once a round that started after this call has attempted
   * and recorded them (the server calls it when the clock moves forward, so a test that advanced the
   * clock past a retry reads the attempt as soon as its call returns).
   */
  flush(): Promise<void>;
  /** Stops polling and resolves once in-flight attempts are recorded (each bounded by the timeout). */
  stop(): Promise<void>;
}

export type WebhookOutcome = 'delivered' | 'retry' | 'failed';

export interface DispatcherDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'webhookRetryBaseMs' | 'webhookAllowPrivate' | 'webhookPollMs'>;
  /** Success is a 2xx within this many milliseconds (docs/behaviour.md: 10 seconds). */
  timeoutMs?: number;
  /** Called once per recorded attempt, for metrics. */
  onOutcome?: (outcome: WebhookOutcome) => void;
  userAgent?: string;
  /** How an attempt reaches the receiver: an HTTP POST unless another sender (capture mode) is given. */
  send?: Sender;
}

/** "Sendcloud will retry sending the update 10 times" (webhooks reference, info.description). */
export const MAX_RETRIES = 10;

/** Deliveries claimed per round; a full round is followed at once by another. */
const CLAIM_LIMIT = 16;

/**
 * Longest pause between polls while the store keeps failing (a database outage): the pause doubles
 * from the poll interval up to this, and the first round that succeeds goes back to the interval.
 */
const MAX_STORE_BACKOFF_MS = 30_000;

/** Longest error text kept per attempt; a receiver's error is not ours to store in full. */
const MAX_ERROR_LENGTH = 500;

/**
 * Delay before retry `retryNumber` (1-based): the base, doubling, capped at 12× the base — with the
 * default 5 minutes that is 5, 10, 20, 40, 60, 60… minutes, "starting with a 5 minute delay, and a
 * maximum delay of 1 hour between retries" (webhooks reference, info.description).
 */
export function retryDelayMs(retryNumber: number, baseMs: number): number {
  const n = Math.max(1, Math.floor(retryNumber));
  // Capping the exponent first keeps 2 ** n finite for any retry number.
  return Math.min(baseMs * 2 ** Math.min(n - 1, 8), baseMs * 12);
}

/** What one attempt came to, before it is turned into a store record. */
export type AttemptResult =
  | { kind: 'success'; statusCode: number }
  /** Recorded as delivered without a request: no status code and no error. */
  | { kind: 'captured'; statusCode: null }
  | { kind: 'retry'; statusCode: number | null; error: string | null }
  /** Retrying cannot help (a refused address, a URL we cannot send to): fail the delivery now. */
  | { kind: 'permanent'; statusCode: null; error: string };

class AttemptTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timeout: no response within ${timeoutMs} ms`);
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const text =
      code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
    return text.slice(0, MAX_ERROR_LENGTH);
  }
  return String(error).slice(0, MAX_ERROR_LENGTH);
}

/** Scheme, host and port only: a webhook URL's path or query may carry the receiver's own secret. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  userAgent: string;
}

export type Sender = (delivery: WebhookDelivery, options: SendOptions) => Promise<AttemptResult>;

/** One POST of a delivery: the stored body byte for byte, signed, redirects not followed. */
function send(delivery: WebhookDelivery, options: SendOptions): Promise<AttemptResult> {
  let url: URL;
  try {
    url = new URL(delivery.url);
  } catch {
    return Promise.resolve({ kind: 'permanent', statusCode: null, error: 'invalid webhook url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.resolve({
      kind: 'permanent',
      statusCode: null,
      error: `unsupported webhook url scheme "${url.protocol}"`,
    });
  }
  if (!options.allowPrivate) {
    const refused = refusedLiteralHost(url.hostname);
    if (refused) return Promise.resolve({ kind: 'permanent', statusCode: null, error: refused.message });
  }

  const body = Buffer.from(delivery.body, 'utf8');
  const requestOptions: RequestOptions = {
    ...urlToHttpOptions(url),
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      'Sendcloud-Signature': signWebhook(delivery.body, delivery.signatureKey),
      'User-Agent': options.userAgent,
    },
    // A fresh connection per attempt: no pooled socket bypasses the address check, and nothing
    // lingers after stop().
    agent: false,
    ...(options.allowPrivate ? {} : { lookup: guardedLookup() }),
  };

  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    let req: ClientRequest | null = null;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    // One deadline for the whole exchange: name lookup, connect, request and response headers.
    const deadline = setTimeout(() => {
      const timeout = new AttemptTimeout(options.timeoutMs);
      finish({ kind: 'retry', statusCode: null, error: timeout.message });
      req?.destroy(timeout);
    }, options.timeoutMs);

    const onResponse = (res: IncomingMessage): void => {
      const statusCode = res.statusCode ?? 0;
      // The status decides; the body is drained and dropped, and the socket closed soon after.
      res.resume();
      res.on('error', () => undefined);
      res.on('end', () => req?.destroy());
      setTimeout(() => req?.destroy(), 1_000).unref();
      if (statusCode >= 200 && statusCode < 300) {
        finish({ kind: 'success', statusCode });
      } else if (statusCode >= 300 && statusCode < 400) {
        // docs/behaviour.md: redirects are not followed (a client turns a redirected POST into a GET).
        finish({ kind: 'retry', statusCode, error: 'redirect not followed' });
      } else {
        finish({ kind: 'retry', statusCode, error: null });
      }
    };

    try {
      req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(requestOptions, onResponse);
    } catch (error) {
      finish({ kind: 'permanent', statusCode: null, error: errorText(error) });
      return;
    }
    req.on('error', (error) => {
      if (error instanceof AddressRefusedError)
        finish({ kind: 'permanent', statusCode: null, error: error.message });
      else finish({ kind: 'retry', statusCode: null, error: errorText(error) });
    });
    req.end(body);
  });
}

export function startWebhookDispatcher(deps: DispatcherDeps): WebhookDispatcher {
  const { store, clock, logger, config } = deps;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const userAgent = deps.userAgent ?? 'order-inbox-webhooks';
  const sender = deps.send ?? send;
  // Long enough that an attempt always ends (timeout) and is recorded before another instance may
  // take the delivery over; short enough that a crashed instance's claims come back within a minute.
  const leaseUs = Math.max(60_000, timeoutMs * 3) * 1000;
  const log = logger.child({ component: 'webhooks' });

  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  /** Rounds in a row that the store failed; the back-off grows with it. */
  let storeFailures = 0;
  /** `flush()` callers waiting for the next round to end. */
  let flushWaiters: (() => void)[] = [];

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, Math.max(0, delayMs));
    // The dispatcher never keeps a process alive on its own; the server (or a test) owns its life.
    timer.unref();
  };

  async function attempt(delivery: WebhookDelivery): Promise<number | null> {
    const attemptNumber = delivery.attempts + 1;
    const attemptedAtUs = clock.nowUs();
    const started = performance.now();
    let result: AttemptResult;
    try {
      result = await sender(delivery, { timeoutMs, allowPrivate: config.webhookAllowPrivate, userAgent });
    } catch (error) {
      result = { kind: 'retry', statusCode: null, error: errorText(error) };
    }
    const durationMs = Math.round(performance.now() - started);

    let status: WebhookStatus;
    let outcome: WebhookOutcome;
    let retryInMs: number | null = null;
    if (result.kind === 'success' || result.kind === 'captured') {
      status = 'delivered';
      outcome = 'delivered';
    } else if (result.kind === 'permanent' || attemptNumber > MAX_RETRIES) {
      // The first attempt plus MAX_RETRIES retries, then "Sendcloud will stop trying".
      status = 'failed';
      outcome = 'failed';
    } else {
      status = 'pending';
      outcome = 'retry';
      retryInMs = retryDelayMs(attemptNumber, config.webhookRetryBaseMs);
    }
    const record: WebhookAttempt = {
      attemptedAtUs,
      statusCode: result.statusCode,
      error: 'error' in result ? result.error : null,
      durationMs,
    };
    // The back-off counts from the end of the attempt, so a slow failure still waits a full delay.
    const nextAttemptAtUs = retryInMs === null ? clock.nowUs() : clock.nowUs() + retryInMs * 1000;
    await store.recordWebhookAttempt(delivery.id, record, { status, nextAttemptAtUs });

    deps.onOutcome?.(outcome);
    // Never the body or the signature key; the URL only as its origin.
    const fields = {
      deliveryId: delivery.id,
      integrationId: delivery.integrationId,
      action: delivery.action,
      target: originOf(delivery.url),
      attempt: attemptNumber,
      statusCode: record.statusCode,
      error: record.error,
      durationMs,
      outcome,
    };
    if (result.kind === 'captured') log.info(fields, 'webhook captured, not sent');
    else if (outcome === 'delivered') log.info(fields, 'webhook delivered');
    else if (outcome === 'retry') log.warn({ ...fields, retryInMs }, 'webhook attempt failed; will retry');
    else log.error(fields, 'webhook delivery failed; giving up');
    return retryInMs;
  }

  /** One claim-and-send round; returns how many were claimed and the soonest retry it scheduled. */
  async function round(): Promise<{ claimed: number; soonestRetryMs: number | null }> {
    const due = await store.claimWebhooks(clock.nowUs(), leaseUs, CLAIM_LIMIT);
    let soonestRetryMs: number | null = null;
    const results = await Promise.allSettled(due.map((d) => attempt(d)));
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        if (r.value !== null) soonestRetryMs = Math.min(soonestRetryMs ?? r.value, r.value);
        return;
      }
      // Not recorded: the lease runs out and the delivery is tried again (at least once).
      log.error({ err: r.reason, deliveryId: due[i]?.id }, 'could not record a webhook attempt');
    });
    return { claimed: due.length, soonestRetryMs };
  }

  function tick(): void {
    timer = null;
    if (stopped || running) return;
    let nextDelay = config.webhookPollMs;
    running = (async () => {
      do {
        again = false;
        const waiting = flushWaiters;
        flushWaiters = [];
        try {
          const { claimed, soonestRetryMs } = await round();
          if (claimed === CLAIM_LIMIT) again = true;
          // A retry due before the next poll is picked up on time, not a poll interval late.
          if (soonestRetryMs !== null) nextDelay = Math.min(nextDelay, soonestRetryMs);
          storeFailures = 0;
        } catch (error) {
          // The claim failed (the database is down or the connection was lost), so nothing was sent:
          // wait, longer each time, and try again. The dispatcher never stops on its own.
          storeFailures++;
          const backoffMs = Math.min(
            config.webhookPollMs * 2 ** Math.min(storeFailures - 1, 16),
            Math.max(config.webhookPollMs, MAX_STORE_BACKOFF_MS),
          );
          nextDelay = backoffMs;
          again = false;
          const reason = store.unavailableReason(error);
          if (reason !== null)
            log.warn({ reason, retryInMs: backoffMs }, 'webhook dispatch paused: database unavailable');
          else log.error({ err: error, retryInMs: backoffMs }, 'webhook dispatch round failed');
        }
        for (const resolve of waiting) resolve();
      } while ((again || flushWaiters.length > 0) && !stopped);
    })().finally(() => {
      running = null;
      schedule(nextDelay);
    });
  }

  schedule(0);

  const kick = (): void => {
    if (stopped) return;
    if (running) again = true;
    else schedule(0);
  };

  return {
    kick,
    flush() {
      if (stopped) return Promise.resolve();
      const done = new Promise<void>((resolve) => flushWaiters.push(resolve));
      kick();
      return done;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
      for (const resolve of flushWaiters.splice(0)) resolve();
    },
  };
}

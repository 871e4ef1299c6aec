import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { systemClock } from './domain/clock.js';
import type { Clock } from './domain/clock.js';
import { mountDocs } from './http/openapi.js';
import { registerAdmin } from './http/admin/index.js';
import { createMetrics, registerOps } from './http/ops.js';
import { registerPanel } from './http/panel.js';
import type { Metrics } from './http/ops.js';
import { openStore } from './storage/open-store.js';
import type { Store } from './storage/store.js';
import { senderFor } from './webhooks/capture.js';
import { startWebhookDispatcher } from './webhooks/dispatcher.js';
import { startWebhookRetention } from './webhooks/retention.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  metrics: Metrics;
  /** The operational endpoints' own server, when OPS_PORT moves them off the API port. */
  ops: { app: FastifyInstance; url: string } | null;
  close(): Promise<void>;
}

const urlOf = (server: FastifyInstance, hostName: string, fallbackPort: number): string => {
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : fallbackPort;
  return `http://${hostName.includes(':') ? `[${hostName}]` : hostName}:${port}`;
};

/**
 * Fastify logs "Server listening at …" (at info) on every listen. The command line prints the one
 * `listening on URL` line people read and scripts parse, so Fastify's own is kept out of the log: the
 * app is made ready first, and only the bind itself runs with a logger that shows warnings and up.
 * Request loggers are made from the logger given to Fastify, not from `app.log`, so no request is
 * affected.
 */
async function listenQuietly(app: FastifyInstance, host: string, port: number): Promise<void> {
  await app.ready();
  const log = app.log;
  app.log = log.child({}, { level: ['fatal', 'error', 'silent'].includes(log.level) ? log.level : 'warn' });
  try {
    await app.listen({ host, port });
  } finally {
    app.log = log;
  }
}

/** The process entry's work: config → store → app → listen, and a graceful close. */
export async function startServer(
  config: Config,
  store?: Store,
  clock: Clock = systemClock,
): Promise<RunningServer> {
  // Logs leave through an asynchronous buffer: a request never waits on the terminal or a pipe. Lines
  // are written 4 KB at a time, or every 200 ms when quieter: one write per line cost a cached read
  // 51–52 µs of CPU against 39–45 µs buffered. What a crash can cost is the last log lines,
  // never data. Nothing logs headers or secrets (a test reads the output to make sure), so no
  // redaction pass is needed.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 });
  const logger = pino({ level: config.logLevel }, destination);
  const db = store ?? (await openStore(config));
  const metrics = createMetrics();
  const dispatcher = startWebhookDispatcher({
    store: db,
    clock,
    logger,
    config,
    send: senderFor(config.webhookDelivery),
    onOutcome: (outcome) => metrics.webhookDeliveries.inc({ outcome }),
  });
  const retention = startWebhookRetention({ store: db, clock, logger, config });
  const app = await buildApp({
    config,
    store: db,
    clock,
    logger,
    metrics,
    onWebhookQueued: () => dispatcher.kick(),
  });
  await listenQuietly(app, config.host, config.port);

  let ops: RunningServer['ops'] = null;
  if (config.opsPort !== null) {
    const opsApp: FastifyInstance = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
    });
    registerOps(opsApp, { store: db, metrics });
    await registerAdmin(opsApp, {
      config,
      store: db,
      clock,
      onWebhookQueued: () => dispatcher.kick(),
      journal: app.journal,
    });
    // Beside the admin API; the page's calls to the public APIs are answered by the main app.
    if (config.panel) await registerPanel(opsApp, { api: app });
    // The main app is ready: the ops server serves a snapshot of its document.
    await mountDocs(opsApp, app);
    await listenQuietly(opsApp, config.opsHost, config.opsPort);
    ops = { app: opsApp, url: urlOf(opsApp, config.opsHost, config.opsPort) };
  }

  let closing: Promise<void> | null = null;
  return {
    app,
    store: db,
    url: urlOf(app, config.host, config.port),
    metrics,
    ops,
    close: () =>
      (closing ??= (async () => {
        // Stop accepting, let in-flight requests finish (their writes commit), let in-flight webhook
        // attempts be recorded, then close the database.
        await ops?.app.close();
        await app.close();
        await dispatcher.stop();
        await retention.stop();
        await db.close();
        destination.flushSync();
      })()),
  };
}

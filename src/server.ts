import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { systemClock, virtualClockOver } from './domain/clock.js';
import type { Clock } from './domain/clock.js';
import { mountDocs } from './http/openapi.js';
import { createProcessLogger } from './logging.js';
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
  /** What the log lines look like (`pretty` asked for without pino-pretty installed is `json`). */
  logFormat: 'json' | 'pretty';
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
  realClock: Clock = systemClock,
): Promise<RunningServer> {
  // One virtual clock for the app, the dispatcher and the retention: `/__admin/clock` moves them all.
  const clock = virtualClockOver(realClock);
  const { logger, format: logFormat, flush: flushLog } = await createProcessLogger(config);
  const db = store ?? (await openStore(config));
  const metrics = createMetrics();
  // The stored setting before anything reads the time (the app's clock controls then follow it);
  // without the admin API the clock is real time (docs/behaviour.md, "Virtual clock").
  if (config.adminToken !== null) await clock.apply((await db.readClockSetting()).setting);
  const dispatcher = startWebhookDispatcher({
    store: db,
    clock,
    logger,
    config,
    send: senderFor(config.webhookDelivery),
    onOutcome: (outcome) => metrics.webhookDeliveries.inc({ outcome }),
  });
  const retention = startWebhookRetention({ store: db, clock, logger, config });
  // A clock moved forward may have made retries due: they are sent now, not at the next poll.
  const stopFlushing = clock.onChange(({ fromUs, toUs }) => (toUs > fromUs ? dispatcher.flush() : undefined));
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
      clockControl: app.clockControl,
      faults: app.faults,
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
    logFormat,
    close: () =>
      (closing ??= (async () => {
        // Stop accepting, let in-flight requests finish (their writes commit), let in-flight webhook
        // attempts be recorded, then close the database.
        await ops?.app.close();
        await app.close();
        stopFlushing();
        await dispatcher.stop();
        await retention.stop();
        await db.close();
        flushLog();
      })()),
  };
}

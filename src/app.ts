import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Authenticator } from './auth/authenticator.js';
import { TokenIssuer } from './auth/oauth2.js';
import { SecretHasher } from './auth/secrets.js';
import type { Config } from './config.js';
import { virtualClockOver } from './domain/clock.js';
import type { Clock } from './domain/clock.js';
import { ClockControl } from './domain/admin/clock.js';
import { formatDateTime } from './domain/drf/time.js';
import { IntegrationService } from './domain/integrations/integration-service.js';
import { LogService } from './domain/integrations/log-service.js';
import { MemoryRateLimiter } from './domain/rate-limit.js';
import type { RateLimiter } from './domain/rate-limit.js';
import { ShipmentService } from './domain/shipments/shipment-service.js';
import type { Store } from './storage/store.js';
import { registerApiRoutes } from './http/v2/api-plugin.js';
import { PACKAGE_VERSION, registerOpenApi } from './http/openapi.js';
import { registerAdmin } from './http/admin/index.js';
import { installJournal } from './http/admin/journal-hook.js';
import { Journal } from './domain/admin/journal.js';
import { FaultRules } from './domain/faults/rules.js';
import { mergeNamedErrors, v2NamedErrors } from './domain/faults/named-errors.js';
import { v3NamedErrors } from './domain/orders/documented-errors.js';
import type { RandomSource } from './domain/faults/random.js';
import { installFaults } from './http/admin/fault-hook.js';
import { createMetrics, operationOf, recordRequest, registerOps } from './http/ops.js';
import { integrationIdInPath, requestPath } from './http/request-path.js';
import { rootRoute } from './http/root.js';
import { registerPanel } from './http/panel.js';
import type { Metrics } from './http/ops.js';
import type { AppDeps } from './http/deps.js';
import { answerClientError, installErrorHandling, sendError } from './http/v2/error-handler.js';
import { errors } from './domain/errors.js';
import { installJsonBody } from './http/json-body.js';
import { installBodyBudget } from './http/body-budget.js';
import { deleteIntegration } from './http/v2/routes/integrations/delete-integration.js';
import { getIntegration } from './http/v2/routes/integrations/get-integration.js';
import { listIntegrations } from './http/v2/routes/integrations/list-integrations.js';
import { updateIntegration } from './http/v2/routes/integrations/update-integration.js';
import { createLog } from './http/v2/routes/logs/create-log.js';
import { listAllLogs, listLogs } from './http/v2/routes/logs/list-logs.js';
import { oauth2Routes } from './http/v2/routes/oauth2/token.js';
import { deleteShipment } from './http/v2/routes/shipments/delete-shipment.js';
import { listShipments } from './http/v2/routes/shipments/list-shipments.js';
import { upsertShipments } from './http/v2/routes/shipments/upsert-shipments.js';
import { registerV3Routes } from './http/v3/plugin.js';
import { v3Document } from './http/v3/openapi.js';
import { v3IntegrationRoutes } from './http/v3/routes/integrations.js';
import { orderRoutes } from './http/v3/routes/orders/index.js';
import { OrderService } from './domain/orders/order-service.js';
import { shopOrderStatusRoutes } from './http/v3/routes/shop-order-statuses.js';
import { sendV3Error } from './http/v3/error-renderer.js';
import { v3Errors } from './domain/v3/common-errors.js';

export interface BuildAppOptions {
  config: Config;
  store: Store;
  /**
   * Real time for the server (a test may pass its own). The app reads it through a virtual clock the
   * admin API controls; pass a `VirtualClock` to share that one with the webhook dispatcher.
   */
  clock: Clock;
  logger: FastifyBaseLogger | false;
  /** Overrides the in-process limiter (e.g. one shared through the database by several instances). */
  rateLimiter?: RateLimiter | null;
  /** Called after a change has put a webhook in the outbox, so the dispatcher sends it at once. */
  onWebhookQueued?: () => void;
  /** The app's metrics; the process entry passes the registry it also serves on the ops port. */
  metrics?: Metrics;
  /** The fault rules' random source for rules without a seed (default Math.random). */
  faultRandom?: RandomSource;
}

/** The composition root: wires everything, never listens (only the process entry does). */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, store, logger } = options;
  const clock = virtualClockOver(options.clock);
  const app = Fastify({
    loggerInstance: logger === false ? undefined : logger,
    // One line per request is ours (below); Fastify's two default lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Our own 503 below, in the envelope; Fastify's has another shape.
    return503OnClosing: false,
    http: {
      // Node enforces headersTimeout and requestTimeout only when it checks its connections, every 30 s
      // by default: a slow client would be held that long whatever the settings say.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.headersTimeoutMs / 2))),
      headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 64 },
    // A path Fastify cannot route (bad percent-encoding, an over-long id) is an unknown path: 404.
    frameworkErrors: (_error, request, reply) =>
      (request.raw.url ?? '').startsWith('/api/v3/')
        ? sendV3Error(reply, v3Errors.notFound())
        : sendError(reply, request, errors.notFound()),
    // Errors Node's HTTP parser meets before a request exists still leave in the envelope.
    clientErrorHandler: answerClientError,
  });
  // While closing, requests that still arrive on open connections get a 503 in the envelope.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('connection', 'close');
    done(errors.unavailable());
  });
  // DRF's validators produce Sendcloud's messages; route schemas document and serialize.
  app.setValidatorCompiler(() => () => true);

  // The clock's setting is the database's: read at start, then followed as other instances change it.
  // Without the admin API nothing may move it, and a setting stored earlier is not obeyed either.
  const clockControl = new ClockControl(clock, store);
  if (config.adminToken !== null) await clockControl.load();
  const stopFollowing = config.adminToken === null ? null : clockControl.follow();
  app.decorate('clockControl', clockControl);
  app.addHook('onClose', async () => stopFollowing?.());

  const hasher = new SecretHasher(config.secretPepper);
  const authenticator = new Authenticator(store, hasher, clock);
  const deps: AppDeps = {
    config,
    store,
    clock,
    authenticator,
    tokens: new TokenIssuer(store, hasher, authenticator, clock, config.tokenTtlSeconds),
    shipments: new ShipmentService(store, clock, config.pageSize),
    integrations: new IntegrationService(store, clock, options.onWebhookQueued),
    logs: new LogService(store, clock, config.pageSize),
    orders: new OrderService(store, clock),
    rateLimiter:
      options.rateLimiter !== undefined
        ? options.rateLimiter
        : config.rateLimit
          ? // Several instances on one PostgreSQL share their limits through it; one process keeps its own.
            (store.sharedRateLimiter?.() ?? new MemoryRateLimiter())
          : null,
  };

  // Requests a limiter recorded after the instant the clock was moved back to would stand in every
  // window until real time caught up with them: they are forgotten.
  const limiter = deps.rateLimiter;
  if (limiter?.forgetAfter !== undefined) {
    const stop = clock.onChange(async ({ fromUs, toUs }) => {
      if (toUs < fromUs) await limiter.forgetAfter?.(toUs);
    });
    app.addHook('onClose', async () => stop());
  }

  installErrorHandling(app, config.bodyLimitBytes, store);
  installJsonBody(app, config.bodyLimitBytes);
  installBodyBudget(app, config);
  // Before any route: the document is collected as routes register.
  const mountDocs = await registerOpenApi(app);
  // The journal holds shops' personal data: it exists, and costs anything, only with the admin API on.
  app.decorate(
    'journal',
    config.adminToken === null
      ? null
      : new Journal({
          maxEntries: config.journalMaxEntries,
          maxBytes: config.journalMaxBytes,
          bodyLimitBytes: config.journalBodyLimitBytes,
        }),
  );
  // Fault rules, like the journal, exist only with the admin API on; their hooks go before the
  // journal's, so an answer a fault replaces is journaled once, as the client got it.
  app.decorate(
    'faults',
    config.adminToken === null
      ? null
      : new FaultRules({
          namedErrors: mergeNamedErrors(v2NamedErrors, v3NamedErrors),
          random: options.faultRandom,
          nowUs: () => clock.nowUs(),
        }),
  );
  if (app.faults !== null) {
    installFaults(app, app.faults, { journal: app.journal, clock, bodyLimitBytes: config.bodyLimitBytes });
  }
  if (app.journal !== null) installJournal(app, app.journal, clock);
  const metrics = options.metrics ?? createMetrics();
  const record = recordRequest(metrics);
  // Per answer: the metrics, and one access line a person can read: method, path (never the query,
  // which may carry anything), operation, status, duration, and the integration the path names —
  // on a 401 or 429 too, when the lookup never ran. Never a header. One plain hook, no promise and no
  // regex on the way of an accepted request: it runs on every request.
  app.addHook('onResponse', (request, reply, done) => {
    record(request, reply);
    const line = {
      method: request.method,
      path: `/${requestPath(request)}`,
      operation: operationOf(request),
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      integration_id: request.integration?.id ?? integrationIdInPath(request),
      // The line's own `time` stays real (the process log is in real time); a moved clock is shown beside it.
      ...(clock.isReal ? {} : { server_time: formatDateTime(clock.nowUs()) }),
    };
    if (request.routeOptions.config.quietAccessLog === true) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
    done();
  });

  await app.register(
    async (api) => {
      registerApiRoutes(api, deps, [
        listIntegrations(deps),
        listAllLogs(deps),
        getIntegration(deps),
        updateIntegration(deps, 'PUT'),
        updateIntegration(deps, 'PATCH'),
        deleteIntegration(deps),
        upsertShipments(deps),
        listShipments(deps),
        deleteShipment(deps),
        listLogs(deps),
        createLog(deps),
      ]);
    },
    { prefix: '/api/v2' },
  );
  // v3: a second surface over the same accounts, integrations and store, with its own error format.
  const v3Routes = [...v3IntegrationRoutes(deps), ...shopOrderStatusRoutes(deps), ...orderRoutes(deps)];
  await app.register(async (v3) => registerV3Routes(v3, deps, v3Routes), { prefix: '/api/v3' });
  app.v3OpenApi = v3Document(v3Routes, PACKAGE_VERSION);
  await app.register(async (root) => oauth2Routes(root, deps));
  rootRoute(app, { docsHere: config.opsPort === null });
  if (config.opsPort === null) {
    // With OPS_PORT, the process entry mounts the admin API on the operations port alone.
    await registerAdmin(app, {
      config,
      store,
      clock,
      onWebhookQueued: options.onWebhookQueued,
      journal: app.journal,
      clockControl,
      faults: app.faults,
    });
    registerOps(app, { store, metrics });
    if (config.panel) await registerPanel(app);
    await mountDocs(app);
  }
  return app;
}

import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Authenticator } from './auth/authenticator.js';
import { SecretHasher } from './auth/secrets.js';
import type { Config } from './config.js';
import type { Clock } from './domain/clock.js';
import { ShipmentService } from './domain/shipments/shipment-service.js';
import type { Store } from './storage/store.js';
import { registerApiRoutes } from './http/api-plugin.js';
import type { AppDeps } from './http/deps.js';
import { installErrorHandling } from './http/error-handler.js';
import { installJsonBody } from './http/json-body.js';
import { deleteShipment } from './http/routes/shipments/delete-shipment.js';
import { listShipments } from './http/routes/shipments/list-shipments.js';
import { upsertShipments } from './http/routes/shipments/upsert-shipments.js';

export interface BuildAppOptions {
  config: Config;
  store: Store;
  clock: Clock;
  logger: FastifyBaseLogger | false;
}

/** The composition root: wires everything, never listens (only the process entry does). */
export async function buildApp({ config, store, clock, logger }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger === false ? undefined : logger,
    // One line per request is ours (below); Fastify's two default lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 64 },
    // DRF's validators produce Sendcloud's messages; route schemas document and serialize.
    schemaErrorFormatter: (errs) => new Error(errs.map((e) => e.message).join(', ')),
  });
  app.setValidatorCompiler(() => () => true);

  const hasher = new SecretHasher(config.secretPepper);
  const deps: AppDeps = {
    config,
    store,
    clock,
    authenticator: new Authenticator(store, hasher),
    shipments: new ShipmentService(store, clock, config.pageSize),
  };

  installErrorHandling(app, config.bodyLimitBytes);
  installJsonBody(app, config.bodyLimitBytes);

  // One line per request: request id, operation, integration, status, duration; never a header.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        operation: request.routeOptions.config.operation ?? 'not_found',
        method: request.method,
        integration_id: request.integration?.id ?? null,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
  });

  await app.register(
    async (api) => {
      registerApiRoutes(api, deps, [upsertShipments(deps), listShipments(deps), deleteShipment(deps)]);
    },
    { prefix: '/api/v2' },
  );
  return app;
}

import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { ShipmentService } from '../domain/shipments/shipment-service.js';
import type { Store } from '../storage/store.js';

/** What the HTTP layer is given by the composition root (`buildApp`). */
export interface AppDeps {
  config: Config;
  store: Store;
  clock: Clock;
  authenticator: Authenticator;
  shipments: ShipmentService;
  rateLimiter?: { check(request: FastifyRequest): void };
}

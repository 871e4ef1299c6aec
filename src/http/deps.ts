import type { Authenticator } from '../auth/authenticator.js';
import type { TokenIssuer } from '../auth/oauth2.js';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { IntegrationService } from '../domain/integrations/integration-service.js';
import type { LogService } from '../domain/integrations/log-service.js';
import type { RateLimiter } from '../domain/rate-limit.js';
import type { ShipmentService } from '../domain/shipments/shipment-service.js';
import type { OrderService } from '../domain/orders/order-service.js';
import type { Store } from '../storage/store.js';

/** What the HTTP layer is given by the composition root (`buildApp`). */
export interface AppDeps {
  config: Config;
  store: Store;
  clock: Clock;
  authenticator: Authenticator;
  tokens: TokenIssuer;
  shipments: ShipmentService;
  integrations: IntegrationService;
  logs: LogService;
  /** v3 orders. */
  orders: OrderService;
  /** Null when rate limits are off. */
  rateLimiter: RateLimiter | null;
}

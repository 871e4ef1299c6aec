/**
 * order-inbox as a library, for Node test suites: `import { startServer } from 'order-inbox'`.
 * The command line (`order-inbox serve`) is the other entry; both run the same server.
 */
export { startServer } from './programmatic/start.js';
export type { OrderInboxServer, StartServerOptions } from './programmatic/start.js';
export { AdminApiError } from './programmatic/admin-client.js';
export type {
  AccountSummary,
  AdminClient,
  ClockChange,
  ClockState,
  CreatedIntegration,
  CreatedTenant,
  FaultRuleRecord,
  FaultRuleSpec,
  RemovedCounts,
  TenantIntegrationSpec,
  TenantSpec,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookQuery,
} from './programmatic/admin-client.js';

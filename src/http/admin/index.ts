/**
 * The admin API: `/__admin`, order-inbox's own surface for test suites (tenants, resets), never
 * Sendcloud's. Its own JSON schemas, error envelope, token and OpenAPI document. It is mounted only when
 * an admin token is configured: on the API port, or on the operations port alone when `OPS_PORT` is set.
 */
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { SecretHasher } from '../../auth/secrets.js';
import type { Config } from '../../config.js';
import type { Journal } from '../../domain/admin/journal.js';
import { TenantService } from '../../domain/admin/tenants.js';
import { WebhookLog } from '../../domain/admin/webhooks.js';
import type { Clock } from '../../domain/clock.js';
import type { ClockControl } from '../../domain/admin/clock.js';
import { clockOperations } from './clock-routes.js';
import type { Store } from '../../storage/store.js';
import { installJsonBody } from '../json-body.js';
import { adminAuthHook } from './auth.js';
import { installAdminErrors } from './error-renderer.js';
import { adminDocument } from './openapi.js';
import { journalOperations } from './journal-routes.js';
import { adminOperations, registerAdminRoutes } from './routes.js';
import { SnapshotService } from '../../domain/admin/snapshot.js';
import { registerSnapshotRoutes, snapshotOperations, withSnapshotQuery } from './snapshot-routes.js';
import { webhookOperations } from './webhooks.js';
import type { FaultRules } from '../../domain/faults/rules.js';
import { faultOperations } from './fault-routes.js';

export const ADMIN_PREFIX = '/__admin';

export interface AdminDeps {
  config: Config;
  store: Store;
  clock: Clock;
  /** Wakes the webhook dispatcher when a new tenant's integrations queued `integration_connected`. */
  onWebhookQueued?: () => void;
  /** The main app's request journal (`app.journal`), which the journal and coverage operations read. */
  journal?: Journal | null;
  /** The main app's clock controls (`app.clockControl`); without them there is no clock operation. */
  clockControl?: ClockControl;
  /** The main app's fault rules (`app.faults`), which the faults operations manage. */
  faults?: FaultRules | null;
}

/** Mounts the admin API on `target` when an admin token is set; without one nothing is registered. */
export async function registerAdmin(target: FastifyInstance, deps: AdminDeps): Promise<void> {
  const token = deps.config.adminToken;
  if (token === null) return;
  const tenants = new TenantService(
    deps.store,
    new SecretHasher(deps.config.secretPepper),
    deps.clock,
    deps.onWebhookQueued,
  );
  const journal = deps.journal ?? null;
  const operations = [
    ...adminOperations(tenants, journal),
    ...(journal ? journalOperations(journal) : []),
    ...webhookOperations(new WebhookLog(deps.store)),
    ...(deps.clockControl ? clockOperations(deps.clockControl) : []),
    ...(deps.faults ? faultOperations(deps.faults) : []),
  ];
  const snapshots = snapshotOperations(new SnapshotService(deps.store, deps.onWebhookQueued));
  const document = withSnapshotQuery(adminDocument([...operations, ...snapshots]));
  const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, strict: true });
  await target.register(
    async (admin) => {
      // Requests are checked against the schemas here (the Sendcloud surface validates its own way).
      // A missing body is an empty one: every admin body is optional.
      admin.setValidatorCompiler(({ schema, httpPart }) => {
        const validate = ajv.compile(schema);
        if (httpPart !== 'body') return validate;
        // Fastify hands a missing body over as null; it reads the errors from the function it was given.
        const optional = (data: unknown): boolean => data === null || validate(data);
        return Object.defineProperty(optional, 'errors', { get: () => validate.errors });
      });
      installJsonBody(admin, deps.config.bodyLimitBytes);
      installAdminErrors(admin, deps.store);
      admin.addHook('onRequest', adminAuthHook(token));
      registerAdminRoutes(admin, operations);
      registerSnapshotRoutes(admin, snapshots);
      admin.get(
        '/openapi.json',
        { schema: { hide: true }, config: { operation: 'admin_openapi' } },
        async () => document,
      );
    },
    { prefix: ADMIN_PREFIX },
  );
}

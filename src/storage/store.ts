import type { CreateTenantOutcome, NewTenant, RemovedCounts, ResetScope } from '../domain/admin/types.js';
import type { ImportOutcome, SnapshotReplace, SnapshotRows } from '../domain/admin/snapshot-types.js';
import type { RateLimiter } from '../domain/rate-limit.js';
import type {
  Account,
  IntegrationChanges,
  LogListQuery,
  NewIntegrationLog,
  StoredIntegrationLog,
  TokenRecord,
  WebhookAttempt,
  WebhookDelivery,
  WebhookFor,
  WebhookStatus,
  Credential,
  CredentialSecret,
  Integration,
  NewIntegration,
  ShipmentListQuery,
  ShipmentSelector,
  ShipmentWrite,
  StoredShipment,
  UpsertOutcome,
  ShopOrderStatus,
  StatusMappingEntry,
} from '../domain/types.js';
import type { OrderListQuery, OrderUpsertOutcome, OrderWrite, StoredOrder } from '../domain/orders/types.js';

/**
 * A database that opens but cannot be written (a read-only file, folder or filesystem, leftover
 * `-wal`/`-shm` it cannot write): the start stops with `reason` rather than serving and failing writes.
 */
export class UnwritableDatabaseError extends Error {
  constructor(
    readonly database: string,
    readonly reason: string,
  ) {
    super(`cannot write the SQLite database ${database}: ${reason}`);
    this.name = 'UnwritableDatabaseError';
  }
}

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * The one persistence interface. SQLite and PostgreSQL implement it equally (one contract suite proves
 * it). Every write resolves only after its transaction has committed durably.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /**
   * A rate limiter shared by every process on this database, where the engine serves several
   * instances (PostgreSQL); absent where one process owns the database and an in-memory one is exact.
   */
  sharedRateLimiter?(): RateLimiter;

  /** Applies pending migrations; safe to call from several processes at once. Returns the ids applied. */
  migrate(): Promise<string[]>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Whether writes can commit now, and if not, why (for `/readyz`). Cheap enough for a load balancer
   * to poll often: it never writes on each call.
   */
  readiness(): Promise<Readiness>;
  /**
   * When `error` (thrown by one of this store's methods) means the database cannot serve requests
   * right now — down, connection lost, timed out, busy, disk full, read-only — a short reason for the
   * log; null for any other error. Dialect details stay inside each engine (the HTTP layer answers 503).
   */
  unavailableReason(error: unknown): string | null;
  close(): Promise<void>;

  createAccount(input: { partner: boolean; nowUs: number }): Promise<Account>;
  getAccount(id: number): Promise<Account | null>;
  setAccountPartner(id: number, partner: boolean): Promise<boolean>;
  countAccounts(): Promise<number>;

  createCredential(input: {
    accountId: number;
    publicKey: string;
    secretHash: string;
    oauthOnly: boolean;
    nowUs: number;
  }): Promise<Credential>;
  /**
   * Looks up a credential for authentication; revoked ones are returned too (the caller refuses them).
   * With `integrationId`, the same lookup also answers that integration (`integration`), or null when it
   * is not the credential's account's.
   */
  findCredential(publicKey: string, integrationId?: number): Promise<CredentialSecret | null>;
  listCredentials(accountId: number | null): Promise<Credential[]>;
  revokeCredential(publicKey: string, nowUs: number): Promise<boolean>;
  setCredentialOauthOnly(publicKey: string, oauthOnly: boolean): Promise<boolean>;

  /** Opaque OAuth2 tokens, stored as digests; they die with their credential. */
  createToken(input: {
    credentialId: number;
    tokenHash: string;
    nowUs: number;
    expiresAtUs: number;
  }): Promise<void>;
  /** With `integrationId`, also that integration of the token's account, as `findCredential` does. */
  findToken(tokenHash: string, integrationId?: number): Promise<TokenRecord | null>;

  /**
   * Creates an integration and, in the same transaction, the outbox entry `webhook` builds for it
   * (`integration_connected`), so an announced change is never lost and never announced untrue.
   */
  createIntegration(
    accountId: number,
    input: NewIntegration,
    nowUs: number,
    webhook?: WebhookFor,
  ): Promise<Integration>;
  /** Applies the changes, moves `last_updated_at`, writes `webhook`'s entry; null when not the account's. */
  updateIntegration(
    accountId: number,
    id: number,
    changes: IntegrationChanges,
    nowUs: number,
    webhook: WebhookFor,
  ): Promise<Integration | null>;
  /** Deletes the integration with its shipments and logs; `webhook` sees it as it was. */
  deleteIntegration(accountId: number, id: number, nowUs: number, webhook: WebhookFor): Promise<boolean>;
  /** The integration if it exists and belongs to the account; another account's is null (→ 404). */
  getIntegration(accountId: number, id: number): Promise<Integration | null>;
  listIntegrations(accountId: number | null): Promise<Integration[]>;

  /** Applies the writes in order in one transaction; each item's outcome in the same order. */
  upsertShipments(integrationId: number, writes: ShipmentWrite[], nowUs: number): Promise<UpsertOutcome[]>;
  deleteShipment(integrationId: number, selector: ShipmentSelector): Promise<boolean>;
  listShipments(query: ShipmentListQuery): Promise<StoredShipment[]>;

  /**
   * v3's shop order statuses of an integration: the declared ones in declaration order, then the
   * deleted ones (left out of a later declaration) in the order they were declared.
   */
  listShopOrderStatuses(integrationId: number): Promise<ShopOrderStatus[]>;
  /**
   * Replaces the declaration in one transaction: statuses named are written (a deleted one comes back),
   * statuses left out are kept and marked deleted at `nowUs` (one already deleted keeps its time).
   */
  declareShopOrderStatuses(
    integrationId: number,
    statuses: Omit<ShopOrderStatus, 'deletedAtUs'>[],
    nowUs: number,
  ): Promise<void>;
  /** The stored mapping of status categories; a category never mapped has no entry. */
  getStatusMapping(integrationId: number): Promise<StatusMappingEntry[]>;
  /** Writes the categories given (others keep theirs), in one transaction. */
  setStatusMapping(integrationId: number, mapping: StatusMappingEntry[]): Promise<void>;
  /**
   * v3 orders, all scoped to the account: another account's order or integration is as unknown as one
   * that does not exist. Applies the writes in order in one transaction, or none of them: every problem
   * (an integration or explicit id not the account's, a changed `order_id`, a stale PATCH) refuses the
   * whole batch, as does another transaction writing one of the same orders at that moment (`busy`).
   */
  upsertOrders(accountId: number, writes: OrderWrite[], nowUs: number): Promise<OrderUpsertOutcome>;
  /** One page of the account's orders (`limit` rows from `offset`, in the query's order). */
  listOrders(query: OrderListQuery): Promise<StoredOrder[]>;
  getOrder(accountId: number, id: number): Promise<StoredOrder | null>;
  /** A PATCH: writes the merged order `id` while it is still at `write.expectVersion` (else `stale`). */
  patchOrder(accountId: number, id: number, write: OrderWrite, nowUs: number): Promise<OrderUpsertOutcome>;
  deleteOrder(accountId: number, id: number): Promise<boolean>;

  createLog(input: NewIntegrationLog, nowUs: number): Promise<StoredIntegrationLog>;
  listLogs(query: LogListQuery): Promise<StoredIntegrationLog[]>;

  /**
   * Takes up to `limit` due deliveries and leases them until `nowUs + leaseUs`, so that of several
   * instances exactly one sends each delivery; a lease that runs out (a crash) frees it again.
   */
  claimWebhooks(nowUs: number, leaseUs: number, limit: number): Promise<WebhookDelivery[]>;
  /** Records one attempt and the delivery's next state (and, when pending, when to try again). */
  recordWebhookAttempt(
    deliveryId: number,
    attempt: WebhookAttempt,
    next: { status: WebhookStatus; nextAttemptAtUs: number },
  ): Promise<void>;
  listWebhookDeliveries(
    integrationId: number | null,
  ): Promise<(WebhookDelivery & { attemptLog: WebhookAttempt[] })[]>;

  // Test controls (the admin API).
  listAccounts(): Promise<Account[]>;
  /**
   * Writes an account, its credential and its integrations (with the outbox entries `webhook` builds)
   * in one transaction; a chosen public key or integration id that is taken writes nothing.
   */
  createTenant(tenant: NewTenant, nowUs: number, webhook: WebhookFor): Promise<CreateTenantOutcome>;
  /**
   * Removes, in one transaction, the scope's shipments, logs and webhook deliveries and, unless
   * `keepAccounts`, its accounts with their credentials, tokens and integrations. Null when
   * `accountId` names no account. Takes effect on the very next request, as a revocation does.
   */
  resetData(scope: ResetScope): Promise<RemovedCounts | null>;
  /**
   * Deletes up to `limit` finished deliveries (delivered or given up) whose last attempt ended before
   * `beforeUs`, with their attempts, oldest first; pending ones never. Returns how many it deleted: a
   * caller clears a backlog in several short transactions rather than one long one.
   */
  pruneWebhooks(beforeUs: number, limit: number): Promise<number>;

  /**
   * Every table's rows of one account (or of all), in id order, read in one consistent view; null when
   * `accountId` names no account. OAuth2 tokens are not part of it.
   */
  exportSnapshot(accountId: number | null): Promise<SnapshotRows | null>;
  /**
   * In one transaction: removes what `replace` names (as `resetData` would) and writes `rows` with
   * their own ids, moving id sequences past them. A row whose id or unique key a kept account holds
   * writes nothing at all and answers the conflict.
   */
  importSnapshot(rows: SnapshotRows, replace: SnapshotReplace): Promise<ImportOutcome>;
}

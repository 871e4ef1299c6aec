import { PgOrders } from './orders.js';
import type {
  OrderListQuery,
  OrderUpsertOutcome,
  OrderWrite,
  StoredOrder,
} from '../../domain/orders/types.js';
import pg from 'pg';
import type { CustomTypesConfig, PoolClient, QueryConfig } from 'pg';
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
  ShipmentKey,
  ShipmentSelector,
  ShipmentWrite,
  StoredShipment,
  UpsertOutcome,
  ShopOrderStatus,
  StatusMappingEntry,
} from '../../domain/types.js';
import { loadMigrations } from '../migrations.js';
import type { Readiness, Store } from '../store.js';
import type { CreateTenantOutcome, NewTenant, RemovedCounts, ResetScope } from '../../domain/admin/types.js';
import {
  SHIPMENT_COLUMNS,
  flag,
  integrationChangeParams,
  num,
  toAccount,
  toCredential,
  toIntegration,
  toIntegrationLog,
  toShipment,
  toWebhookAttempt,
  toWebhookDelivery,
} from '../rows.js';
import type { Row } from '../rows.js';
import { pgShopOrderStatuses } from './shop-order-statuses.js';
import { PgAdmin, integrationValues } from './admin.js';
import { PgSnapshot } from './snapshot.js';
import { replacedScopes, snapshotConflict } from '../snapshot-tables.js';
import type { ImportOutcome, SnapshotReplace, SnapshotRows } from '../../domain/admin/snapshot-types.js';
import { tenantConflict } from '../tenant-conflict.js';
import { CredentialLookups } from './pg-credential-lookups.js';
import { PgWriteQueue } from './pg-write-queue.js';
import { rounds, settle } from './batches.js';
import { PgRateLimiter } from './pg-rate-limiter.js';
import { readClock, watchClock, writeClock } from './clock.js';
import type { ClockSetting, StoredClockSetting } from '../../domain/clock.js';
import type { RateLimiter } from '../../domain/rate-limit.js';

/**
 * PostgreSQL SQLSTATE classes and codes that mean the database cannot serve now: connection
 * exceptions (08), operator intervention (57: shutdown, restart, cancel by statement_timeout),
 * insufficient resources (53: disk full, too many connections), lock_not_available (55P03), and a
 * read-only transaction (25006, a standby or a read-only default).
 */
const UNAVAILABLE_SQLSTATE = /^(08|57|53)|^55P03$|^25006$/;
/** Errors of the socket or the driver itself, before any SQLSTATE exists. */
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EAI_AGAIN',
]);
/**
 * The driver's own texts: a connection that ended under a query ("Connection terminated
 * unexpectedly", also "… due to connection timeout"), the pool's wait for a connection running out, a
 * client already broken by an earlier error, a query outliving `query_timeout`.
 */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|not queryable|Query read timeout/i;

function pgUnavailableReason(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, syscall, errors } = error as {
    code?: unknown;
    message?: unknown;
    syscall?: unknown;
    errors?: unknown;
  };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE_CODES.has(code))) {
    return `PostgreSQL ${code}: ${text}`;
  }
  // A socket that cannot be opened at all, e.g. a Unix socket path with no server behind it (ENOENT).
  if (syscall === 'connect' && typeof code === 'string') return `PostgreSQL ${code}: ${text}`;
  if (UNAVAILABLE_MESSAGES.test(text)) return `PostgreSQL: ${text}`;
  // A host name with several addresses fails with one error per address, gathered in an AggregateError.
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const reason = pgUnavailableReason(inner);
      if (reason !== null) return reason;
    }
  }
  return null;
}

export interface PostgresOptions {
  /** A `postgres://` connection URL. */
  url: string;
  /** Connections in the pool (reads and write batches share it). */
  poolSize?: number;
  /** Write batches committing at once (see `PgWriteQueue`). */
  maxWriteBatches?: number;
  /**
   * PostgreSQL's `statement_timeout` on every pooled connection, in milliseconds (0: none). It also
   * bounds the wait for a connection, so a request never waits on the database longer than this.
   */
  statementTimeoutMs?: number;
  /** PostgreSQL's `lock_timeout` on every pooled connection, in milliseconds (0: none). */
  lockTimeoutMs?: number;
}

/**
 * int8 columns (ids, microsecond times, counts) come back as JS numbers: they stay far below 2^53 (µs
 * times until the year 2255). Set on this pool only, so another user of `pg` in the process keeps the
 * driver's default of strings.
 */
const parseInt8 = (value: string): number => Number(value);
const types: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

/** How long past the server's statement timeout a query may stay unanswered before the client gives up. */
const QUERY_TIMEOUT_MARGIN_MS = 1_000;

/** What `readiness()` asks; see there. */
const READINESS_PROBE = `SELECT pg_is_in_recovery() AS in_recovery,
    current_setting('transaction_read_only') AS read_only;
  LOCK TABLE shipments, integrations IN ROW EXCLUSIVE MODE NOWAIT`;

/** Serialises every migration run across processes and instances sharing the database. */
const MIGRATION_LOCK = "hashtext('order-inbox:migrations')";

/**
 * Named statements: PostgreSQL parses and plans each once per connection, and the pool keeps its
 * connections, so the hot paths skip parsing. Names are prefixed so they cannot clash with others.
 */
const SQL = {
  insertAccount: 'INSERT INTO accounts (partner, created_at_us) VALUES ($1, $2) RETURNING *',
  getAccount: 'SELECT * FROM accounts WHERE id = $1',
  setAccountPartner: 'UPDATE accounts SET partner = $1 WHERE id = $2',
  countAccounts: 'SELECT count(*) AS n FROM accounts',
  insertCredential: `INSERT INTO credentials (account_id, public_key, secret_hash, oauth_only, created_at_us)
    VALUES ($1, $2, $3, $4, $5) RETURNING *`,
  listCredentials: 'SELECT * FROM credentials WHERE account_id = $1 ORDER BY id',
  listAllCredentials: 'SELECT * FROM credentials ORDER BY id',
  revokeCredential:
    'UPDATE credentials SET revoked_at_us = $1 WHERE public_key = $2 AND revoked_at_us IS NULL',
  insertIntegration: `INSERT INTO integrations (account_id, shop_name, shop_url, system, last_updated_at_us,
      service_point_enabled, service_point_carriers, webhook_active, webhook_url, webhook_signature_key,
      created_at_us)
    VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $5)
    RETURNING *`,
  getIntegration: 'SELECT * FROM integrations WHERE id = $1 AND account_id = $2',
  listIntegrations: 'SELECT * FROM integrations WHERE account_id = $1 ORDER BY id',
  listAllIntegrations: 'SELECT * FROM integrations ORDER BY id',
  // The unique index decides create-or-update atomically (docs/behaviour.md: no check-then-insert). Any
  // number of writes go in one statement, one array per column, in batch order (new rows take ascending
  // ids, as one statement per write would); their keys must differ, as ON CONFLICT changes a row at most
  // once per statement. A match with the same shop updated_at is left alone (no new row version) and
  // returns nothing; RETURNING names each row's key, which matches it back to its write.
  upsertShipments: `INSERT INTO shipments (integration_id, uuid, external_order_id, shipment_key,
      external_shipment_id, order_number, shop_created_at_us, shop_updated_at_us, created_at_us,
      updated_at_us, data)
    SELECT $1::bigint, w.uuid, w.external_order_id, w.shipment_key, w.external_shipment_id, w.order_number,
        w.shop_created_at_us, w.shop_updated_at_us, $2::bigint, $2::bigint, w.data
      FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[],
          $10::text[])
        WITH ORDINALITY AS w (uuid, external_order_id, shipment_key, external_shipment_id, order_number,
          shop_created_at_us, shop_updated_at_us, data, n)
      ORDER BY w.n
    ON CONFLICT (integration_id, external_order_id, shipment_key) DO UPDATE SET
      external_shipment_id = excluded.external_shipment_id,
      order_number = excluded.order_number,
      shop_created_at_us = excluded.shop_created_at_us,
      shop_updated_at_us = excluded.shop_updated_at_us,
      updated_at_us = excluded.updated_at_us,
      data = excluded.data
    WHERE shipments.shop_updated_at_us <> excluded.shop_updated_at_us
    RETURNING uuid, external_order_id, shipment_key`,
  getShipmentUuidsByKeys: `SELECT s.uuid, s.external_order_id, s.shipment_key
    FROM unnest($2::text[], $3::text[]) AS k (external_order_id, shipment_key)
    JOIN shipments s ON s.integration_id = $1 AND s.external_order_id = k.external_order_id
      AND s.shipment_key = k.shipment_key`,
  setOauthOnly: 'UPDATE credentials SET oauth_only = $1 WHERE public_key = $2',
  insertToken:
    'INSERT INTO oauth_tokens (credential_id, token_hash, created_at_us, expires_at_us) VALUES ($1, $2, $3, $4)',
  findToken: `SELECT t.credential_id, t.expires_at_us, c.account_id, c.revoked_at_us, a.partner
    FROM oauth_tokens t JOIN credentials c ON c.id = t.credential_id JOIN accounts a ON a.id = c.account_id
    WHERE t.token_hash = $1`,
  findTokenWithIntegration: `SELECT t.credential_id, t.expires_at_us, c.account_id, c.revoked_at_us, a.partner,
      row_to_json(i) AS integration
    FROM oauth_tokens t JOIN credentials c ON c.id = t.credential_id JOIN accounts a ON a.id = c.account_id
    LEFT JOIN integrations i ON i.id = $2 AND i.account_id = c.account_id
    WHERE t.token_hash = $1`,
  // Locks the row for the rest of the write's transaction: a concurrent update or delete of the same
  // integration waits, then computes its change from what this one committed.
  lockIntegration: 'SELECT * FROM integrations WHERE id = $1 AND account_id = $2 FOR UPDATE',
  updateIntegration: `UPDATE integrations SET shop_name = $1, shop_url = $2, service_point_enabled = $3,
      service_point_carriers = $4::jsonb, webhook_active = $5, webhook_url = $6, last_updated_at_us = $7,
      feedback_type = $9
    WHERE id = $8
    RETURNING *`,
  deleteIntegration: 'DELETE FROM integrations WHERE id = $1',
  insertWebhook: `INSERT INTO webhook_outbox (account_id, integration_id, action, url, body, signature_key,
      next_attempt_at_us, created_at_us)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
  // Rows another instance is claiming right now are skipped, not waited for; rows it has claimed carry a
  // lease in the future. Either way no delivery is handed to two instances while its lease runs.
  claimWebhooks: `WITH claimed AS (
      UPDATE webhook_outbox w SET locked_until_us = $2
      FROM (SELECT id FROM webhook_outbox
        WHERE status = 'pending' AND next_attempt_at_us <= $1
          AND (locked_until_us IS NULL OR locked_until_us <= $1)
        ORDER BY next_attempt_at_us, id LIMIT $3
        FOR UPDATE SKIP LOCKED) due
      WHERE w.id = due.id
      RETURNING w.*)
    SELECT * FROM claimed ORDER BY id`,
  insertAttempt: `INSERT INTO webhook_attempts (delivery_id, attempted_at_us, status_code, error, duration_ms)
    VALUES ($1, $2, $3, $4, $5)`,
  finishDelivery: `UPDATE webhook_outbox SET status = $2, attempts = attempts + 1, next_attempt_at_us = $3,
      delivered_at_us = $4, locked_until_us = NULL
    WHERE id = $1 AND status = 'pending'`,
  listDeliveries: 'SELECT * FROM webhook_outbox WHERE integration_id = $1 ORDER BY id',
  listAllDeliveries: 'SELECT * FROM webhook_outbox ORDER BY id',
  listAttempts: 'SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::bigint[]) ORDER BY id',
  insertLog: `INSERT INTO integration_logs (integration_id, account_id, base_url, full_url, method,
      response_code, response, request, exception_type, exception, created_at_us, imported_at_us)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
    RETURNING *`,
  // A finished delivery's next_attempt_at_us is when its last attempt ended; the attempts go with it
  // (ON DELETE CASCADE). Rows another instance is pruning are skipped, not waited for.
  pruneWebhooks: `DELETE FROM webhook_outbox WHERE id IN (SELECT id FROM webhook_outbox
      WHERE status IN ('delivered', 'failed') AND next_attempt_at_us < $1
      ORDER BY next_attempt_at_us LIMIT $2 FOR UPDATE SKIP LOCKED)`,
} as const;

/**
 * PostgreSQL text cannot hold U+0000 and refuses a parameter with one. Nothing stored has one (the
 * validators refuse it), so a lookup by such a value is answered "no match" without asking.
 */
const hasNul = (value: string): boolean => value.includes('\u0000');

/** The integration a credential or token lookup joined (`row_to_json`), or null when none matched. */
const joinedIntegration = (row: Row): Integration | null =>
  row.integration === null || row.integration === undefined ? null : toIntegration(row.integration as Row);

type StatementName = keyof typeof SQL;

/** A shipment's identity inside its integration as one string (stored text never holds a NUL). */
const shipmentKeyOf = (k: ShipmentKey): string => `${k.externalOrderId}\u0000${k.shipmentKey}`;

/** The uuids of rows that carry their key (external_order_id, shipment_key), by `shipmentKeyOf`. */
function uuidsByKey(rows: readonly Row[]): Map<string, string> {
  const uuids = new Map<string, string>();
  for (const row of rows) {
    const key = { externalOrderId: String(row.external_order_id), shipmentKey: String(row.shipment_key) };
    uuids.set(shipmentKeyOf(key), String(row.uuid));
  }
  return uuids;
}

/** The upsertShipments statement's parameters for these writes: one array per column. */
function upsertShipmentsValues(
  integrationId: number,
  writes: readonly ShipmentWrite[],
  indexes: readonly number[],
  nowUs: number,
): unknown[] {
  const columns: unknown[][] = Array.from({ length: 8 }, () => []);
  for (const index of indexes) {
    const w = writes[index] as ShipmentWrite;
    columns[0]?.push(w.newUuid);
    columns[1]?.push(w.externalOrderId);
    columns[2]?.push(w.shipmentKey);
    columns[3]?.push(w.externalShipmentId);
    columns[4]?.push(w.orderNumber);
    columns[5]?.push(w.shopCreatedAtUs);
    columns[6]?.push(w.shopUpdatedAtUs);
    columns[7]?.push(w.data);
  }
  return [integrationId, nowUs, ...columns];
}

function q(name: StatementName, values: unknown[]): QueryConfig {
  return { name: `oi_${name}`, text: SQL[name], values };
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly url: string;
  private readonly writes: PgWriteQueue;
  private readonly lookups: CredentialLookups;
  private readonly admin: PgAdmin;
  private readonly snapshot: PgSnapshot;
  private readonly orders: PgOrders;
  private closed: Promise<void> | null = null;
  private readonly clockWatches = new Set<() => Promise<void>>();

  constructor(options: PostgresOptions) {
    const statementTimeoutMs = options.statementTimeoutMs ?? 0;
    const lockTimeoutMs = options.lockTimeoutMs ?? 0;
    this.url = options.url;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types,
      // Statements queued on one client go out without waiting for each other's answers; the write
      // queue relies on it to send a whole batch in about one round trip.
      pipeline: true,
      // Sent as startup parameters, so every connection has them from its first statement on. A
      // statement cut short by either is rolled back with its transaction: its request answers 503
      // and nothing of it commits later.
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
      ...(lockTimeoutMs > 0 ? { lock_timeout: lockTimeoutMs } : {}),
      // Waiting for a connection (a server that does not answer, or a pool that is all in use) is
      // bounded the same way: past it the request answers 503 rather than hang.
      ...(statementTimeoutMs > 0 ? { connectionTimeoutMillis: statementTimeoutMs } : {}),
      // The server's statement_timeout acts only while the server can be reached. A server gone
      // silent (a network partition, a host that died without closing its connections) is bounded on
      // this side: a query unanswered a moment past the statement timeout fails, and the driver
      // destroys its connection.
      ...(statementTimeoutMs > 0 ? { query_timeout: statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS } : {}),
    });
    // A connection that fails (a restart, pg_terminate_backend, a reset socket) emits 'error' on its
    // client, and an 'error' event nobody listens to ends the process. An idle client's error reaches
    // the pool ('error' below), which has already discarded it; a checked-out client's error has
    // already failed the queries it carried (their requests answer 503), and its holder releases it
    // with that error, which discards it too. Either way the pool opens a new connection on the next
    // checkout: that is how the server reconnects once PostgreSQL is back.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.pool.on('error', () => undefined);
    this.writes = new PgWriteQueue(
      this.pool,
      options.maxWriteBatches,
      (error) => pgUnavailableReason(error) !== null,
    );
    this.lookups = new CredentialLookups(this.pool);
    this.admin = new PgAdmin(this.pool, (client, integration, webhook, nowUs) =>
      this.enqueueWebhook(client, integration, webhook, nowUs),
    );
    this.snapshot = new PgSnapshot(this.pool);
    this.orders = new PgOrders(this.pool);
  }

  sharedRateLimiter(): RateLimiter {
    return new PgRateLimiter(this.pool);
  }

  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.migrate();
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  async migrate(): Promise<string[]> {
    const migrations = loadMigrations('postgres');
    // A connection of its own, without the pool's timeouts: a migration may rewrite a large table,
    // and a second instance waits here for the first one's to finish; neither is a request.
    const client = new pg.Client({ connectionString: this.url, types });
    // Its failure fails the migration (the error reaches the awaiting query), not the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      // One transaction under an advisory lock: a second instance starting at the same time waits
      // here, then finds the ids applied and does nothing. DDL is transactional in PostgreSQL, so a
      // failing migration leaves nothing half-applied.
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at_us bigint NOT NULL)',
      );
      const done = new Set(
        (await client.query<Row>('SELECT id FROM schema_migrations')).rows.map((r) => String(r.id)),
      );
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.id)) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (id, applied_at_us) VALUES ($1, $2)', [
          migration.id,
          Date.now() * 1000,
        ]);
        applied.push(migration.id);
      }
      await client.query('COMMIT');
      return applied;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // Ending the session also ends a transaction the ROLLBACK could not reach.
      await client.end().catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /**
   * Ready when a write could commit now, asked without writing: the server answers, is not a standby
   * in recovery, does not make transactions read-only, and no other session holds a lock on the
   * tables every write needs (the lock is asked for with NOWAIT inside the probe's own implicit
   * transaction, so it is never waited for and never kept). One round trip.
   */
  async readiness(): Promise<Readiness> {
    try {
      const results = (await this.pool.query(READINESS_PROBE)) as unknown as pg.QueryResult<Row>[];
      const row = results[0]?.rows[0];
      if (row?.in_recovery === true) {
        return { ready: false, reason: 'PostgreSQL is in recovery (a standby): writes cannot commit' };
      }
      if (row?.read_only === 'on') {
        return { ready: false, reason: 'PostgreSQL transactions are read-only: writes cannot commit' };
      }
      return { ready: true };
    } catch (error) {
      return { ready: false, reason: this.unavailableReason(error) ?? 'database not reachable' };
    }
  }

  unavailableReason(error: unknown): string | null {
    return pgUnavailableReason(error);
  }

  close(): Promise<void> {
    // Queued writes are committed (and answered) before the connections go.
    this.closed ??= Promise.all([...this.clockWatches].map((stop) => stop()))
      .then(() => this.writes.drain())
      .then(() => this.pool.end());
    return this.closed;
  }

  private async rows(name: StatementName, values: unknown[]): Promise<Row[]> {
    return (await this.pool.query<Row>(q(name, values))).rows;
  }

  private write<T>(run: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.writes.enqueue<T>({ kind: 'run', run });
  }

  createAccount(input: { partner: boolean; nowUs: number }): Promise<Account> {
    return this.write(async (client) =>
      toAccount(firstRow(await client.query<Row>(q('insertAccount', [input.partner, input.nowUs])))),
    );
  }

  async getAccount(id: number): Promise<Account | null> {
    const row = (await this.rows('getAccount', [id]))[0];
    return row ? toAccount(row) : null;
  }

  setAccountPartner(id: number, partner: boolean): Promise<boolean> {
    return this.write(
      async (client) => ((await client.query(q('setAccountPartner', [partner, id]))).rowCount ?? 0) > 0,
    );
  }

  readClockSetting(): Promise<StoredClockSetting> {
    return readClock(this.pool);
  }

  saveClockSetting(setting: ClockSetting): Promise<StoredClockSetting> {
    return this.write((client) => writeClock(client, setting));
  }

  watchClockSetting(onSetting: (stored: StoredClockSetting) => void): () => Promise<void> {
    const stop = watchClock(this.url, types, onSetting);
    const stopOnce = async (): Promise<void> => {
      this.clockWatches.delete(stopOnce);
      await stop();
    };
    this.clockWatches.add(stopOnce);
    return stopOnce;
  }

  async countAccounts(): Promise<number> {
    return num((await this.rows('countAccounts', []))[0]?.n ?? 0);
  }

  createCredential(input: {
    accountId: number;
    publicKey: string;
    secretHash: string;
    oauthOnly: boolean;
    nowUs: number;
  }): Promise<Credential> {
    return this.write(async (client) =>
      toCredential(
        firstRow(
          await client.query<Row>(
            q('insertCredential', [
              input.accountId,
              input.publicKey,
              input.secretHash,
              input.oauthOnly,
              input.nowUs,
            ]),
          ),
        ),
      ),
    );
  }

  async findCredential(publicKey: string, integrationId?: number): Promise<CredentialSecret | null> {
    if (hasNul(publicKey)) return null;
    // With the other requests' lookups of this turn, in one statement (pg-credential-lookups.ts).
    const row = await this.lookups.find(publicKey, integrationId ?? null);
    if (!row) return null;
    const credential: CredentialSecret = {
      ...toCredential(row),
      secretHash: String(row.secret_hash),
      accountPartner: flag(row.partner),
    };
    if (integrationId !== undefined) credential.integration = joinedIntegration(row);
    return credential;
  }

  async listCredentials(accountId: number | null): Promise<Credential[]> {
    const rows =
      accountId === null
        ? await this.rows('listAllCredentials', [])
        : await this.rows('listCredentials', [accountId]);
    return rows.map(toCredential);
  }

  revokeCredential(publicKey: string, nowUs: number): Promise<boolean> {
    return this.write(
      async (client) => ((await client.query(q('revokeCredential', [nowUs, publicKey]))).rowCount ?? 0) > 0,
    );
  }

  setCredentialOauthOnly(publicKey: string, oauthOnly: boolean): Promise<boolean> {
    return this.write(
      async (client) => ((await client.query(q('setOauthOnly', [oauthOnly, publicKey]))).rowCount ?? 0) > 0,
    );
  }

  createToken(input: {
    credentialId: number;
    tokenHash: string;
    nowUs: number;
    expiresAtUs: number;
  }): Promise<void> {
    return this.write(async (client) => {
      await client.query(
        q('insertToken', [input.credentialId, input.tokenHash, input.nowUs, input.expiresAtUs]),
      );
    });
  }

  async findToken(tokenHash: string, integrationId?: number): Promise<TokenRecord | null> {
    const row = (
      integrationId === undefined
        ? await this.rows('findToken', [tokenHash])
        : await this.rows('findTokenWithIntegration', [tokenHash, integrationId])
    )[0];
    if (!row) return null;
    const token: TokenRecord = {
      credentialId: num(row.credential_id),
      accountId: num(row.account_id),
      accountPartner: flag(row.partner),
      expiresAtUs: num(row.expires_at_us),
      credentialRevoked: row.revoked_at_us !== null,
    };
    if (integrationId !== undefined) token.integration = joinedIntegration(row);
    return token;
  }

  /** Writes the outbox entry for a change; runs inside the change's own transaction. */
  private async enqueueWebhook(
    client: PoolClient,
    integration: Integration,
    webhook: WebhookFor | undefined,
    nowUs: number,
  ): Promise<void> {
    const message = webhook?.(integration);
    if (!message) return;
    await client.query(
      q('insertWebhook', [
        integration.accountId,
        integration.id,
        message.action,
        message.url,
        message.body,
        message.signatureKey,
        nowUs,
      ]),
    );
  }

  createIntegration(
    accountId: number,
    input: NewIntegration,
    nowUs: number,
    webhook?: WebhookFor,
  ): Promise<Integration> {
    return this.write(async (client) => {
      const integration = toIntegration(
        firstRow(await client.query<Row>(q('insertIntegration', integrationValues(accountId, input, nowUs)))),
      );
      await this.enqueueWebhook(client, integration, webhook, nowUs);
      return integration;
    });
  }

  updateIntegration(
    accountId: number,
    id: number,
    changes: IntegrationChanges,
    nowUs: number,
    webhook: WebhookFor,
  ): Promise<Integration | null> {
    return this.write(async (client) => {
      const current = (await client.query<Row>(q('lockIntegration', [id, accountId]))).rows[0];
      if (!current) return null;
      const p = integrationChangeParams(toIntegration(current), changes, nowUs);
      const integration = toIntegration(
        firstRow(
          await client.query<Row>(
            q('updateIntegration', [
              p.shop_name,
              p.shop_url,
              p.service_point_enabled,
              p.service_point_carriers,
              p.webhook_active,
              p.webhook_url,
              p.last_updated_at_us,
              id,
              p.feedback_type,
            ]),
          ),
        ),
      );
      await this.enqueueWebhook(client, integration, webhook, nowUs);
      return integration;
    });
  }

  deleteIntegration(accountId: number, id: number, nowUs: number, webhook: WebhookFor): Promise<boolean> {
    return this.write(async (client) => {
      const current = (await client.query<Row>(q('lockIntegration', [id, accountId]))).rows[0];
      if (!current) return false;
      // Shipments and logs go with it (ON DELETE CASCADE); credentials and tokens stay.
      await client.query(q('deleteIntegration', [id]));
      await this.enqueueWebhook(client, toIntegration(current), webhook, nowUs);
      return true;
    });
  }

  async getIntegration(accountId: number, id: number): Promise<Integration | null> {
    const row = (await this.rows('getIntegration', [id, accountId]))[0];
    return row ? toIntegration(row) : null;
  }

  async listIntegrations(accountId: number | null): Promise<Integration[]> {
    const rows =
      accountId === null
        ? await this.rows('listAllIntegrations', [])
        : await this.rows('listIntegrations', [accountId]);
    return rows.map(toIntegration);
  }

  listShopOrderStatuses(integrationId: number): Promise<ShopOrderStatus[]> {
    return pgShopOrderStatuses.list(this.pool, integrationId);
  }

  declareShopOrderStatuses(
    integrationId: number,
    statuses: Omit<ShopOrderStatus, 'deletedAtUs'>[],
    nowUs: number,
  ): Promise<void> {
    return this.write((client) => pgShopOrderStatuses.declare(client, integrationId, statuses, nowUs));
  }

  getStatusMapping(integrationId: number): Promise<StatusMappingEntry[]> {
    return pgShopOrderStatuses.mapping(this.pool, integrationId);
  }

  setStatusMapping(integrationId: number, mapping: StatusMappingEntry[]): Promise<void> {
    return this.write((client) => pgShopOrderStatuses.setMapping(client, integrationId, mapping));
  }

  upsertShipments(integrationId: number, writes: ShipmentWrite[], nowUs: number): Promise<UpsertOutcome[]> {
    if (writes.length === 0) return Promise.resolve([]);
    return this.write(async (client) => {
      // One statement per round of a repeated key (almost always one), all pipelined and run in turn.
      const groups = rounds(writes, shipmentKeyOf);
      const results = await settle(
        groups.map((group) =>
          client.query<Row>(q('upsertShipments', upsertShipmentsValues(integrationId, writes, group, nowUs))),
        ),
      );
      const outcomes: UpsertOutcome[] = new Array(writes.length);
      const unchanged: number[] = [];
      results.forEach((result, g) => {
        const returned = uuidsByKey(result.rows);
        for (const index of groups[g] as number[]) {
          const w = writes[index] as ShipmentWrite;
          const uuid = returned.get(shipmentKeyOf(w));
          if (uuid === undefined) unchanged.push(index);
          else outcomes[index] = { status: uuid === w.newUuid ? 'created' : 'updated', uuid };
        }
      });
      if (unchanged.length === 0) return outcomes;
      // The keys that returned nothing exist with the same shop updated_at: "updated", nothing changes.
      // Their rows stay as they are until the transaction ends (ON CONFLICT locked them, even where its
      // WHERE left them unchanged), so this SELECT reads the uuids those writes met.
      const keys = new Map<string, ShipmentKey>();
      for (const index of unchanged) {
        const w = writes[index] as ShipmentWrite;
        keys.set(shipmentKeyOf(w), w);
      }
      const found = await client.query<Row>(
        q('getShipmentUuidsByKeys', [
          integrationId,
          [...keys.values()].map((k) => k.externalOrderId),
          [...keys.values()].map((k) => k.shipmentKey),
        ]),
      );
      const existing = uuidsByKey(found.rows);
      for (const index of unchanged) {
        const uuid = existing.get(shipmentKeyOf(writes[index] as ShipmentWrite));
        if (uuid === undefined) throw new Error('upsert not answered');
        outcomes[index] = { status: 'updated', uuid };
      }
      return outcomes;
    });
  }

  deleteShipment(integrationId: number, selector: ShipmentSelector): Promise<boolean> {
    if (
      'uuid' in selector
        ? hasNul(selector.uuid)
        : hasNul(selector.externalOrderId) || hasNul(selector.shipmentKey)
    ) {
      return Promise.resolve(false);
    }
    return this.writes.enqueue<boolean>(
      'uuid' in selector
        ? { kind: 'delete-by-uuid', integrationId, uuid: selector.uuid }
        : {
            kind: 'delete-by-key',
            integrationId,
            externalOrderId: selector.externalOrderId,
            shipmentKey: selector.shipmentKey,
          },
    );
  }

  async listShipments(query: ShipmentListQuery): Promise<StoredShipment[]> {
    // A filter value with a NUL matches nothing (stored text never has one), so it is dropped; a
    // filter left with no value matches no row at all.
    const keep = (values: string[] | null): string[] | null =>
      values === null ? null : values.filter((v) => !hasNul(v));
    const externalOrderIds = keep(query.externalOrderIds);
    const shipmentKeys = keep(query.shipmentKeys);
    if (
      externalOrderIds?.length === 0 ||
      shipmentKeys?.length === 0 ||
      (query.orderNumber !== null && hasNul(query.orderNumber))
    ) {
      return [];
    }
    query = { ...query, externalOrderIds, shipmentKeys };
    const result = await this.pool.query<unknown[]>({ ...buildPgListQuery(query), rowMode: 'array' });
    return result.rows.map(toShipment);
  }

  upsertOrders(accountId: number, writes: OrderWrite[], nowUs: number): Promise<OrderUpsertOutcome> {
    if (writes.length === 0) return Promise.resolve({ ok: true, results: [] });
    return this.write((client) => this.orders.upsert(client, accountId, writes, nowUs));
  }

  patchOrder(accountId: number, id: number, write: OrderWrite, nowUs: number): Promise<OrderUpsertOutcome> {
    return this.upsertOrders(accountId, [{ ...write, explicitId: id }], nowUs);
  }

  listOrders(query: OrderListQuery): Promise<StoredOrder[]> {
    return this.orders.list(query);
  }

  getOrder(accountId: number, id: number): Promise<StoredOrder | null> {
    return this.orders.get(accountId, id);
  }

  deleteOrder(accountId: number, id: number): Promise<boolean> {
    return this.write((client) => this.orders.delete(client, accountId, id));
  }

  createLog(input: NewIntegrationLog, nowUs: number): Promise<StoredIntegrationLog> {
    return this.write(async (client) =>
      toIntegrationLog(
        firstRow(
          await client.query<Row>(
            q('insertLog', [
              input.integrationId,
              input.accountId,
              input.baseUrl,
              input.fullUrl,
              input.method,
              input.responseCode,
              input.response,
              input.request,
              input.exceptionType,
              input.exception,
              input.createdAtUs,
              nowUs,
            ]),
          ),
        ),
      ),
    );
  }

  async listLogs(query: LogListQuery): Promise<StoredIntegrationLog[]> {
    const result = await this.pool.query<Row>(buildPgLogQuery(query));
    return result.rows.map(toIntegrationLog);
  }

  claimWebhooks(nowUs: number, leaseUs: number, limit: number): Promise<WebhookDelivery[]> {
    // A write, so the lease has committed before anyone sends the delivery.
    return this.write(async (client) =>
      (await client.query<Row>(q('claimWebhooks', [nowUs, nowUs + leaseUs, limit]))).rows.map(
        toWebhookDelivery,
      ),
    );
  }

  recordWebhookAttempt(
    deliveryId: number,
    attempt: WebhookAttempt,
    next: { status: WebhookStatus; nextAttemptAtUs: number },
  ): Promise<void> {
    return this.write(async (client) => {
      await client.query(
        q('insertAttempt', [
          deliveryId,
          attempt.attemptedAtUs,
          attempt.statusCode,
          attempt.error,
          attempt.durationMs,
        ]),
      );
      await client.query(
        q('finishDelivery', [
          deliveryId,
          next.status,
          next.nextAttemptAtUs,
          next.status === 'delivered' ? attempt.attemptedAtUs : null,
        ]),
      );
    });
  }

  async listWebhookDeliveries(
    integrationId: number | null,
  ): Promise<(WebhookDelivery & { attemptLog: WebhookAttempt[] })[]> {
    // Deliveries and their attempts from one snapshot: read apart, a delivery could be seen before an
    // attempt was recorded and its attempts after, so a listing showed an attempt beside a stale state.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const deliveries = (
        await client.query<Row>(
          integrationId === null ? q('listAllDeliveries', []) : q('listDeliveries', [integrationId]),
        )
      ).rows.map(toWebhookDelivery);
      // Every delivery's attempts in one query, not one per delivery.
      const attempts = new Map<number, WebhookAttempt[]>(deliveries.map((d) => [d.id, []]));
      if (deliveries.length > 0) {
        const rows = (await client.query<Row>(q('listAttempts', [deliveries.map((d) => d.id)]))).rows;
        for (const row of rows) attempts.get(num(row.delivery_id))?.push(toWebhookAttempt(row));
      }
      await client.query('COMMIT');
      return deliveries.map((d) => ({ ...d, attemptLog: attempts.get(d.id) ?? [] }));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  listAccounts(): Promise<Account[]> {
    return this.admin.listAccounts();
  }

  async createTenant(tenant: NewTenant, nowUs: number, webhook: WebhookFor): Promise<CreateTenantOutcome> {
    try {
      return {
        created: await this.write((client) => this.admin.createTenant(client, tenant, nowUs, webhook)),
      };
    } catch (error) {
      const conflict = tenantConflict(error);
      if (conflict === null) throw error;
      return { conflict };
    }
  }

  resetData(scope: ResetScope): Promise<RemovedCounts | null> {
    return this.write((client) => this.admin.reset(client, scope));
  }

  pruneWebhooks(beforeUs: number, limit: number): Promise<number> {
    return this.write(
      async (client) => (await client.query(q('pruneWebhooks', [beforeUs, limit]))).rowCount ?? 0,
    );
  }

  exportSnapshot(accountId: number | null): Promise<SnapshotRows | null> {
    return this.snapshot.export(accountId);
  }

  async importSnapshot(rows: SnapshotRows, replace: SnapshotReplace): Promise<ImportOutcome> {
    try {
      return {
        imported: await this.write(async (client) => {
          for (const scope of replacedScopes(replace)) await this.admin.reset(client, scope);
          return this.snapshot.insert(client, rows);
        }),
      };
    } catch (error) {
      const conflict = snapshotConflict(error);
      if (conflict === null) throw error;
      return { conflict };
    }
  }
}

function firstRow(result: { rows: Row[] }): Row {
  const row = result.rows[0];
  if (row === undefined) throw new Error('PostgreSQL returned no row where one was expected');
  return row;
}

/**
 * Logs, newest import first, with the same keyset as shipments; one named statement per shape (at most
 * eight: per integration or account-wide, with or without a boundary, either direction).
 */
export function buildPgLogQuery(query: LogListQuery): QueryConfig {
  const values: unknown[] = [query.accountId];
  const where = ['account_id = $1'];
  let shape = 0;
  if (query.integrationId !== null) {
    values.push(query.integrationId);
    where.push(`integration_id = $${values.length}`);
    shape |= 1;
  }
  if (query.after !== null) {
    values.push(query.after.createdAtUs, query.after.id);
    const op = query.reverse ? '>' : '<';
    where.push(`(imported_at_us, id) ${op} ($${values.length - 1}, $${values.length})`);
    shape |= 2;
  }
  if (query.reverse) shape |= 4;
  const order = query.reverse ? 'imported_at_us ASC, id ASC' : 'imported_at_us DESC, id DESC';
  values.push(query.limit);
  return {
    name: `oi_list_logs_${shape}`,
    text: `SELECT * FROM integration_logs WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $${values.length}`,
    values,
  };
}

/**
 * The list query: index range on (integration, import time), keyset boundary, optional filters. Array
 * filters bind as one array parameter (`= ANY`), so the text depends only on which filters are present:
 * at most 32 shapes, each a named statement planned once per connection.
 *
 * A filtered list first takes the rows its filters match (a materialized CTE whose only conditions are
 * the integration and the filters, so the identity, order-number or shipment-key index is the only
 * index that narrows it), then applies the date window, the boundary, the order and the limit to those
 * few rows. Written as one WHERE, the planner without statistics (right after a bulk load, or on a
 * generic plan) rates the window as selective as the filter, walks the import-time index for its order
 * and tests every shipment of the integration: 40 ms and 89,769 rows filtered at 90,000.
 *
 * Inside the CTE the integration is a sub-select, a value the planner cannot see: with statistics
 * taken before an integration's bulk load, that integration looks empty, every index on
 * (integration, …) looks as good as the filter's, and one was read with the filter tested row by row
 * (3.4 s at 1,000,000). Unseen, the integration is rated by the number of integrations, never as
 * empty, and the filter's index is the cheaper by far.
 */
export function buildPgListQuery(query: ShipmentListQuery): QueryConfig {
  const values: unknown[] = [query.integrationId, query.fromUs, query.toUs];
  const where = ['integration_id = $1', 'created_at_us >= $2', 'created_at_us < $3'];
  const matches = ['integration_id = (SELECT $1::bigint)'];
  let shape = 0;
  if (query.externalOrderIds !== null) {
    values.push(query.externalOrderIds);
    matches.push(`external_order_id = ANY($${values.length}::text[])`);
    shape |= 1;
  }
  if (query.shipmentKeys !== null) {
    values.push(query.shipmentKeys);
    matches.push(`shipment_key = ANY($${values.length}::text[])`);
    shape |= 2;
  }
  if (query.orderNumber !== null) {
    values.push(query.orderNumber);
    matches.push(`order_number = $${values.length}`);
    shape |= 4;
  }
  if (query.after !== null) {
    values.push(query.after.createdAtUs, query.after.id);
    const op = query.reverse ? '>' : '<';
    where.push(`(created_at_us, id) ${op} ($${values.length - 1}, $${values.length})`);
    shape |= 8;
  }
  if (query.reverse) shape |= 16;
  const order = query.reverse ? 'created_at_us ASC, id ASC' : 'created_at_us DESC, id DESC';
  values.push(query.limit);
  return {
    name: `oi_list_shipments_${shape}`,
    text:
      matches.length === 1
        ? `SELECT ${SHIPMENT_COLUMNS} FROM shipments WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $${values.length}`
        : `WITH matched AS MATERIALIZED (SELECT ${SHIPMENT_COLUMNS} FROM shipments WHERE ${matches.join(' AND ')})
          SELECT ${SHIPMENT_COLUMNS} FROM matched WHERE ${where.slice(1).join(' AND ')}
          ORDER BY ${order} LIMIT $${values.length}`,
    values,
  };
}

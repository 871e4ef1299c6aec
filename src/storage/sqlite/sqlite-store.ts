import { accessSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { renameSync, rmSync, statSync, statfsSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
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
} from '../../domain/types.js';
import { loadMigrations } from '../migrations.js';
import { UnwritableDatabaseError } from '../store.js';
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
import { TurnBatch } from '../turn-batch.js';
import { SqliteAdmin, integrationParams } from './admin.js';
import { SqliteShopOrderStatuses } from './shop-order-statuses.js';
import { SqliteSnapshot } from './snapshot.js';
import { SqliteClock } from './clock.js';
import type { ClockSetting, StoredClockSetting } from '../../domain/clock.js';
import { SqliteOrders } from './orders.js';
import type {
  OrderListQuery,
  OrderUpsertOutcome,
  OrderWrite,
  StoredOrder,
} from '../../domain/orders/types.js';
import { replacedScopes, snapshotConflict } from '../snapshot-tables.js';
import type { ImportOutcome, SnapshotReplace, SnapshotRows } from '../../domain/admin/snapshot-types.js';
import { tenantConflict } from '../tenant-conflict.js';
import { Checkpointer } from './checkpointer.js';
import type { RestartResult } from './checkpointer.js';
import { WriteQueue } from './write-queue.js';

/**
 * SQLite result codes that mean the database cannot take requests now (locked beyond busy_timeout,
 * full disk, read-only file, I/O failure, file gone) rather than a fault of the request.
 */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN|PROTOCOL|NOTADB|CORRUPT)/;

/**
 * The database file, or its WAL, is no longer the one at the configured path (deleted, moved or
 * replaced under the running server). What is written now goes into files the next start will not
 * open, so nothing more is acknowledged until a restart opens the path again.
 */
class DatabaseFileGone extends Error {
  constructor(path: string) {
    super(`the database file ${path} was deleted, moved or replaced while the server ran; restart it`);
  }
}

function sqliteUnavailableReason(error: unknown): string | null {
  if (error instanceof DatabaseFileGone) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !UNAVAILABLE_CODES.test(code)) return null;
  return `SQLite ${code}: ${(error as Error).message}`;
}

/** One line for the operator: what the operating system or SQLite said, and its code. */
function describeFault(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 'EROFS') return 'read-only file system (EROFS)';
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code})`;
  const text = String(message ?? error).replace(/\s+/g, ' ');
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

/** How often `readiness()` looks at the files, the free space and the write lock (cached between). */
const PROBE_INTERVAL_MS = 1000;
/** Less free space than this on the database's filesystem counts as a full disk for readiness. */
const MIN_FREE_BYTES = 1024 * 1024;
/** The longest a readiness probe waits for the write lock before it says another connection holds it. */
const PROBE_LOCK_WAIT_MS = 100;
/**
 * After a WAL restart that a reader kept from finishing, writes are not held again before this; it
 * doubles while readers keep it from finishing (a long backup), up to the maximum.
 */
const RESTART_BACKOFF_MS = 1000;
const RESTART_BACKOFF_MAX_MS = 30_000;
/** How long a RESTART checkpoint waits for readers and other processes' writers. */
const RESTART_WAIT_MS = 200;
/** Writes never wait longer than this for the checkpoint thread, should it not answer. */
const RESTART_TIMEOUT_MS = 5000;
/**
 * Writes that stop with the WAL over the limit leave no next batch to start it over: after this long
 * without one, a write that changes nothing (`touch`) makes that batch.
 */
const IDLE_CUT_MS = 1000;

type FileIdentity = { dev: number; ino: number };
const identityOf = (stats: Stats | undefined): FileIdentity | null =>
  stats === undefined ? null : { dev: stats.dev, ino: stats.ino };
const sameFile = (stats: Stats | undefined, identity: FileIdentity | null): boolean =>
  stats !== undefined && identity !== null && stats.dev === identity.dev && stats.ino === identity.ino;

/** What a start needs to write the database: the files that exist, and the folder SQLite creates them in. */
function checkWritable(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) accessSync(file, constants.W_OK);
  }
  // The nearest folder that exists is where SQLite (or the mkdir before it) has to write.
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  accessSync(dir, constants.W_OK);
}

export interface SqliteOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** `full` (default) survives power loss; `normal` survives a process crash only. */
  synchronous?: 'full' | 'normal';
  busyTimeoutMs?: number;
  /** The WAL is kept under this size (64 MiB by default); see `holdForWal`. */
  walLimitBytes?: number;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database;
  private readonly writes: WriteQueue;
  private readonly path: string;
  private readonly walLimitBytes: number;
  private readonly busyTimeoutMs: number;
  /** The files SQLite opened, recorded once the schema exists; compared with the path after each commit. */
  private files: { db: FileIdentity | null; wal: FileIdentity | null } | null = null;
  private gone: DatabaseFileGone | null = null;
  /** Why the last batch could not commit, until one commits again. */
  private writeFailure: { reason: string } | null = null;
  private recoveryAt = 0;
  private probe: { atMs: number; readiness: Readiness } | null = null;
  private userVersion = 0;
  private walOver = false;
  private idleCut: NodeJS.Timeout | null = null;
  private restartingWal = false;
  private nextRestartAt = 0;
  private restartBackoffMs = 0;
  private readonly walStats = { restarts: 0, busy: 0, heldMs: 0, longestHoldMs: 0 };
  /**
   * Every request looks up its credential and integration. Found rows are kept here and dropped as
   * soon as anything may have changed them: a commit by another connection (the command line,
   * another process: `PRAGMA data_version` moves) or one of our own writes to accounts, credentials or
   * integrations (`identityVersion`). A revocation therefore counts on the very next request.
   *
   * The lookups are answered once per turn of the event loop (`lookups`), after the turn has read its
   * requests: one `data_version` check serves them all, and it runs after every one of those requests
   * arrived, so none of them can be served from a cache a commit before its arrival made stale.
   */
  private readonly checkpointer: Checkpointer | null = null;
  private readonly credentialCache = new Map<string, CredentialSecret>();
  private readonly integrationCache = new Map<string, Integration>();
  private seenDataVersion = -1;
  private identityVersion = 0;
  private seenIdentityVersion = 0;
  private readonly lookups = new TurnBatch<() => unknown, unknown>((reads) => {
    this.freshen();
    return reads.map((read) => {
      try {
        return read();
      } catch (error) {
        return Promise.reject(error);
      }
    });
  });
  /** Prepared once the schema exists, i.e. by migrate(); `SqliteStore.open` does both. */
  private s!: Statements;
  private admin!: SqliteAdmin;
  private snapshot!: SqliteSnapshot;
  private clock!: SqliteClock;
  private shopStatuses!: SqliteShopOrderStatuses;
  private orders!: SqliteOrders;
  private readonly listStatements = new Map<string, Statement>();

  constructor(options: SqliteOptions) {
    this.path = options.path;
    this.walLimitBytes = options.walLimitBytes ?? 64 * 1024 * 1024;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new BetterSqlite3(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    // After the WAL starts over, the first commit cuts the file back to this size (SQLite keeps it
    // otherwise, and reuses it: overwriting is cheaper than growing a file at every commit).
    this.db.pragma(`journal_size_limit = ${this.walLimitBytes}`);
    this.db.pragma('foreign_keys = ON');
    // SQLite's default page cache is 2 MB: with a million shipments the index pages a delete walks
    // would be read back from the OS on every request. 64 MB keeps the hot part of the indexes in the
    // process (measured: 1.66× the cost per delete at 1M rows against 10k before, 1.29× after).
    this.db.pragma('cache_size = -65536');
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.writes = new WriteQueue(this.db, {
      fatal: (error) => sqliteUnavailableReason(error) !== null,
      hold: () => this.holdForWal(),
      verify: () => this.verifyFiles(),
      outcome: (error) => this.recordOutcome(error),
    });
    if (options.path !== ':memory:') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer(options.path, { restartWaitMs: RESTART_WAIT_MS });
    }
  }

  /**
   * The WAL bound. After each commit the WAL's size is read (one `stat`, with the identity check);
   * once it is over the limit, the next batch waits while the checkpointer runs a RESTART checkpoint,
   * which copies the frames the background checkpoints have not copied yet and flushes the database.
   * With none of our writes in the way, that leaves no frame unchecked, so the next write transaction
   * starts the WAL from its beginning and `journal_size_limit` cuts the file back to the limit. Writes
   * that arrive meanwhile wait and then share one commit; reads go on. The WAL can pass the limit by
   * the one batch that crossed it; more only while another connection's reader keeps the checkpoint
   * from finishing (then writes are held again after a second, two, four, … up to 30 s).
   */
  private holdForWal(): Promise<void> | null {
    const checkpointer = this.checkpointer;
    if (!this.walOver || checkpointer === null || this.gone !== null) return null;
    this.walOver = false;
    if (Date.now() < this.nextRestartAt) return null;
    this.restartingWal = true;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<RestartResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ busy: true, log: -1, checkpointed: -1, error: 'timed out' }),
        RESTART_TIMEOUT_MS,
      );
    });
    return Promise.race([checkpointer.restart(), timeout]).then((result) => {
      clearTimeout(timer);
      this.restartingWal = false;
      const heldMs = performance.now() - started;
      this.walStats.restarts++;
      this.walStats.heldMs += heldMs;
      this.walStats.longestHoldMs = Math.max(this.walStats.longestHoldMs, heldMs);
      if (result.busy) {
        this.walStats.busy++;
        this.restartBackoffMs = Math.min(
          Math.max(RESTART_BACKOFF_MS, this.restartBackoffMs * 2),
          RESTART_BACKOFF_MAX_MS,
        );
        this.nextRestartAt = Date.now() + this.restartBackoffMs;
      } else {
        this.restartBackoffMs = 0;
      }
    });
  }

  /** How often the WAL bound held writes back, and for how long (for measurements). */
  walBoundStats(): { restarts: number; busy: number; heldMs: number; longestHoldMs: number } {
    return { ...this.walStats };
  }

  /**
   * Before a batch is acknowledged: the database file and its WAL must still be the ones at the path
   * (a cheap `stat` of each), or the commit went into files the next start will never see.
   */
  private verifyFiles(): Error | null {
    if (this.gone !== null) return this.gone;
    if (this.files === null) return null;
    let db: Stats | undefined;
    let wal: Stats | undefined;
    try {
      db = statSync(this.path, { throwIfNoEntry: false });
      wal = statSync(`${this.path}-wal`, { throwIfNoEntry: false });
    } catch (error) {
      return error as Error;
    }
    // SQLite makes the WAL when it first needs it; from then on it is the same file until we close.
    if (this.files.wal === null) this.files.wal = identityOf(wal);
    if (!sameFile(db, this.files.db) || !sameFile(wal, this.files.wal)) {
      this.gone = new DatabaseFileGone(this.path);
      return this.gone;
    }
    if ((wal as Stats).size > this.walLimitBytes) {
      this.walOver = true;
      this.scheduleIdleCut();
    }
    return null;
  }

  /**
   * The WAL is over the limit after a commit. The next batch cuts it back (`holdForWal`), but when the
   * writes stop there, none comes: the file stays over the limit until the next write. So a write that
   * changes nothing is queued once writes have paused for IDLE_CUT_MS (or once the backoff after a
   * restart that a reader kept from finishing allows the next one), unless a batch has cut it meanwhile.
   */
  private scheduleIdleCut(): void {
    if (this.idleCut !== null || this.checkpointer === null) return;
    const delayMs = Math.max(IDLE_CUT_MS, this.nextRestartAt - Date.now());
    this.idleCut = setTimeout(() => {
      this.idleCut = null;
      if (!this.walOver || this.closing !== null || this.gone !== null) return;
      this.writes.enqueue(() => this.touch()).catch(() => undefined);
    }, delayMs);
    this.idleCut.unref();
  }

  private recordOutcome(error: unknown): void {
    if (error === null) {
      this.writeFailure = null;
      return;
    }
    const reason = sqliteUnavailableReason(error);
    if (reason === null) return;
    this.writeFailure = { reason };
    this.recoveryAt = Date.now();
  }

  /** A real write that changes nothing: a commit of the database header's user_version, as it is. */
  private touch(): void {
    this.db.pragma(`user_version = ${this.userVersion}`);
  }

  private freshen(): void {
    const dataVersion = this.s.dataVersion.get() as number;
    if (dataVersion !== this.seenDataVersion || this.identityVersion !== this.seenIdentityVersion) {
      this.credentialCache.clear();
      this.integrationCache.clear();
      this.seenDataVersion = dataVersion;
      this.seenIdentityVersion = this.identityVersion;
    }
  }

  /** A write that may change what the caches hold; they are dropped when it runs. */
  private identityWrite<T>(run: () => T): Promise<T> {
    return this.writes.enqueue(() => {
      this.identityVersion++;
      return run();
    });
  }

  /**
   * Opens the database, applies migrations and makes sure writes can commit: a start on a database it
   * cannot write (read-only file, folder or filesystem, leftover -wal/-shm it cannot write) stops here
   * with one line naming the file and the reason, rather than serving "ready" and failing every write.
   */
  static async open(options: SqliteOptions): Promise<SqliteStore> {
    let store: SqliteStore | null = null;
    try {
      if (options.path !== ':memory:') checkWritable(options.path);
      store = new SqliteStore(options);
      await store.migrate();
      if (options.path !== ':memory:') store.db.transaction(() => store?.touch()).immediate();
      return store;
    } catch (error) {
      await store?.close().catch(() => undefined);
      throw new UnwritableDatabaseError(options.path, describeFault(error));
    }
  }

  async migrate(): Promise<string[]> {
    const migrations = loadMigrations('sqlite');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at_us INTEGER NOT NULL)',
    );
    // One IMMEDIATE transaction: a second process starting at the same time waits for the lock,
    // then sees the ids as applied and does nothing.
    const apply = this.db.transaction(() => {
      const done = new Set(
        (this.db.prepare('SELECT id FROM schema_migrations').all() as Row[]).map((r) => String(r.id)),
      );
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.id)) continue;
        this.db.exec(migration.sql);
        this.db
          .prepare('INSERT INTO schema_migrations (id, applied_at_us) VALUES (?, ?)')
          .run(migration.id, Date.now() * 1000);
        applied.push(migration.id);
      }
      return applied;
    });
    const applied = apply.immediate();
    this.s = prepareStatements(this.db);
    this.userVersion = this.db.pragma('user_version', { simple: true }) as number;
    if (this.path !== ':memory:') {
      this.files = {
        db: identityOf(statSync(this.path, { throwIfNoEntry: false })),
        wal: identityOf(statSync(`${this.path}-wal`, { throwIfNoEntry: false })),
      };
    }
    this.admin = new SqliteAdmin(this.db, (integration, webhook, nowUs) =>
      this.enqueueWebhook(integration, webhook, nowUs),
    );
    this.snapshot = new SqliteSnapshot(this.db);
    this.clock = new SqliteClock(this.db);
    this.shopStatuses = new SqliteShopOrderStatuses(this.db);
    this.orders = new SqliteOrders(this.db);
    return applied;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  /**
   * Ready while writes can commit, without writing on each call (load balancers poll it often):
   * - the outcome of the last real batch: after one that could not commit, unready with its reason
   *   until a batch commits again. While unready, at most once a second, one write that changes nothing
   *   (`touch`) finds out whether the cause is gone — a full disk freed, a lock released;
   * - otherwise, at most once a second, a probe without writing: the files at the path are still the
   *   open ones (dev and inode), they are writable, the filesystem has free space, and `BEGIN
   *   IMMEDIATE` + `ROLLBACK` can take the write lock (held by another connection otherwise).
   */
  async readiness(): Promise<Readiness> {
    const gone = () => (this.gone === null ? null : { ready: false as const, reason: this.gone.message });
    if (this.closing !== null) return { ready: false, reason: 'the database is closed' };
    const now = Date.now();
    if (this.writeFailure !== null && this.gone === null && now - this.recoveryAt >= PROBE_INTERVAL_MS) {
      this.recoveryAt = now;
      await this.writes.enqueue(() => this.touch()).catch(() => undefined);
    }
    const failed = gone() ?? this.writeFailure;
    if (failed !== null) return { ready: false, reason: failed.reason };
    if (this.probe === null || now - this.probe.atMs >= PROBE_INTERVAL_MS) {
      this.probe = { atMs: now, readiness: this.probeNow() };
    }
    return this.probe.readiness;
  }

  private probeNow(): Readiness {
    try {
      this.db.prepare('SELECT 1').get();
      if (this.path !== ':memory:') {
        const refused = this.verifyFiles();
        if (refused !== null) return { ready: false, reason: describeFault(refused) };
        checkWritable(this.path);
        const fs = statfsSync(dirname(this.path));
        // Root may also use the blocks reserved for it.
        const free = (process.getuid?.() === 0 ? fs.bfree : fs.bavail) * fs.bsize;
        if (free < MIN_FREE_BYTES) {
          return { ready: false, reason: `disk full: ${free} bytes free beside ${this.path}` };
        }
      }
      // Our own WAL restart holds the write lock for a moment; that is no other connection's lock.
      if (!this.restartingWal && !this.db.inTransaction) {
        this.db.pragma(`busy_timeout = ${Math.min(PROBE_LOCK_WAIT_MS, this.busyTimeoutMs)}`);
        try {
          this.db.exec('BEGIN IMMEDIATE');
          this.db.exec('ROLLBACK');
        } finally {
          this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
        }
      }
      return { ready: true };
    } catch (error) {
      return { ready: false, reason: this.unavailableReason(error) ?? describeFault(error) };
    }
  }

  unavailableReason(error: unknown): string | null {
    return sqliteUnavailableReason(error);
  }

  private closing: Promise<void> | null = null;

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    if (this.idleCut !== null) clearTimeout(this.idleCut);
    await this.writes.drain();
    await this.checkpointer?.stop();
    if (this.db.open) {
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // A full disk or a read-only file: the WAL stays, and the next start recovers from it.
      }
      this.db.close();
    }
  }

  /**
   * A consistent copy of the database while it is in use (SQLite's online backup API), written to a
   * temporary file beside `target`, flushed, then renamed over it: `target` is never half-written.
   * The copy is taken in one step, i.e. from one read snapshot: writers go on meanwhile, and it holds
   * every write committed before it began.
   */
  async backup(target: string): Promise<{ pages: number }> {
    const temporary = `${target}.tmp-${process.pid}`;
    rmSync(temporary, { force: true });
    try {
      const progress = await this.db.backup(temporary, { progress: () => 0x7fffffff });
      const fd = openSync(temporary, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, target);
      const dir = openSync(dirname(target), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
      return { pages: progress.totalPages };
    } finally {
      rmSync(temporary, { force: true });
    }
  }

  createAccount(input: { partner: boolean; nowUs: number }): Promise<Account> {
    return this.writes.enqueue(() =>
      toAccount(this.s.insertAccount.get(input.partner ? 1 : 0, input.nowUs) as Row),
    );
  }

  async getAccount(id: number): Promise<Account | null> {
    const row = this.s.getAccount.get(id) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  setAccountPartner(id: number, partner: boolean): Promise<boolean> {
    return this.identityWrite(() => this.s.setAccountPartner.run(partner ? 1 : 0, id).changes > 0);
  }

  async countAccounts(): Promise<number> {
    return num((this.s.countAccounts.get() as Row).n);
  }

  createCredential(input: {
    accountId: number;
    publicKey: string;
    secretHash: string;
    oauthOnly: boolean;
    nowUs: number;
  }): Promise<Credential> {
    return this.writes.enqueue(() =>
      toCredential(
        this.s.insertCredential.get(
          input.accountId,
          input.publicKey,
          input.secretHash,
          input.oauthOnly ? 1 : 0,
          input.nowUs,
        ) as Row,
      ),
    );
  }

  findCredential(publicKey: string, integrationId?: number): Promise<CredentialSecret | null> {
    return this.lookup(() => this.cachedCredential(publicKey, integrationId));
  }

  /** A lookup, answered with the others of this turn after one staleness check (see `lookups`). */
  private lookup<T>(read: () => T): Promise<T> {
    return this.lookups.add(read) as Promise<T>;
  }

  private cachedCredential(publicKey: string, integrationId: number | undefined): CredentialSecret | null {
    let credential = this.credentialCache.get(publicKey);
    if (credential === undefined) {
      const row = this.s.findCredential.get(publicKey) as Row | undefined;
      if (!row) return null;
      credential = {
        ...toCredential(row),
        secretHash: String(row.secret_hash),
        accountPartner: flag(row.partner),
      };
      remember(this.credentialCache, publicKey, credential);
    }
    if (integrationId === undefined) return credential;
    // Freshened once for the turn: one data_version check serves both lookups.
    return { ...credential, integration: this.cachedIntegration(credential.accountId, integrationId) };
  }

  async listCredentials(accountId: number | null): Promise<Credential[]> {
    const rows = (
      accountId === null ? this.s.listAllCredentials.all() : this.s.listCredentials.all(accountId)
    ) as Row[];
    return rows.map(toCredential);
  }

  revokeCredential(publicKey: string, nowUs: number): Promise<boolean> {
    return this.identityWrite(() => this.s.revokeCredential.run(nowUs, publicKey).changes > 0);
  }

  setCredentialOauthOnly(publicKey: string, oauthOnly: boolean): Promise<boolean> {
    return this.identityWrite(() => this.s.setOauthOnly.run(oauthOnly ? 1 : 0, publicKey).changes > 0);
  }

  createToken(input: {
    credentialId: number;
    tokenHash: string;
    nowUs: number;
    expiresAtUs: number;
  }): Promise<void> {
    return this.writes.enqueue(() => {
      this.s.insertToken.run(input.credentialId, input.tokenHash, input.nowUs, input.expiresAtUs);
    });
  }

  findToken(tokenHash: string, integrationId?: number): Promise<TokenRecord | null> {
    return this.lookup(() => this.tokenLookup(tokenHash, integrationId));
  }

  private tokenLookup(tokenHash: string, integrationId: number | undefined): TokenRecord | null {
    const row = this.s.findToken.get(tokenHash) as Row | undefined;
    if (!row) return null;
    const token: TokenRecord = {
      credentialId: num(row.credential_id),
      accountId: num(row.account_id),
      accountPartner: flag(row.partner),
      expiresAtUs: num(row.expires_at_us),
      credentialRevoked: row.revoked_at_us !== null,
    };
    if (integrationId !== undefined)
      token.integration = this.cachedIntegration(token.accountId, integrationId);
    return token;
  }

  /** Queues the outbox entry for a change; runs inside the change's own transaction. */
  private enqueueWebhook(integration: Integration, webhook: WebhookFor | undefined, nowUs: number): void {
    const message = webhook?.(integration);
    if (!message) return;
    this.s.insertWebhook.run({
      account_id: integration.accountId,
      integration_id: integration.id,
      action: message.action,
      url: message.url,
      body: message.body,
      signature_key: message.signatureKey,
      now: nowUs,
    });
  }

  createIntegration(
    accountId: number,
    input: NewIntegration,
    nowUs: number,
    webhook?: WebhookFor,
  ): Promise<Integration> {
    return this.writes.enqueue(() => {
      const integration = toIntegration(
        this.s.insertIntegration.get(integrationParams(accountId, input, nowUs)) as Row,
      );
      this.enqueueWebhook(integration, webhook, nowUs);
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
    return this.identityWrite(() => {
      const current = this.s.getIntegration.get(id, accountId) as Row | undefined;
      if (!current) return null;
      const params = integrationChangeParams(toIntegration(current), changes, nowUs);
      const row = this.s.updateIntegration.get({
        ...params,
        service_point_enabled: params.service_point_enabled ? 1 : 0,
        webhook_active: params.webhook_active ? 1 : 0,
        id,
      }) as Row;
      const integration = toIntegration(row);
      this.enqueueWebhook(integration, webhook, nowUs);
      return integration;
    });
  }

  deleteIntegration(accountId: number, id: number, nowUs: number, webhook: WebhookFor): Promise<boolean> {
    return this.identityWrite(() => {
      const current = this.s.getIntegration.get(id, accountId) as Row | undefined;
      if (!current) return false;
      // Shipments and logs go with it (ON DELETE CASCADE); credentials and tokens stay.
      this.s.deleteIntegration.run(id);
      this.enqueueWebhook(toIntegration(current), webhook, nowUs);
      return true;
    });
  }

  getIntegration(accountId: number, id: number): Promise<Integration | null> {
    return this.lookup(() => this.cachedIntegration(accountId, id));
  }

  /** The integration through the cache; freshened by `lookups`. */
  private cachedIntegration(accountId: number, id: number): Integration | null {
    const key = `${accountId}:${id}`;
    const cached = this.integrationCache.get(key);
    if (cached !== undefined) return cached;
    const row = this.s.getIntegration.get(id, accountId) as Row | undefined;
    if (!row) return null;
    const integration = toIntegration(row);
    remember(this.integrationCache, key, integration);
    return integration;
  }

  async listIntegrations(accountId: number | null): Promise<Integration[]> {
    const rows = (
      accountId === null ? this.s.listAllIntegrations.all() : this.s.listIntegrations.all(accountId)
    ) as Row[];
    return rows.map(toIntegration);
  }

  async listShopOrderStatuses(integrationId: number): Promise<ShopOrderStatus[]> {
    return this.shopStatuses.list(integrationId);
  }

  declareShopOrderStatuses(
    integrationId: number,
    statuses: Omit<ShopOrderStatus, 'deletedAtUs'>[],
    nowUs: number,
  ): Promise<void> {
    return this.writes.enqueue(() => this.shopStatuses.declare(integrationId, statuses, nowUs));
  }

  async getStatusMapping(integrationId: number): Promise<StatusMappingEntry[]> {
    return this.shopStatuses.mapping(integrationId);
  }

  setStatusMapping(integrationId: number, mapping: StatusMappingEntry[]): Promise<void> {
    return this.writes.enqueue(() => this.shopStatuses.setMapping(integrationId, mapping));
  }

  upsertShipments(integrationId: number, writes: ShipmentWrite[], nowUs: number): Promise<UpsertOutcome[]> {
    const s = this.s;
    return this.writes.enqueue(() => {
      const outcomes: UpsertOutcome[] = new Array(writes.length);
      for (let i = 0; i < writes.length; i++) {
        const w = writes[i] as ShipmentWrite;
        // The unique index decides create-or-update atomically (docs/behaviour.md: no check-then-insert).
        // Positional parameters: binding by name costs a property lookup per column.
        const row = s.upsertShipment.get(
          integrationId,
          w.newUuid,
          w.externalOrderId,
          w.shipmentKey,
          w.externalShipmentId,
          w.orderNumber,
          w.shopCreatedAtUs,
          w.shopUpdatedAtUs,
          nowUs,
          nowUs,
          w.data,
        ) as Row | undefined;
        if (row !== undefined) {
          const uuid = String(row.uuid);
          outcomes[i] = { status: uuid === w.newUuid ? 'created' : 'updated', uuid };
        } else {
          // The key exists with the same updated_at: nothing changes, the answer is "updated".
          const existing = s.getShipmentUuidByKey.get(integrationId, w.externalOrderId, w.shipmentKey) as Row;
          outcomes[i] = { status: 'updated', uuid: String(existing.uuid) };
        }
      }
      return outcomes;
    });
  }

  deleteShipment(integrationId: number, selector: ShipmentSelector): Promise<boolean> {
    const s = this.s;
    return this.writes.enqueue(() =>
      'uuid' in selector
        ? s.deleteShipmentByUuid.run(selector.uuid, integrationId).changes > 0
        : s.deleteShipmentByKey.run(integrationId, selector.externalOrderId, selector.shipmentKey).changes >
          0,
    );
  }

  async listShipments(query: ShipmentListQuery): Promise<StoredShipment[]> {
    const { sql, params } = buildListQuery(query);
    // Arrays, not an object per row (`toShipment`); these statements serve only this list.
    const rows = this.cached(sql)
      .raw(true)
      .all(...params) as unknown[][];
    return rows.map(toShipment);
  }

  /** Dynamic queries differ only in the number of filter values; their statements are kept, bounded. */
  private cached(sql: string): Statement {
    let stmt = this.listStatements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      if (this.listStatements.size < 256) this.listStatements.set(sql, stmt);
    }
    return stmt;
  }

  upsertOrders(accountId: number, writes: OrderWrite[], nowUs: number): Promise<OrderUpsertOutcome> {
    if (writes.length === 0) return Promise.resolve({ ok: true, results: [] });
    return this.writes.enqueue(() => this.orders.upsert(accountId, writes, nowUs));
  }

  patchOrder(accountId: number, id: number, write: OrderWrite, nowUs: number): Promise<OrderUpsertOutcome> {
    return this.upsertOrders(accountId, [{ ...write, explicitId: id }], nowUs);
  }

  async listOrders(query: OrderListQuery): Promise<StoredOrder[]> {
    return this.orders.list(query);
  }

  async getOrder(accountId: number, id: number): Promise<StoredOrder | null> {
    return this.orders.get(accountId, id);
  }

  deleteOrder(accountId: number, id: number): Promise<boolean> {
    return this.writes.enqueue(() => this.orders.delete(accountId, id));
  }

  createLog(input: NewIntegrationLog, nowUs: number): Promise<StoredIntegrationLog> {
    return this.writes.enqueue(() =>
      toIntegrationLog(
        this.s.insertLog.get({
          integration_id: input.integrationId,
          account_id: input.accountId,
          base_url: input.baseUrl,
          full_url: input.fullUrl,
          method: input.method,
          response_code: input.responseCode,
          response: input.response,
          request: input.request,
          exception_type: input.exceptionType,
          exception: input.exception,
          created_at_us: input.createdAtUs,
          now: nowUs,
        }) as Row,
      ),
    );
  }

  async listLogs(query: LogListQuery): Promise<StoredIntegrationLog[]> {
    const { sql, params } = buildLogQuery(query);
    return (this.cached(sql).all(...params) as Row[]).map(toIntegrationLog);
  }

  claimWebhooks(nowUs: number, leaseUs: number, limit: number): Promise<WebhookDelivery[]> {
    return this.writes.enqueue(() =>
      (this.s.claimWebhooks.all({ now: nowUs, until: nowUs + leaseUs, limit }) as Row[]).map(
        toWebhookDelivery,
      ),
    );
  }

  recordWebhookAttempt(
    deliveryId: number,
    attempt: WebhookAttempt,
    next: { status: WebhookStatus; nextAttemptAtUs: number },
  ): Promise<void> {
    return this.writes.enqueue(() => {
      this.s.insertAttempt.run(
        deliveryId,
        attempt.attemptedAtUs,
        attempt.statusCode,
        attempt.error,
        attempt.durationMs,
      );
      this.s.finishDelivery.run({
        id: deliveryId,
        status: next.status,
        next_attempt_at_us: next.nextAttemptAtUs,
        delivered_at_us: next.status === 'delivered' ? attempt.attemptedAtUs : null,
      });
    });
  }

  async listWebhookDeliveries(
    integrationId: number | null,
  ): Promise<(WebhookDelivery & { attemptLog: WebhookAttempt[] })[]> {
    const rows = (
      integrationId === null ? this.s.listAllDeliveries.all() : this.s.listDeliveries.all(integrationId)
    ) as Row[];
    return rows.map((row) => ({
      ...toWebhookDelivery(row),
      attemptLog: (this.s.listAttempts.all(num(row.id)) as Row[]).map(toWebhookAttempt),
    }));
  }

  async listAccounts(): Promise<Account[]> {
    return this.admin.listAccounts();
  }

  async createTenant(tenant: NewTenant, nowUs: number, webhook: WebhookFor): Promise<CreateTenantOutcome> {
    try {
      return { created: await this.writes.enqueue(() => this.admin.createTenant(tenant, nowUs, webhook)) };
    } catch (error) {
      const conflict = tenantConflict(error);
      if (conflict === null) throw error;
      return { conflict };
    }
  }

  resetData(scope: ResetScope): Promise<RemovedCounts | null> {
    return this.identityWrite(() => this.admin.reset(scope));
  }

  pruneWebhooks(beforeUs: number, limit: number): Promise<number> {
    return this.writes.enqueue(() => this.s.pruneWebhooks.run(beforeUs, limit).changes);
  }

  async exportSnapshot(accountId: number | null): Promise<SnapshotRows | null> {
    return this.snapshot.export(accountId);
  }

  async readClockSetting(): Promise<StoredClockSetting> {
    return this.clock.read();
  }

  saveClockSetting(setting: ClockSetting): Promise<StoredClockSetting> {
    return this.writes.enqueue(() => this.clock.write(setting));
  }

  async importSnapshot(rows: SnapshotRows, replace: SnapshotReplace): Promise<ImportOutcome> {
    try {
      return {
        imported: await this.identityWrite(() => {
          for (const scope of replacedScopes(replace)) this.admin.reset(scope);
          return this.snapshot.insert(rows);
        }),
      };
    } catch (error) {
      const conflict = snapshotConflict(error);
      if (conflict === null) throw error;
      return { conflict };
    }
  }
}

/** Logs, newest import first, with the same keyset as shipments. */
function buildLogQuery(query: LogListQuery): { sql: string; params: unknown[] } {
  const where = query.integrationId === null ? ['account_id = ?'] : ['account_id = ?', 'integration_id = ?'];
  const params: unknown[] =
    query.integrationId === null ? [query.accountId] : [query.accountId, query.integrationId];
  if (query.after !== null) {
    where.push(query.reverse ? '(imported_at_us, id) > (?, ?)' : '(imported_at_us, id) < (?, ?)');
    params.push(query.after.createdAtUs, query.after.id);
  }
  const order = query.reverse ? 'imported_at_us ASC, id ASC' : 'imported_at_us DESC, id DESC';
  params.push(query.limit);
  return {
    // One integration's logs read that integration's index, never the account's filtered row by row.
    sql: `SELECT * FROM integration_logs${query.integrationId === null ? '' : ' INDEXED BY integration_logs_by_integration'} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`,
    params,
  };
}

/**
 * The index a filtered list must read, whatever the planner would guess. SQLite never runs ANALYZE
 * here, and without statistics it prefers the import-time index, which already gives the order, and
 * tests every shipment of the integration against the filter: 40–49 ms for 5 ids at 70,000 rows. The
 * filter's own index reads only the matching rows, which are then sorted; the most selective filter
 * present picks it (external order ids with their shipment keys, then the order number).
 */
function filterIndex(query: ShipmentListQuery): string | null {
  if (query.externalOrderIds !== null) return 'shipments_identity';
  if (query.orderNumber !== null) return 'shipments_by_order_number';
  if (query.shipmentKeys !== null) return 'shipments_by_shipment_key';
  return null;
}

/**
 * The list query: index range on (integration, import time), keyset boundary, optional filters; a
 * filtered list reads its filter's index instead (`filterIndex`).
 */
export function buildListQuery(query: ShipmentListQuery): { sql: string; params: unknown[] } {
  const where = ['integration_id = ?', 'created_at_us >= ?', 'created_at_us < ?'];
  const params: unknown[] = [query.integrationId, query.fromUs, query.toUs];
  if (query.externalOrderIds !== null) {
    where.push(`external_order_id IN (${query.externalOrderIds.map(() => '?').join(', ')})`);
    params.push(...query.externalOrderIds);
  }
  if (query.shipmentKeys !== null) {
    where.push(`shipment_key IN (${query.shipmentKeys.map(() => '?').join(', ')})`);
    params.push(...query.shipmentKeys);
  }
  if (query.orderNumber !== null) {
    where.push('order_number = ?');
    params.push(query.orderNumber);
  }
  if (query.after !== null) {
    where.push(query.reverse ? '(created_at_us, id) > (?, ?)' : '(created_at_us, id) < (?, ?)');
    params.push(query.after.createdAtUs, query.after.id);
  }
  const order = query.reverse ? 'created_at_us ASC, id ASC' : 'created_at_us DESC, id DESC';
  params.push(query.limit);
  const index = filterIndex(query);
  return {
    sql: `SELECT ${SHIPMENT_COLUMNS} FROM shipments${index === null ? '' : ` INDEXED BY ${index}`} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`,
    params,
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/** Bounded: a flood of distinct keys cannot grow a cache without limit. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= 10_000) cache.clear();
  cache.set(key, value);
}

function prepareStatements(db: Database) {
  return {
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    insertAccount: db.prepare('INSERT INTO accounts (partner, created_at_us) VALUES (?, ?) RETURNING *'),
    getAccount: db.prepare('SELECT * FROM accounts WHERE id = ?'),
    setAccountPartner: db.prepare('UPDATE accounts SET partner = ? WHERE id = ?'),
    countAccounts: db.prepare('SELECT count(*) AS n FROM accounts'),
    insertCredential: db.prepare(
      `INSERT INTO credentials (account_id, public_key, secret_hash, oauth_only, created_at_us)
       VALUES (?, ?, ?, ?, ?) RETURNING *`,
    ),
    findCredential: db.prepare(
      `SELECT c.*, a.partner FROM credentials c JOIN accounts a ON a.id = c.account_id WHERE c.public_key = ?`,
    ),
    listCredentials: db.prepare('SELECT * FROM credentials WHERE account_id = ? ORDER BY id'),
    listAllCredentials: db.prepare('SELECT * FROM credentials ORDER BY id'),
    revokeCredential: db.prepare(
      'UPDATE credentials SET revoked_at_us = ? WHERE public_key = ? AND revoked_at_us IS NULL',
    ),
    insertIntegration: db.prepare(
      `INSERT INTO integrations (account_id, shop_name, shop_url, system, last_updated_at_us,
         service_point_enabled, service_point_carriers, webhook_active, webhook_url, webhook_signature_key,
         created_at_us)
       VALUES (@account_id, @shop_name, @shop_url, @system, @now, @service_point_enabled,
         @service_point_carriers, @webhook_active, @webhook_url, @webhook_signature_key, @now)
       RETURNING *`,
    ),
    getIntegration: db.prepare('SELECT * FROM integrations WHERE id = ? AND account_id = ?'),
    listIntegrations: db.prepare('SELECT * FROM integrations WHERE account_id = ? ORDER BY id'),
    listAllIntegrations: db.prepare('SELECT * FROM integrations ORDER BY id'),
    upsertShipment: db.prepare(
      `INSERT INTO shipments (integration_id, uuid, external_order_id, shipment_key, external_shipment_id,
         order_number, shop_created_at_us, shop_updated_at_us, created_at_us, updated_at_us, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (integration_id, external_order_id, shipment_key) DO UPDATE SET
         external_shipment_id = excluded.external_shipment_id,
         order_number = excluded.order_number,
         shop_created_at_us = excluded.shop_created_at_us,
         shop_updated_at_us = excluded.shop_updated_at_us,
         updated_at_us = excluded.updated_at_us,
         data = excluded.data
       WHERE shipments.shop_updated_at_us <> excluded.shop_updated_at_us
       RETURNING uuid`,
    ),
    getShipmentUuidByKey: db.prepare(
      'SELECT uuid FROM shipments WHERE integration_id = ? AND external_order_id = ? AND shipment_key = ?',
    ),
    setOauthOnly: db.prepare('UPDATE credentials SET oauth_only = ? WHERE public_key = ?'),
    insertToken: db.prepare(
      'INSERT INTO oauth_tokens (credential_id, token_hash, created_at_us, expires_at_us) VALUES (?, ?, ?, ?)',
    ),
    findToken: db.prepare(
      `SELECT t.credential_id, t.expires_at_us, c.account_id, c.revoked_at_us, a.partner
       FROM oauth_tokens t JOIN credentials c ON c.id = t.credential_id JOIN accounts a ON a.id = c.account_id
       WHERE t.token_hash = ?`,
    ),
    updateIntegration: db.prepare(
      `UPDATE integrations SET shop_name = @shop_name, shop_url = @shop_url,
         service_point_enabled = @service_point_enabled, service_point_carriers = @service_point_carriers,
         webhook_active = @webhook_active, webhook_url = @webhook_url, last_updated_at_us = @last_updated_at_us,
         feedback_type = @feedback_type
       WHERE id = @id RETURNING *`,
    ),
    deleteIntegration: db.prepare('DELETE FROM integrations WHERE id = ?'),
    insertWebhook: db.prepare(
      `INSERT INTO webhook_outbox (account_id, integration_id, action, url, body, signature_key,
         next_attempt_at_us, created_at_us)
       VALUES (@account_id, @integration_id, @action, @url, @body, @signature_key, @now, @now)`,
    ),
    claimWebhooks: db.prepare(
      `UPDATE webhook_outbox SET locked_until_us = @until
       WHERE id IN (SELECT id FROM webhook_outbox
         WHERE status = 'pending' AND next_attempt_at_us <= @now
           AND (locked_until_us IS NULL OR locked_until_us <= @now)
         ORDER BY next_attempt_at_us, id LIMIT @limit)
       RETURNING *`,
    ),
    insertAttempt: db.prepare(
      `INSERT INTO webhook_attempts (delivery_id, attempted_at_us, status_code, error, duration_ms)
       VALUES (?, ?, ?, ?, ?)`,
    ),
    finishDelivery: db.prepare(
      `UPDATE webhook_outbox SET status = @status, attempts = attempts + 1,
         next_attempt_at_us = @next_attempt_at_us, delivered_at_us = @delivered_at_us, locked_until_us = NULL
       WHERE id = @id AND status = 'pending'`,
    ),
    listDeliveries: db.prepare('SELECT * FROM webhook_outbox WHERE integration_id = ? ORDER BY id'),
    listAllDeliveries: db.prepare('SELECT * FROM webhook_outbox ORDER BY id'),
    listAttempts: db.prepare('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY id'),
    insertLog: db.prepare(
      `INSERT INTO integration_logs (integration_id, account_id, base_url, full_url, method, response_code,
         response, request, exception_type, exception, created_at_us, imported_at_us)
       VALUES (@integration_id, @account_id, @base_url, @full_url, @method, @response_code, @response,
         @request, @exception_type, @exception, @created_at_us, @now)
       RETURNING *`,
    ),
    deleteShipmentByUuid: db.prepare('DELETE FROM shipments WHERE uuid = ? AND integration_id = ?'),
    deleteShipmentByKey: db.prepare(
      'DELETE FROM shipments WHERE integration_id = ? AND external_order_id = ? AND shipment_key = ?',
    ),
    // A finished delivery's next_attempt_at_us is when its last attempt ended; the attempts go with it
    // (ON DELETE CASCADE). The outbox index on (status, next_attempt_at_us) finds the oldest.
    pruneWebhooks: db.prepare(
      `DELETE FROM webhook_outbox WHERE id IN (SELECT id FROM webhook_outbox
         WHERE status IN ('delivered', 'failed') AND next_attempt_at_us < ?
         ORDER BY next_attempt_at_us LIMIT ?)`,
    ),
  };
}

import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import pg from 'pg';
import { MIX, OID_PLACEHOLDER, ONUM_PLACEHOLDER } from './ids.js';

/** One real upsert's stored row, reused for every seeded shipment (placeholders in `data`). */
export interface ShipmentTemplate {
  data: string;
  shopCreatedAtUs: number;
  shopUpdatedAtUs: number;
}

/**
 * The bench's own connection to the server's database, beside the server: it builds data sets
 * directly in SQL (never through the HTTP API), counts rows for the checks and cleans up. Seeded rows
 * carry the same columns the server's upsert writes (migrations/*\/0001_init.sql, the stores'
 * `upsertShipment`), with `data` taken from a row the server itself stored.
 */
export interface BenchDb {
  readonly dialect: 'sqlite' | 'postgres';
  /** Rows in `shipments`, of one integration or of all. */
  count(integrationId?: number): Promise<number>;
  maxId(): Promise<number>;
  /** Rows of one integration with from ≤ id < to. */
  countIds(integrationId: number, from: number, to: number): Promise<number>;
  /** Deletes the rows of one integration with id < limit (a replacement trigger answers each). */
  deleteBelow(integrationId: number, limit: number): Promise<number>;
  template(externalOrderId: string): Promise<ShipmentTemplate>;
  /** Inserts shipments n = from … from+count-1 (id n) into one integration, in one statement. */
  seed(integrationId: number, from: number, count: number, template: ShipmentTemplate): Promise<void>;
  deleteAll(integrationId: number): Promise<void>;
  /** Rows in v3's `orders` of one integration (with from ≤ id < to when given), for the v3 rows' checks. */
  countOrders(integrationId: number, from?: number, to?: number): Promise<number>;
  deleteOrders(integrationId: number): Promise<void>;
  /**
   * A trigger that answers every delete in `integrationId` with the insert of shipment n+k in the same
   * transaction: the table keeps its size however many deletes a run makes (the scaling scenario).
   */
  installReplacement(integrationId: number, k: number, template: ShipmentTemplate): Promise<void>;
  removeReplacement(): Promise<void>;
  /** After a bulk change: fold the WAL into the database / refresh planner statistics, off the clock. */
  settle(): Promise<void>;
  /** PostgreSQL processes that work for the server (its backends, WAL writer, checkpointer). */
  databasePids(): Promise<number[]>;
  /** The durability settings in force, for the header. */
  describe(): Promise<string>;
  close(): Promise<void>;
}

const COLUMNS = `id, integration_id, uuid, external_order_id, shipment_key, external_shipment_id, order_number,
  shop_created_at_us, shop_updated_at_us, created_at_us, updated_at_us, data`;

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** The SELECT list for shipment `n` (an SQL expression), as the dialect spells the formulas of ids.ts. */
function rowValues(
  dialect: 'sqlite' | 'postgres',
  n: string,
  integrationId: number,
  t: ShipmentTemplate,
  nowUs: number,
): string {
  const mixed = `((${n}) * ${MIX}) % 4294967296`;
  const uuid =
    dialect === 'sqlite'
      ? `printf('%08x-0000-4000-8000-%012d', ${mixed}, ${n})`
      : `lpad(to_hex(${mixed}), 8, '0') || '-0000-4000-8000-' || lpad((${n})::text, 12, '0')`;
  const oid =
    dialect === 'sqlite' ? `printf('o%d-%d', ${mixed}, ${n})` : `'o' || (${mixed}) || '-' || (${n})`;
  const onum = `'ORDER-' || (${n})`;
  const data = `replace(replace(${sqlString(t.data)}, '${OID_PLACEHOLDER}', ${oid}), '${ONUM_PLACEHOLDER}', ${onum})`;
  return [
    n,
    integrationId,
    uuid,
    oid,
    "''",
    'NULL',
    onum,
    t.shopCreatedAtUs,
    t.shopUpdatedAtUs,
    nowUs,
    nowUs,
    data,
  ].join(', ');
}

class SqliteBenchDb implements BenchDb {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database;

  constructor(path: string) {
    this.db = new BetterSqlite3(path);
    this.db.pragma('busy_timeout = 30000');
    // Seeding speed only: this connection's commits need not survive a power loss, and a large cache
    // keeps a million-row build from re-reading index pages. The server's own connection is untouched.
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -1000000');
  }

  async count(integrationId?: number): Promise<number> {
    const row = (
      integrationId === undefined
        ? this.db.prepare('SELECT count(*) AS n FROM shipments').get()
        : this.db.prepare('SELECT count(*) AS n FROM shipments WHERE integration_id = ?').get(integrationId)
    ) as { n: number };
    return row.n;
  }

  async maxId(): Promise<number> {
    const row = this.db
      .prepare(
        "SELECT max(coalesce((SELECT max(id) FROM shipments), 0), coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'shipments'), 0)) AS m",
      )
      .get() as { m: number };
    return row.m;
  }

  async countIds(integrationId: number, from: number, to: number): Promise<number> {
    const row = this.db
      .prepare('SELECT count(*) AS n FROM shipments WHERE integration_id = ? AND id >= ? AND id < ?')
      .get(integrationId, from, to) as { n: number };
    return row.n;
  }

  async deleteBelow(integrationId: number, limit: number): Promise<number> {
    return this.db
      .prepare('DELETE FROM shipments WHERE integration_id = ? AND id < ?')
      .run(integrationId, limit).changes;
  }

  async template(externalOrderId: string): Promise<ShipmentTemplate> {
    const row = this.db
      .prepare(
        'SELECT data, shop_created_at_us, shop_updated_at_us FROM shipments WHERE external_order_id = ?',
      )
      .get(externalOrderId) as
      { data: string; shop_created_at_us: number; shop_updated_at_us: number } | undefined;
    if (row === undefined) throw new Error(`no stored shipment ${externalOrderId} to take the template from`);
    return {
      data: row.data,
      shopCreatedAtUs: row.shop_created_at_us,
      shopUpdatedAtUs: row.shop_updated_at_us,
    };
  }

  async seed(integrationId: number, from: number, count: number, template: ShipmentTemplate): Promise<void> {
    if (count <= 0) return;
    const values = rowValues('sqlite', 'n', integrationId, template, Date.now() * 1000);
    this.db
      .prepare(
        `WITH RECURSIVE seq(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
         INSERT INTO shipments (${COLUMNS}) SELECT ${values} FROM seq`,
      )
      .run(from, from + count - 1);
  }

  async countOrders(integrationId: number, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<number> {
    const row = this.db
      .prepare('SELECT count(*) AS n FROM orders WHERE integration_id = ? AND id >= ? AND id < ?')
      .get(integrationId, from, to) as { n: number };
    return row.n;
  }

  async deleteOrders(integrationId: number): Promise<void> {
    this.db.prepare('DELETE FROM orders WHERE integration_id = ?').run(integrationId);
  }

  async deleteAll(integrationId: number): Promise<void> {
    this.db.prepare('DELETE FROM shipments WHERE integration_id = ?').run(integrationId);
  }

  async installReplacement(integrationId: number, k: number, template: ShipmentTemplate): Promise<void> {
    await this.removeReplacement();
    const values = rowValues('sqlite', `OLD.id + ${k}`, integrationId, template, Date.now() * 1000);
    this.db.exec(
      `CREATE TRIGGER bench_replace AFTER DELETE ON shipments FOR EACH ROW
       WHEN OLD.integration_id = ${integrationId}
       BEGIN INSERT INTO shipments (${COLUMNS}) VALUES (${values}); END`,
    );
  }

  async removeReplacement(): Promise<void> {
    this.db.exec('DROP TRIGGER IF EXISTS bench_replace');
  }

  async settle(): Promise<void> {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('ANALYZE');
  }

  async databasePids(): Promise<number[]> {
    return [];
  }

  async describe(): Promise<string> {
    const mode = this.db.pragma('journal_mode', { simple: true }) as string;
    return `SQLite journal_mode=${mode}, server synchronous=${(process.env.SQLITE_SYNCHRONOUS ?? 'full').toUpperCase()}`;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

class PostgresBenchDb implements BenchDb {
  readonly dialect = 'postgres' as const;

  private constructor(private readonly client: pg.Client) {}

  static async open(url: string): Promise<PostgresBenchDb> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // Seeding speed only (this session's commits); the server's sessions keep synchronous_commit.
    await client.query('SET synchronous_commit = off');
    await client.query("SET application_name = 'order-inbox-bench'");
    return new PostgresBenchDb(client);
  }

  private async one<T>(sql: string, values: unknown[] = []): Promise<T> {
    return (await this.client.query(sql, values)).rows[0] as T;
  }

  async count(integrationId?: number): Promise<number> {
    const row =
      integrationId === undefined
        ? await this.one<{ n: string }>('SELECT count(*) AS n FROM shipments')
        : await this.one<{ n: string }>('SELECT count(*) AS n FROM shipments WHERE integration_id = $1', [
            integrationId,
          ]);
    return Number(row.n);
  }

  async maxId(): Promise<number> {
    const row = await this.one<{ m: string }>(
      `SELECT greatest(coalesce((SELECT max(id) FROM shipments), 0),
         (SELECT last_value FROM shipments_id_seq)) AS m`,
    );
    return Number(row.m);
  }

  async countIds(integrationId: number, from: number, to: number): Promise<number> {
    const row = await this.one<{ n: string }>(
      'SELECT count(*) AS n FROM shipments WHERE integration_id = $1 AND id >= $2 AND id < $3',
      [integrationId, from, to],
    );
    return Number(row.n);
  }

  async deleteBelow(integrationId: number, limit: number): Promise<number> {
    const result = await this.client.query('DELETE FROM shipments WHERE integration_id = $1 AND id < $2', [
      integrationId,
      limit,
    ]);
    return result.rowCount ?? 0;
  }

  async template(externalOrderId: string): Promise<ShipmentTemplate> {
    const row = await this.one<
      { data: string; shop_created_at_us: string; shop_updated_at_us: string } | undefined
    >('SELECT data, shop_created_at_us, shop_updated_at_us FROM shipments WHERE external_order_id = $1', [
      externalOrderId,
    ]);
    if (row === undefined) throw new Error(`no stored shipment ${externalOrderId} to take the template from`);
    return {
      data: row.data,
      shopCreatedAtUs: Number(row.shop_created_at_us),
      shopUpdatedAtUs: Number(row.shop_updated_at_us),
    };
  }

  async seed(integrationId: number, from: number, count: number, template: ShipmentTemplate): Promise<void> {
    if (count <= 0) return;
    const values = rowValues('postgres', 'n', integrationId, template, Date.now() * 1000);
    await this.client.query(
      `INSERT INTO shipments (${COLUMNS}) SELECT ${values} FROM generate_series($1::bigint, $2::bigint) AS n`,
      [from, from + count - 1],
    );
    // Explicit ids do not move the identity sequence; the server's own inserts must start above them.
    await this.client.query(
      `SELECT setval('shipments_id_seq', greatest((SELECT max(id) FROM shipments),
         (SELECT last_value FROM shipments_id_seq)))`,
    );
  }

  async countOrders(integrationId: number, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<number> {
    const row = await this.one<{ n: string }>(
      'SELECT count(*) AS n FROM orders WHERE integration_id = $1 AND id >= $2 AND id < $3',
      [integrationId, from, to],
    );
    return Number(row.n);
  }

  async deleteOrders(integrationId: number): Promise<void> {
    await this.client.query('DELETE FROM orders WHERE integration_id = $1', [integrationId]);
  }

  async deleteAll(integrationId: number): Promise<void> {
    await this.client.query('DELETE FROM shipments WHERE integration_id = $1', [integrationId]);
  }

  async installReplacement(integrationId: number, k: number, template: ShipmentTemplate): Promise<void> {
    await this.removeReplacement();
    const values = rowValues('postgres', `OLD.id + ${k}`, integrationId, template, Date.now() * 1000);
    await this.client.query(
      `CREATE FUNCTION bench_replace() RETURNS trigger LANGUAGE plpgsql AS $fn$
       BEGIN INSERT INTO shipments (${COLUMNS}) VALUES (${values}); RETURN NULL; END $fn$`,
    );
    await this.client.query(
      `CREATE TRIGGER bench_replace AFTER DELETE ON shipments FOR EACH ROW
       WHEN (OLD.integration_id = ${integrationId}) EXECUTE FUNCTION bench_replace()`,
    );
  }

  async removeReplacement(): Promise<void> {
    await this.client.query('DROP TRIGGER IF EXISTS bench_replace ON shipments');
    await this.client.query('DROP FUNCTION IF EXISTS bench_replace()');
  }

  async settle(): Promise<void> {
    // Dead rows of the last clean-up vacuumed and statistics fresh now, not by autovacuum mid-run.
    await this.client.query('VACUUM (ANALYZE) shipments');
    await this.client.query('CHECKPOINT');
  }

  async databasePids(): Promise<number[]> {
    const result = await this.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE (datname = current_database() AND pid <> pg_backend_pid())
          OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`,
    );
    return result.rows.map((r) => r.pid);
  }

  async describe(): Promise<string> {
    // reset_val: what the server's sessions run with, not this session's seeding shortcut.
    const show = async (name: string) =>
      (await this.one<{ v: string }>('SELECT reset_val AS v FROM pg_settings WHERE name = $1', [name])).v;
    return `PostgreSQL ${await show('server_version')}, synchronous_commit=${await show('synchronous_commit')}, fsync=${await show('fsync')}, wal_sync_method=${await show('wal_sync_method')}, shared_buffers=${Number(await show('shared_buffers')) / 128} MB`;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

export async function openBenchDb(
  database: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string },
) {
  return database.kind === 'sqlite' ? new SqliteBenchDb(database.path) : PostgresBenchDb.open(database.url);
}

/** A throwaway database `oi_bench_<random>` on the given server; `drop` ends its connections too. */
export async function createBenchDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

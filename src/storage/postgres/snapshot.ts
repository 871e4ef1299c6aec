import type { Pool, PoolClient } from 'pg';
import { SNAPSHOT_TABLES } from '../../domain/admin/snapshot-types.js';
import type { SnapshotRows, SnapshotTable } from '../../domain/admin/snapshot-types.js';
import type { Row } from '../rows.js';
import {
  SNAPSHOT_SPEC,
  SnapshotTaken,
  columnList,
  conflictId,
  hasId,
  keyOf,
  orderList,
  toSnapshotRow,
} from '../snapshot-tables.js';

const SELECT = Object.fromEntries(
  SNAPSHOT_TABLES.map((table) => [
    table,
    {
      all: `SELECT ${columnList(table)} FROM ${table} ORDER BY ${orderList(table)}`,
      one: `SELECT ${columnList(table)} FROM ${table} WHERE ${SNAPSHOT_SPEC[table].byAccount.replaceAll('$account', '$1')} ORDER BY ${orderList(table)}`,
    },
  ]),
) as Record<SnapshotTable, { all: string; one: string }>;

// One statement a table, whatever the number of rows: the rows travel as one JSON array that
// json_populate_recordset reads with the table's own column types.
const INSERT = Object.fromEntries(
  SNAPSHOT_TABLES.map((table) => [
    table,
    `INSERT INTO ${table} (${columnList(table)})
       SELECT ${columnList(table)} FROM json_populate_recordset(NULL::${table}, $1::json)
       ON CONFLICT DO NOTHING RETURNING ${orderList(table)}`,
  ]),
) as Record<SnapshotTable, string>;

// An id written explicitly does not move the identity sequence: move it past the largest id, never
// back, so that ids the database picks later cannot collide with an imported one.
const bumpSequence = (table: SnapshotTable): string =>
  `SELECT setval(pg_get_serial_sequence('${table}', 'id'),
     GREATEST((SELECT max(id) FROM ${table}),
       pg_sequence_last_value(pg_get_serial_sequence('${table}', 'id')::regclass), 1))`;

/**
 * Snapshots on PostgreSQL: reading every table of one account or of all in one REPEATABLE READ
 * transaction (one consistent view while other instances write), and writing a snapshot's rows with
 * their own ids on the write queue's client, inside its transaction.
 */
export class PgSnapshot {
  constructor(private readonly pool: Pool) {}

  /** Null when `accountId` names no account. */
  async export(accountId: number | null): Promise<SnapshotRows | null> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const rows = {} as SnapshotRows;
      for (const table of SNAPSHOT_TABLES) {
        const result =
          accountId === null
            ? await client.query<Row>(SELECT[table].all)
            : await client.query<Row>(SELECT[table].one, [accountId]);
        rows[table] = result.rows.map((row) => toSnapshotRow(table, row));
      }
      await client.query('COMMIT');
      return accountId !== null && rows.accounts.length === 0 ? null : rows;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Runs in a write-queue job, after what the snapshot replaces was removed. */
  async insert(client: PoolClient, rows: SnapshotRows): Promise<Record<SnapshotTable, number>> {
    const counts = {} as Record<SnapshotTable, number>;
    for (const table of SNAPSHOT_TABLES) {
      const wanted = rows[table];
      counts[table] = wanted.length;
      if (wanted.length === 0) continue;
      const result = await client.query<Row>(INSERT[table], [JSON.stringify(wanted)]);
      if ((result.rowCount ?? 0) < wanted.length) {
        const key = (row: Row) =>
          keyOf(table)
            .map((column) => String(row[column]))
            .join('\u0000');
        const written = new Set(result.rows.map(key));
        const taken = wanted.find((row) => !written.has(key(row))) ?? wanted[0];
        throw new SnapshotTaken({ table, id: taken === undefined ? 0 : conflictId(table, taken) });
      }
      if (hasId(table)) await client.query(bumpSequence(table));
    }
    return counts;
  }
}

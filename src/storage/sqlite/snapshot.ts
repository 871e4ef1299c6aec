import type { Database, Statement } from 'better-sqlite3';
import { SNAPSHOT_TABLES } from '../../domain/admin/snapshot-types.js';
import type { SnapshotRows, SnapshotTable } from '../../domain/admin/snapshot-types.js';
import type { Row } from '../rows.js';
import {
  SNAPSHOT_SPEC,
  SnapshotTaken,
  columnList,
  conflictId,
  orderList,
  toSnapshotRow,
} from '../snapshot-tables.js';

type Statements = Record<SnapshotTable, { all: Statement; one: Statement; insert: Statement }>;

/** SQLite's values for a row: booleans as 0/1, JSON as text. */
function sqliteValues(table: SnapshotTable, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, kind] of Object.entries(SNAPSHOT_SPEC[table].columns)) {
    const value = row[column] ?? null;
    out[column] =
      value === null
        ? null
        : kind === 'bool'
          ? value
            ? 1
            : 0
          : kind === 'json'
            ? JSON.stringify(value)
            : value;
  }
  return out;
}

/**
 * Snapshots on SQLite: reading every table of one account or of all in one read transaction, and
 * writing a snapshot's rows with their own ids. The import runs inside a write-queue job (one
 * IMMEDIATE transaction) after the replaced accounts were removed; a row whose id or unique key is
 * still held inserts nothing and throws, so nothing of the import stays.
 */
export class SqliteSnapshot {
  private readonly s: Statements;

  constructor(private readonly db: Database) {
    const s = {} as Statements;
    for (const table of SNAPSHOT_TABLES) {
      const columns = columnList(table);
      const named = Object.keys(SNAPSHOT_SPEC[table].columns)
        .map((c) => `@${c}`)
        .join(', ');
      s[table] = {
        all: db.prepare(`SELECT ${columns} FROM ${table} ORDER BY ${orderList(table)}`),
        one: db.prepare(
          `SELECT ${columns} FROM ${table} WHERE ${SNAPSHOT_SPEC[table].byAccount.replaceAll('$account', '@account')} ORDER BY ${orderList(table)}`,
        ),
        // AUTOINCREMENT moves its sequence past an id inserted explicitly.
        insert: db.prepare(
          `INSERT INTO ${table} (${columns}) VALUES (${named}) ON CONFLICT DO NOTHING RETURNING 1 AS written`,
        ),
      };
    }
    this.s = s;
  }

  /** Null when `accountId` names no account. */
  export(accountId: number | null): SnapshotRows | null {
    const read = this.db.transaction(() => {
      const rows = {} as SnapshotRows;
      for (const table of SNAPSHOT_TABLES) {
        const found = (
          accountId === null ? this.s[table].all.all() : this.s[table].one.all({ account: accountId })
        ) as Row[];
        rows[table] = found.map((row) => toSnapshotRow(table, row));
      }
      return rows;
    });
    const rows = read.deferred();
    return accountId !== null && rows.accounts.length === 0 ? null : rows;
  }

  /** Runs in a write-queue job, after `clear` removed what the snapshot replaces. */
  insert(rows: SnapshotRows): Record<SnapshotTable, number> {
    const counts = {} as Record<SnapshotTable, number>;
    for (const table of SNAPSHOT_TABLES) {
      for (const row of rows[table]) {
        if (this.s[table].insert.get(sqliteValues(table, row)) === undefined) {
          throw new SnapshotTaken({ table, id: conflictId(table, row) });
        }
      }
      counts[table] = rows[table].length;
    }
    return counts;
  }
}

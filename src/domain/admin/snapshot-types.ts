/**
 * A snapshot's rows as the store reads and writes them: per table, every column under its own name,
 * in id order. Values are engine-neutral (booleans as booleans, integers as numbers, JSON columns
 * parsed), so both engines export the same rows and import each other's.
 */
export type SnapshotJson =
  string | number | boolean | null | SnapshotJson[] | { [key: string]: SnapshotJson };
export type SnapshotValue = string | number | boolean | null | SnapshotJson[];
export type SnapshotRow = Record<string, SnapshotValue>;

export const SNAPSHOT_TABLES = [
  'accounts',
  'credentials',
  'integrations',
  'shipments',
  'orders',
  'shop_order_statuses',
  'shop_order_status_mappings',
  'integration_logs',
  'webhook_outbox',
  'webhook_attempts',
] as const;
export type SnapshotTable = (typeof SNAPSHOT_TABLES)[number];

export type SnapshotRows = Record<SnapshotTable, SnapshotRow[]>;

/** What an import replaces: every account (a whole-state snapshot) or the accounts it names. */
export type SnapshotReplace = { all: true } | { all: false; accountIds: number[] };

/**
 * A row the snapshot holds whose id or unique key another, kept account already holds (for the tables
 * without an id of their own, the id of their integration).
 */
export interface SnapshotConflict {
  table: SnapshotTable;
  id: number;
}

export type ImportOutcome = { imported: Record<SnapshotTable, number> } | { conflict: SnapshotConflict };

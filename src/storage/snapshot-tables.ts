import type { ResetScope } from '../domain/admin/types.js';
import type {
  SnapshotConflict,
  SnapshotJson,
  SnapshotReplace,
  SnapshotRow,
  SnapshotTable,
  SnapshotValue,
} from '../domain/admin/snapshot-types.js';
import type { Row } from './rows.js';

type Kind = 'int' | 'bool' | 'text' | 'json';

interface TableSpec {
  columns: Record<string, Kind>;
  /** The rows of one account: a condition on `$account` (each engine spells the placeholder its way). */
  byAccount: string;
  /** The primary key, for the order of rows; `id` (the default) also names the conflict and the sequence. */
  key?: string[];
}

/** The columns rows are read in, and whether the table has an `id` of its own (a sequence, a conflict). */
export const keyOf = (table: SnapshotTable): string[] => SNAPSHOT_SPEC[table].key ?? ['id'];
export const hasId = (table: SnapshotTable): boolean => SNAPSHOT_SPEC[table].key === undefined;
/** The id a conflict on a row names: its own, or its integration's for a table without one. */
export const conflictId = (table: SnapshotTable, row: SnapshotRow): number =>
  Number(hasId(table) ? row.id : row.integration_id);

/**
 * Every table a snapshot carries, parents before children (the order of inserts), with its columns.
 * OAuth2 tokens are left out: they are digests of short-lived bearer tokens, which a client asks for
 * again, and a restored token would outlive the process that issued it for no test's benefit.
 */
export const SNAPSHOT_SPEC: Record<SnapshotTable, TableSpec> = {
  accounts: {
    columns: { id: 'int', partner: 'bool', created_at_us: 'int' },
    byAccount: 'id = $account',
  },
  credentials: {
    columns: {
      id: 'int',
      account_id: 'int',
      public_key: 'text',
      secret_hash: 'text',
      oauth_only: 'bool',
      created_at_us: 'int',
      revoked_at_us: 'int',
    },
    byAccount: 'account_id = $account',
  },
  integrations: {
    columns: {
      id: 'int',
      account_id: 'int',
      shop_name: 'text',
      shop_url: 'text',
      system: 'text',
      failing_since_us: 'int',
      last_fetch_us: 'int',
      last_updated_at_us: 'int',
      service_point_enabled: 'bool',
      service_point_carriers: 'json',
      webhook_active: 'bool',
      webhook_url: 'text',
      webhook_signature_key: 'text',
      created_at_us: 'int',
      feedback_type: 'text',
    },
    byAccount: 'account_id = $account',
  },
  shipments: {
    columns: {
      id: 'int',
      integration_id: 'int',
      uuid: 'text',
      external_order_id: 'text',
      shipment_key: 'text',
      external_shipment_id: 'text',
      order_number: 'text',
      shop_created_at_us: 'int',
      shop_updated_at_us: 'int',
      created_at_us: 'int',
      updated_at_us: 'int',
      data: 'text',
    },
    byAccount: 'integration_id IN (SELECT id FROM integrations WHERE account_id = $account)',
  },
  orders: {
    columns: {
      id: 'int',
      account_id: 'int',
      integration_id: 'int',
      order_id: 'text',
      order_id_folded: 'text',
      order_number: 'text',
      order_number_folded: 'text',
      status_folded: 'text',
      order_created_at_us: 'int',
      order_updated_at_us: 'int',
      created_at_us: 'int',
      modified_at_us: 'int',
      version: 'int',
      data: 'text',
    },
    byAccount: 'account_id = $account',
  },
  shop_order_statuses: {
    columns: {
      integration_id: 'int',
      external_id: 'text',
      translations: 'json',
      position: 'int',
      deleted_at_us: 'int',
    },
    byAccount: 'integration_id IN (SELECT id FROM integrations WHERE account_id = $account)',
    key: ['integration_id', 'external_id'],
  },
  shop_order_status_mappings: {
    columns: { integration_id: 'int', status_category: 'text', external_id: 'text' },
    byAccount: 'integration_id IN (SELECT id FROM integrations WHERE account_id = $account)',
    key: ['integration_id', 'status_category'],
  },
  integration_logs: {
    columns: {
      id: 'int',
      integration_id: 'int',
      account_id: 'int',
      base_url: 'text',
      full_url: 'text',
      method: 'text',
      response_code: 'int',
      response: 'text',
      request: 'text',
      exception_type: 'text',
      exception: 'text',
      created_at_us: 'int',
      imported_at_us: 'int',
    },
    byAccount: 'account_id = $account',
  },
  webhook_outbox: {
    columns: {
      id: 'int',
      account_id: 'int',
      integration_id: 'int',
      action: 'text',
      url: 'text',
      body: 'text',
      signature_key: 'text',
      status: 'text',
      attempts: 'int',
      next_attempt_at_us: 'int',
      locked_until_us: 'int',
      created_at_us: 'int',
      delivered_at_us: 'int',
    },
    byAccount: 'account_id = $account',
  },
  webhook_attempts: {
    columns: {
      id: 'int',
      delivery_id: 'int',
      attempted_at_us: 'int',
      status_code: 'int',
      error: 'text',
      duration_ms: 'int',
    },
    byAccount: 'delivery_id IN (SELECT id FROM webhook_outbox WHERE account_id = $account)',
  },
};

function neutral(kind: Kind, value: unknown): SnapshotValue {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'int':
      return Number(value);
    case 'bool':
      return value === true || value === 1;
    case 'text':
      return String(value);
    case 'json':
      return (typeof value === 'string' ? JSON.parse(value) : value) as SnapshotJson[];
  }
}

/** A database row (either engine's representation) as a snapshot row, columns in the spec's order. */
export function toSnapshotRow(table: SnapshotTable, row: Row): SnapshotRow {
  const out: SnapshotRow = {};
  for (const [column, kind] of Object.entries(SNAPSHOT_SPEC[table].columns)) {
    out[column] = neutral(kind, row[column]);
  }
  return out;
}

/** The columns of a table, comma-separated, for SELECT and INSERT. */
export const columnList = (table: SnapshotTable): string =>
  Object.keys(SNAPSHOT_SPEC[table].columns).join(', ');

/** The ORDER BY of a table's rows: its key. */
export const orderList = (table: SnapshotTable): string => keyOf(table).join(', ');

/**
 * Thrown inside an import's transaction when a row's id or unique key is held by an account the
 * snapshot does not replace, so that the write queue rolls the import back whole; the store turns it
 * back into a value.
 */
export class SnapshotTaken extends Error {
  constructor(readonly conflict: SnapshotConflict) {
    super(`${conflict.table} ${conflict.id} is taken`);
  }
}

/** The resets that clear what an import replaces, before its rows are written in the same transaction. */
export function replacedScopes(replace: SnapshotReplace): ResetScope[] {
  return replace.all
    ? [{ accountId: null, keepAccounts: false }]
    : replace.accountIds.map((accountId) => ({ accountId, keepAccounts: false }));
}

/** The conflict a failed import carried, or null for any other error (which the caller rethrows). */
export function snapshotConflict(error: unknown): SnapshotConflict | null {
  return error instanceof SnapshotTaken ? error.conflict : null;
}

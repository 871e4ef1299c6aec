import { Ajv } from 'ajv';
import type { Store } from '../../storage/store.js';
import { isValidUrl } from '../drf/url.js';
import { AdminError, adminErrors } from './errors.js';
import { SNAPSHOT_TABLES } from './snapshot-types.js';
import type { SnapshotReplace, SnapshotRow, SnapshotRows, SnapshotTable } from './snapshot-types.js';
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  SNAPSHOT_VERSION_V1,
  snapshotSchema,
  snapshotSchemaV1,
} from './snapshot-schema.js';

type Doc = Record<string, unknown>;
type DocRow = Record<string, unknown>;

/** What an import wrote, per kind. */
export interface ImportedCounts {
  accounts: number;
  credentials: number;
  integrations: number;
  shipments: number;
  orders: number;
  shop_order_statuses: number;
  shop_order_status_mappings: number;
  logs: number;
  webhook_deliveries: number;
  webhook_attempts: number;
}

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, strict: true });
const validate = ajv.compile(snapshotSchema);
const validateV1 = ajv.compile(snapshotSchemaV1);
/** A document says its version; one of the previous release's is checked against that release's schema. */
const validatorFor = (value: unknown) =>
  (value as { version?: unknown } | null)?.version === SNAPSHOT_VERSION_V1 ? validateV1 : validate;

/** A row without the columns its place in the document already says (its parent's id), renamed. */
function fields(row: SnapshotRow, drop: string[], rename: Record<string, string> = {}): DocRow {
  const out: DocRow = {};
  for (const [column, value] of Object.entries(row)) {
    if (!drop.includes(column)) out[rename[column] ?? column] = value;
  }
  return out;
}

function groupBy(rows: SnapshotRow[], column: string): Map<number, SnapshotRow[]> {
  const groups = new Map<number, SnapshotRow[]>();
  for (const row of rows) {
    const key = row[column] as number;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [row]);
    else group.push(row);
  }
  return groups;
}

/**
 * The document: one object per account holding what it owns, children nested under their parent, every
 * object's keys in one fixed order and rows in id order, so that two exports of the same state are the
 * same bytes and a change shows as a small diff.
 */
export function snapshotDocument(rows: SnapshotRows, accountId: number | null): Doc {
  const credentials = groupBy(rows.credentials, 'account_id');
  const integrations = groupBy(rows.integrations, 'account_id');
  const shipments = groupBy(rows.shipments, 'integration_id');
  const orders = groupBy(rows.orders, 'integration_id');
  const statuses = groupBy(rows.shop_order_statuses, 'integration_id');
  const mappings = groupBy(rows.shop_order_status_mappings, 'integration_id');
  const logs = groupBy(rows.integration_logs, 'integration_id');
  const deliveries = groupBy(rows.webhook_outbox, 'account_id');
  const attempts = groupBy(rows.webhook_attempts, 'delivery_id');
  const id = (row: SnapshotRow) => row.id as number;
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    account_id: accountId,
    accounts: rows.accounts.map((account) => ({
      ...account,
      credentials: (credentials.get(id(account)) ?? []).map((credential) =>
        fields(credential, ['account_id'], { secret_hash: 'secret_digest' }),
      ),
      integrations: (integrations.get(id(account)) ?? []).map((integration) => ({
        ...fields(integration, ['account_id']),
        shipments: (shipments.get(id(integration)) ?? []).map((shipment) =>
          fields(shipment, ['integration_id', 'shipment_key']),
        ),
        orders: (orders.get(id(integration)) ?? []).map((order) =>
          fields(order, ['account_id', 'integration_id']),
        ),
        shop_order_statuses: (statuses.get(id(integration)) ?? []).map((status) =>
          fields(status, ['integration_id']),
        ),
        shop_order_status_mappings: (mappings.get(id(integration)) ?? []).map((mapping) =>
          fields(mapping, ['integration_id']),
        ),
        logs: (logs.get(id(integration)) ?? []).map((log) => fields(log, ['integration_id', 'account_id'])),
      })),
      webhook_deliveries: (deliveries.get(id(account)) ?? []).map((delivery) => ({
        ...fields(delivery, ['account_id']),
        attempt_log: (attempts.get(id(delivery)) ?? []).map((attempt) => fields(attempt, ['delivery_id'])),
      })),
    })),
  };
}

/** The document as text: pretty-printed, ending in a newline, as a file in git wants it. */
export const snapshotText = (document: Doc): string => `${JSON.stringify(document, null, 2)}\n`;

interface Parsed {
  rows: SnapshotRows;
  replace: SnapshotReplace;
  /** Where each row sits in the document, to name it in a conflict: `table:id` → JSON pointer. */
  pointers: Map<string, string>;
}

/**
 * A document checked against the schema and the rules a schema cannot say (ids and unique keys given
 * once, URLs that the API would accept), flattened back into rows. Every refusal names the JSON
 * pointer of what is wrong, after `where` (`body`, or the file's name).
 */
export function parseSnapshot(value: unknown, where: string): Parsed {
  const validate = validatorFor(value);
  if (!validate(value)) {
    const issue = validate.errors?.[0];
    const extra = (issue?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    throw adminErrors.invalidRequest(
      `${where}${issue?.instancePath ?? ''} ${issue?.message ?? 'is invalid'}${extra === undefined ? '' : ` ("${extra}")`}.`,
    );
  }
  const doc = value as Doc;
  const accounts = doc.accounts as DocRow[];
  const scope = doc.account_id as number | null;
  if (scope !== null && (accounts.length !== 1 || accounts[0]?.id !== scope)) {
    throw adminErrors.invalidRequest(
      `${where}/accounts must hold exactly the account ${scope} that account_id names.`,
    );
  }

  const rows = Object.fromEntries(SNAPSHOT_TABLES.map((table) => [table, []])) as unknown as SnapshotRows;
  const pointers = new Map<string, string>();
  const seen = new Map<string, string>();
  /** Refuses a value given twice where the database holds it once. */
  const once = (kind: string, key: unknown, pointer: string) => {
    const earlier = seen.get(`${kind}\u0000${String(key)}`);
    if (earlier !== undefined) {
      throw adminErrors.invalidRequest(`${where}${pointer} repeats the ${kind} of ${where}${earlier}.`);
    }
    seen.set(`${kind}\u0000${String(key)}`, pointer);
  };
  const add = (table: SnapshotTable, row: DocRow, pointer: string, columns: Record<string, unknown>) => {
    once(`${table} id`, row.id, `${pointer}/id`);
    pointers.set(`${table}:${String(row.id)}`, pointer);
    rows[table].push({ ...row, ...columns } as SnapshotRow);
  };
  const url = (value: unknown, pointer: string) => {
    if (typeof value === 'string' && !isValidUrl(value)) {
      throw adminErrors.invalidRequest(`${where}${pointer} must be a valid URL.`);
    }
  };

  accounts.forEach((account, a) => {
    const at = `/accounts/${a}`;
    add(
      'accounts',
      { id: account.id, partner: account.partner, created_at_us: account.created_at_us },
      at,
      {},
    );
    (account.credentials as DocRow[]).forEach((credential, c) => {
      const pointer = `${at}/credentials/${c}`;
      once('public_key', credential.public_key, `${pointer}/public_key`);
      const { secret_digest: digest, ...rest } = credential;
      add('credentials', rest, pointer, { account_id: account.id, secret_hash: digest });
    });
    (account.integrations as DocRow[]).forEach((integration, i) => {
      const pointer = `${at}/integrations/${i}`;
      url(integration.shop_url, `${pointer}/shop_url`);
      url(integration.webhook_url, `${pointer}/webhook_url`);
      if (integration.webhook_active === true && !integration.webhook_url) {
        throw adminErrors.invalidRequest(`${where}${pointer}/webhook_active needs a webhook_url.`);
      }
      const {
        shipments,
        logs,
        orders = [],
        shop_order_statuses: statuses = [],
        shop_order_status_mappings: mappings = [],
        feedback_type: feedbackType = 'eager',
        ...settings
      } = integration;
      add('integrations', settings, pointer, { account_id: account.id, feedback_type: feedbackType });
      (shipments as DocRow[]).forEach((shipment, s) => {
        const place = `${pointer}/shipments/${s}`;
        const shipmentKey = (shipment.external_shipment_id as string | null) ?? '';
        once('uuid', shipment.uuid, `${place}/uuid`);
        once(
          'external_order_id and external_shipment_id',
          JSON.stringify([integration.id, shipment.external_order_id, shipmentKey]),
          `${place}/external_order_id`,
        );
        add('shipments', shipment, place, { integration_id: integration.id, shipment_key: shipmentKey });
      });
      (orders as DocRow[]).forEach((order, o) => {
        const place = `${pointer}/orders/${o}`;
        once('order_id', JSON.stringify([integration.id, order.order_id]), `${place}/order_id`);
        add('orders', order, place, { account_id: account.id, integration_id: integration.id });
      });
      // Rows without an id of their own: a conflict names them by their integration.
      const keyed = (table: SnapshotTable, list: DocRow[], member: string, key: string) => {
        if (list.length > 0) pointers.set(`${table}:${String(integration.id)}`, `${pointer}/${member}`);
        list.forEach((row, r) => {
          once(key, JSON.stringify([integration.id, row[key]]), `${pointer}/${member}/${r}/${key}`);
          rows[table].push({ ...row, integration_id: integration.id } as SnapshotRow);
        });
      };
      keyed('shop_order_statuses', statuses as DocRow[], 'shop_order_statuses', 'external_id');
      keyed(
        'shop_order_status_mappings',
        mappings as DocRow[],
        'shop_order_status_mappings',
        'status_category',
      );
      (logs as DocRow[]).forEach((log, l) =>
        add('integration_logs', log, `${pointer}/logs/${l}`, {
          integration_id: integration.id,
          account_id: account.id,
        }),
      );
    });
    (account.webhook_deliveries as DocRow[]).forEach((delivery, d) => {
      const pointer = `${at}/webhook_deliveries/${d}`;
      const { attempt_log: attempts, ...rest } = delivery;
      add('webhook_outbox', rest, pointer, { account_id: account.id });
      (attempts as DocRow[]).forEach((attempt, t) =>
        add('webhook_attempts', attempt, `${pointer}/attempt_log/${t}`, { delivery_id: delivery.id }),
      );
    });
  });
  for (const table of SNAPSHOT_TABLES) {
    if (rows[table].every((row) => 'id' in row)) {
      rows[table].sort((x, y) => (x.id as number) - (y.id as number));
    }
  }
  const replace: SnapshotReplace = scope === null ? { all: true } : { all: false, accountIds: [scope] };
  return { rows, replace, pointers };
}

/**
 * Snapshots: the whole state or one account's as one JSON document, and the document written back.
 * An import is all-or-nothing: it is checked whole before anything is written, and written in one
 * transaction that first removes what it replaces (every account, or the one it holds).
 */
export class SnapshotService {
  constructor(
    private readonly store: Store,
    /** Called after an import that holds pending webhook deliveries, so that a dispatcher sends them. */
    private readonly onWebhookQueued?: () => void,
  ) {}

  async export(accountId: number | null): Promise<Doc> {
    const rows = await this.store.exportSnapshot(accountId);
    if (rows === null) throw adminErrors.accountNotFound(accountId ?? 0);
    return snapshotDocument(rows, accountId);
  }

  async import(value: unknown, where: string): Promise<ImportedCounts> {
    const { rows, replace, pointers } = parseSnapshot(value, where);
    const outcome = await this.store.importSnapshot(rows, replace);
    if ('conflict' in outcome) {
      const { table, id } = outcome.conflict;
      const pointer = pointers.get(`${table}:${id}`) ?? '';
      throw new AdminError(
        409,
        'conflict',
        `${where}${pointer}: its id or unique key belongs to an account this snapshot does not replace; nothing was imported.`,
      );
    }
    if (rows.webhook_outbox.some((delivery) => delivery.status === 'pending')) this.onWebhookQueued?.();
    const n = outcome.imported;
    return {
      accounts: n.accounts,
      credentials: n.credentials,
      integrations: n.integrations,
      shipments: n.shipments,
      orders: n.orders,
      shop_order_statuses: n.shop_order_statuses,
      shop_order_status_mappings: n.shop_order_status_mappings,
      logs: n.integration_logs,
      webhook_deliveries: n.webhook_outbox,
      webhook_attempts: n.webhook_attempts,
    };
  }
}

import type { Store } from '../../storage/store.js';
import type { Clock } from '../clock.js';
import {
  Invalid,
  SKIP,
  charField,
  dateTimeField,
  integerField,
  isPlainObject,
  message,
} from '../drf/fields.js';
import type { ErrorTree, Field } from '../drf/fields.js';
import { pyRepr, pyStrRepr } from '../drf/repr.js';
import { formatDateTime } from '../drf/time.js';
import { errors } from '../errors.js';
import { accountScope, integrationScope } from '../cursor.js';
import { paginate, readCursor } from '../pagination.js';
import type { Page } from '../pagination.js';
import type { Integration, StoredIntegrationLog } from '../types.js';

/** A JSON object or null (the reference's `response`/`request`), stored as JSON text. */
const jsonObject: Field<string | null> = (data) => {
  if (data === undefined || data === null) return null;
  if (!isPlainObject(data)) return new Invalid([message.notADict(data)]);
  return JSON.stringify(data);
};

/**
 * IntegrationLog's writable fields. `integration_id` and `user_id` are write-only in the reference but
 * come from the path and the credentials (docs/behaviour.md); a body's values are ignored. `exception` may not
 * be null: the reference's only 400 example says so.
 */
const LOG_FIELDS = {
  base_url: charField({ required: true }),
  full_url: charField({ allowNull: true, allowBlank: true }),
  method: charField({ allowBlank: true, maxLength: 10 }),
  response_code: integerField({ allowNull: true, minValue: 0 }),
  response: jsonObject,
  request: jsonObject,
  created_at: dateTimeField(),
  exception_type: charField({ allowNull: true, allowBlank: true }),
  exception: charField({ allowBlank: true }),
} as const satisfies Record<string, Field<unknown>>;

/**
 * The reference documents this endpoint's 400 message as `{'exception': ['This field may not be null.', ]}`
 * — a dict whose lists end in `, ]`. We answer in exactly that form (documented text, byte for byte).
 */
function logErrorMessage(fieldErrors: Record<string, ErrorTree>): string {
  const entries = Object.entries(fieldErrors).map(([name, tree]) => {
    const items = Array.isArray(tree) && tree.every((t) => typeof t === 'string') ? (tree as string[]) : null;
    const value = items === null ? pyRepr(tree) : `[${items.map((m) => `${pyStrRepr(m)}, `).join('')}]`;
    return `${pyStrRepr(name)}: ${value}`;
  });
  return `{${entries.join(', ')}}`;
}

export function renderLog(log: StoredIntegrationLog) {
  return {
    id: log.id,
    base_url: log.baseUrl,
    full_url: log.fullUrl,
    method: log.method,
    response_code: log.responseCode,
    response: log.response === null ? null : (JSON.parse(log.response) as unknown),
    request: log.request === null ? null : (JSON.parse(log.request) as unknown),
    created_at: formatDateTime(log.createdAtUs),
    exception_type: log.exceptionType,
    exception: log.exception,
    protected: false,
  };
}

/** Integration exception logs: created per integration, listed per integration or account-wide. */
export class LogService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly pageSize: number,
  ) {}

  async create(integration: Integration, body: unknown) {
    if (!isPlainObject(body)) {
      throw errors.badRequest(logErrorMessage({ non_field_errors: [message.notAnObject(body)] }));
    }
    const values: Record<string, unknown> = {};
    const fieldErrors: Record<string, ErrorTree> = {};
    for (const [name, field] of Object.entries(LOG_FIELDS) as [string, Field<unknown>][]) {
      const outcome = field(Object.hasOwn(body, name) ? body[name] : undefined);
      if (outcome instanceof Invalid) fieldErrors[name] = outcome.errors;
      else if (outcome !== SKIP) values[name] = outcome;
    }
    if (Object.keys(fieldErrors).length > 0) throw errors.badRequest(logErrorMessage(fieldErrors));
    const nowUs = this.clock.nowUs();
    const log = await this.store.createLog(
      {
        integrationId: integration.id,
        accountId: integration.accountId,
        baseUrl: values.base_url as string,
        fullUrl: (values.full_url as string | null | undefined) ?? null,
        method: (values.method as string | undefined) ?? '',
        responseCode: (values.response_code as number | null | undefined) ?? null,
        response: (values.response as string | null | undefined) ?? null,
        request: (values.request as string | null | undefined) ?? null,
        exceptionType: (values.exception_type as string | null | undefined) ?? null,
        exception: (values.exception as string | undefined) ?? '',
        createdAtUs: (values.created_at as number | undefined) ?? nowUs,
      },
      nowUs,
    );
    return renderLog(log);
  }

  /** Newest first, paginated like shipments; `integration` null lists the whole account's. */
  async list(
    accountId: number,
    integration: Integration | null,
    params: URLSearchParams,
    linkBase: string,
  ): Promise<Page<ReturnType<typeof renderLog>>> {
    // The cursor is bound to its list: one integration's, or this account's account-wide list.
    const scope = integration === null ? accountScope(accountId) : integrationScope(integration.id);
    const cursor = readCursor(params, scope);
    const rows = await this.store.listLogs({
      accountId,
      integrationId: integration?.id ?? null,
      after: cursor?.position ?? null,
      reverse: cursor?.reverse ?? false,
      limit: this.pageSize + 1,
    });
    return paginate(
      rows.map((row) => ({ ...row, createdAtUs: row.importedAtUs, log: row })),
      { pageSize: this.pageSize, cursor, scope, params, linkBase, render: (r) => renderLog(r.log) },
    );
  }
}

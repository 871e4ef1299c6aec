/**
 * The journal and coverage operations of the admin API: what this process answered on the Sendcloud
 * surface, and which documented operation × status pairs it has answered since the last reset.
 */
import { adminErrors } from '../../domain/admin/errors.js';
import type { Journal, JournalEntry, RecordedMessage } from '../../domain/admin/journal.js';
import type { AdminOperation } from './routes.js';
import { iso } from './schemas.js';

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

const text = (description: string) => ({ type: 'string', maxLength: 1000, description }) as const;
const whole = (description: string) => ({ type: 'string', pattern: '^[0-9]{1,15}$', description }) as const;

export const journalQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    account_id: whole('Only this account’s requests.'),
    integration_id: whole('Only requests on this integration.'),
    operation: text('Only this operation (e.g. `upsert_shipments`, `not_found`).'),
    status: {
      type: 'string',
      pattern: '^([1-5][0-9]{2}|[1-5]xx)$',
      description: 'A status (`404`) or a class (`4xx`).',
    },
    test_id: text('Only requests that sent this `X-Order-Inbox-Test` header.'),
    since: text('Only requests received at or after this time (ISO 8601).'),
    until: text('Only requests received before this time (ISO 8601).'),
    q: text('A case-insensitive text match in the request or response body.'),
    limit: whole(`How many entries (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}).`),
    order: {
      type: 'string',
      enum: ['asc', 'desc'],
      description: 'Newest first (`desc`, the default) or oldest first.',
    },
  },
} as const;

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const message = {
  type: 'object',
  required: ['headers', 'body', 'truncated'],
  properties: {
    headers: { ...stringMap, description: 'As sent; credentials, tokens and cookies read `[REDACTED]`.' },
    body: {
      description:
        'Parsed when it is JSON, else the text (`""` when none); secret fields read `[REDACTED]`. A truncated body is text ending in `…[truncated: N bytes]`.',
    },
    truncated: { type: 'boolean' },
  },
} as const;

export const journalSchema = {
  type: 'object',
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'id',
          'at',
          'method',
          'path',
          'query',
          'operation',
          'account_id',
          'integration_id',
          'test_id',
          'status',
          'duration_ms',
          'request',
          'response',
        ],
        properties: {
          id: { type: 'integer', description: 'Rises with every entry this process records.' },
          at: { type: 'string', description: 'When the request arrived (UTC, ISO 8601).' },
          method: { type: 'string' },
          path: { type: 'string' },
          query: {
            type: 'string',
            description: 'The query string as sent, without `?`; secret parameters redacted.',
          },
          operation: { type: 'string', description: 'The operation, or `not_found` / `method_not_allowed`.' },
          account_id: {
            type: ['integer', 'null'],
            description: 'The authenticated account; null when none.',
          },
          integration_id: { type: ['integer', 'null'] },
          test_id: { type: ['string', 'null'], description: 'The `X-Order-Inbox-Test` header, when sent.' },
          status: { type: 'integer' },
          duration_ms: { type: 'number' },
          request: message,
          response: message,
          fault: {
            type: ['object', 'null'],
            description:
              'The fault rule applied to this request (`POST /__admin/faults`), null when none. With `close: "before_answer"` the entry\'s `status` is 0: no answer was sent.',
            required: ['rule_id', 'effect', 'latency_ms'],
            properties: {
              rule_id: { type: 'integer' },
              effect: { type: 'object', additionalProperties: true },
              latency_ms: {
                type: 'integer',
                description: 'The delay it added (a log-normal draw), 0 for none.',
              },
            },
          },
          near_misses: {
            type: 'array',
            description:
              'For an unknown path or a method its path does not serve: the operations probably meant.',
            items: {
              type: 'object',
              required: ['operation', 'method', 'path'],
              properties: {
                operation: { type: 'string' },
                method: { type: 'string' },
                path: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const clearedSchema = {
  type: 'object',
  required: ['removed'],
  properties: { removed: { type: 'integer', minimum: 0, description: 'How many entries were forgotten.' } },
} as const;

const countedStatus = {
  type: 'object',
  required: ['status', 'documented', 'answered'],
  properties: {
    status: { type: 'integer' },
    documented: { type: 'boolean', description: 'The served OpenAPI document lists this status.' },
    answered: { type: 'integer', minimum: 0, description: 'Answers with it since the last reset.' },
  },
} as const;

export const coverageSchema = {
  type: 'object',
  required: ['operations', 'unmatched', 'totals'],
  properties: {
    operations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['operation', 'method', 'path', 'statuses'],
        properties: {
          operation: { type: 'string' },
          method: { type: 'string' },
          path: { type: 'string' },
          statuses: { type: 'array', items: countedStatus },
        },
      },
    },
    unmatched: {
      type: 'array',
      description: 'Answers no operation gave: unknown paths, methods a path does not serve, OPTIONS.',
      items: {
        type: 'object',
        required: ['operation', 'status', 'answered'],
        properties: {
          operation: { type: 'string' },
          status: { type: 'integer' },
          answered: { type: 'integer' },
        },
      },
    },
    totals: {
      type: 'object',
      required: ['documented', 'answered'],
      properties: {
        documented: { type: 'integer', description: 'Documented operation × status pairs.' },
        answered: { type: 'integer', description: 'How many of them were answered at least once.' },
      },
    },
  },
} as const;

function messageView(recorded: RecordedMessage) {
  let body: unknown = recorded.body;
  if (recorded.json) {
    try {
      body = JSON.parse(recorded.body);
    } catch {
      // Sent as JSON but not JSON: the text, as sent.
    }
  }
  return { headers: recorded.headers, body, truncated: recorded.truncated };
}

function entryView(entry: JournalEntry) {
  return {
    id: entry.id,
    at: iso(entry.atUs),
    method: entry.method,
    path: entry.path,
    query: entry.query,
    operation: entry.operation,
    account_id: entry.accountId,
    integration_id: entry.integrationId,
    test_id: entry.testId,
    status: entry.status,
    duration_ms: entry.durationMs,
    request: messageView(entry.request),
    response: messageView(entry.response),
    fault:
      entry.fault === null
        ? null
        : { rule_id: entry.fault.ruleId, effect: entry.fault.effect, latency_ms: entry.fault.latencyMs },
    ...(entry.nearMisses === null ? {} : { near_misses: entry.nearMisses }),
  };
}

function timeOf(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw adminErrors.invalidRequest(`querystring/${name} must be an ISO 8601 date-time.`);
  return ms * 1000;
}

function coverageView(journal: Journal) {
  const answered = new Map(journal.answeredCounts());
  let documented = 0;
  let covered = 0;
  const operations = journal.catalogue.map((route) => {
    const statuses = route.statuses.map((status) => {
      const key = `${route.operation} ${status}`;
      const count = answered.get(key) ?? 0;
      answered.delete(key);
      documented += 1;
      if (count > 0) covered += 1;
      return { status, documented: true, answered: count };
    });
    return { operation: route.operation, method: route.method, path: route.path, statuses };
  });
  // An operation that answered a status its schema does not list: shown beside the documented ones.
  for (const operation of operations) {
    for (const [key, count] of answered) {
      const [name, status] = key.split(' ') as [string, string];
      if (name !== operation.operation) continue;
      operation.statuses.push({ status: Number(status), documented: false, answered: count });
      answered.delete(key);
    }
    operation.statuses.sort((a, b) => a.status - b.status);
  }
  const unmatched = [...answered]
    .map(([key, count]) => {
      const [operation, status] = key.split(' ') as [string, string];
      return { operation, status: Number(status), answered: count };
    })
    .sort((a, b) => a.operation.localeCompare(b.operation) || a.status - b.status);
  return { operations, unmatched, totals: { documented, answered: covered } };
}

export function journalOperations(journal: Journal): AdminOperation[] {
  return [
    {
      method: 'GET',
      path: '/journal',
      operationId: 'listJournal',
      summary:
        'What this process was sent on `/api/v2` and `/oauth2/token` and what it answered, newest first, with credentials, tokens and secrets redacted. Per instance; only while the admin API is on.',
      query: journalQuery,
      success: { status: 200, description: 'The matching entries.', schema: journalSchema },
      errors: { 400: 'A filter is malformed (`invalid_request`, naming it).' },
      handle: async ({ query }) => {
        const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
        if (limit < 1 || limit > MAX_LIMIT) {
          throw adminErrors.invalidRequest(`querystring/limit must be from 1 to ${MAX_LIMIT}.`);
        }
        const entries = journal.query({
          accountId: query.account_id === undefined ? undefined : Number(query.account_id),
          integrationId: query.integration_id === undefined ? undefined : Number(query.integration_id),
          operation: query.operation,
          status: query.status,
          testId: query.test_id,
          sinceUs: timeOf('since', query.since),
          untilUs: timeOf('until', query.until),
          q: query.q,
          limit,
          order: query.order === 'asc' ? 'asc' : 'desc',
        });
        return { entries: entries.map(entryView) };
      },
    },
    {
      method: 'DELETE',
      path: '/journal',
      operationId: 'clearJournal',
      summary: 'Forget every journal entry of this process.',
      success: { status: 200, description: 'How many entries were forgotten.', schema: clearedSchema },
      errors: {},
      handle: async () => ({ removed: journal.clear() }),
    },
    {
      method: 'GET',
      path: '/coverage',
      operationId: 'getCoverage',
      summary:
        'Every operation × status the served OpenAPI document lists, with how often this process answered it since the last full reset; answers no operation gave apart.',
      success: { status: 200, description: 'The coverage.', schema: coverageSchema },
      errors: {},
      handle: async () => coverageView(journal),
    },
  ];
}

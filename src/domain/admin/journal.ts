/**
 * The request journal: what this process answered on the Sendcloud surface (`/api/v2`, `/oauth2/token`
 * and unknown paths), with credentials, tokens and secrets redacted, in a ring bounded by count and by
 * bytes. It lives in memory and per process: an entry is what this instance received and sent, so with
 * several instances on one PostgreSQL database each keeps (and answers for) its own traffic — a shared
 * journal would put every request's bodies through the database on the hot path. It also counts, per
 * operation and status, what was answered since the last reset (coverage).
 */

import type { FaultEffect } from '../faults/rules.js';

export const REDACTED = '[REDACTED]';

export interface JournalBounds {
  maxEntries: number;
  maxBytes: number;
  /** Bodies longer than this (in bytes) are kept truncated, with a marker. */
  bodyLimitBytes: number;
}

export interface RecordedMessage {
  headers: Record<string, string>;
  /** The redacted body text ('' when none), at most `bodyLimitBytes` plus the marker. */
  body: string;
  /** The body is JSON (and whole): the journal answers it parsed. */
  json: boolean;
  truncated: boolean;
}

export interface NearMiss {
  operation: string;
  method: string;
  path: string;
}

export interface JournalFault {
  ruleId: number;
  effect: FaultEffect;
  /** The delay it added (a log-normal's draw), 0 for none. */
  latencyMs: number;
}

export interface JournalEntry {
  id: number;
  atUs: number;
  method: string;
  path: string;
  query: string;
  operation: string;
  accountId: number | null;
  integrationId: number | null;
  testId: string | null;
  status: number;
  durationMs: number;
  request: RecordedMessage;
  response: RecordedMessage;
  nearMisses: NearMiss[] | null;
  /** The fault rule applied to the request, when one was; status 0 means it closed without an answer. */
  fault: JournalFault | null;
  /** What the entry holds, counted against `maxBytes`. */
  bytes: number;
}

export type NewEntry = Omit<JournalEntry, 'id' | 'bytes' | 'request' | 'response'> & {
  /** `total`: the body's whole size when only its first bytes were kept. */
  request: { headers: Record<string, string>; body: string; total?: number; contentType: string | undefined };
  response: { headers: Record<string, string>; body: string; contentType: string | undefined };
};

export interface JournalFilter {
  accountId?: number;
  integrationId?: number;
  operation?: string;
  /** An exact status (`404`) or a class (`4xx`). */
  status?: string;
  testId?: string;
  sinceUs?: number;
  untilUs?: number;
  /** A case-insensitive text match in the request or response body. */
  q?: string;
  limit: number;
  order: 'asc' | 'desc';
}

/** Header names whose value is a credential, whatever the request. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
]);

/**
 * Field names that can carry a secret: OAuth2's `client_secret`, `access_token` and `refresh_token`,
 * a secret key, a password, a signing key. `token_type` and `expires_in` stay readable.
 */
const SECRET_KEY =
  /(^|_)(secret|secret_key|password|passwd|token|authorization|api_key|signature_key|private_key)$/i;
/** A cheap first look before a body is parsed for redaction: most bodies name no such field. */
const MAY_HOLD_SECRET = /secret|passw|token|authorization|api_key|signature_key|private_key/i;

/** `Basic [REDACTED]`: the scheme stays, so a reader sees which authentication the client tried. */
function redactHeaderValue(name: string, value: string): string {
  if (name !== 'authorization' && name !== 'proxy-authorization') return REDACTED;
  const space = value.indexOf(' ');
  return space === -1 ? REDACTED : `${value.slice(0, space)} ${REDACTED}`;
}

export function redactHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
    const lower = name.toLowerCase();
    out[lower] = SECRET_HEADERS.has(lower) ? redactHeaderValue(lower, value) : value;
  }
  return out;
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && inner !== null ? REDACTED : redactValue(inner);
  }
  return out;
}

/** `a=1&client_secret=x` with each secret field's value replaced; other fields as sent. */
export function redactForm(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      let name = key;
      try {
        name = decodeURIComponent(key.replace(/\+/g, ' '));
      } catch {
        // An undecodable name is judged as sent.
      }
      return eq !== -1 && SECRET_KEY.test(name) ? `${key}=${REDACTED}` : pair;
    })
    .join('&');
}

/** A JSON text without the values of secret fields; text that does not parse is redacted field by field. */
function redactJsonText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  try {
    return JSON.stringify(redactValue(JSON.parse(text)));
  } catch {
    return text.replace(
      /("((?:[^"\\]|\\.)*)"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\]\s]+)/g,
      (whole, head: string, key: string) => (SECRET_KEY.test(key) ? `${head}"${REDACTED}"` : whole),
    );
  }
}

const isJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType);
const isForm = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/x-www-form-urlencoded\b/i.test(contentType);

/** A body as the journal keeps it: redacted first (a cut could hide a field name), then cut to the cap. */
export function recordBody(body: string, contentType: string | undefined, limit: number, total?: number) {
  const json = isJson(contentType);
  const redacted = json ? redactJsonText(body) : isForm(contentType) ? redactForm(body) : body;
  const size = Buffer.byteLength(redacted);
  const whole = total ?? size;
  if (size <= limit && whole <= limit) {
    return { body: redacted, json: json && redacted !== '', truncated: false, size };
  }
  const cut = Buffer.from(redacted)
    .subarray(0, limit)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  const kept = `${cut}…[truncated: ${Math.max(whole, size)} bytes]`;
  return { body: kept, json: false, truncated: true, size: Buffer.byteLength(kept) };
}

/** A query string without the values of secret parameters (a client may put a secret anywhere). */
export const redactQuery = (query: string): string => redactForm(query);

/** One real operation, as the served OpenAPI document names it. */
export interface CatalogueRoute {
  operation: string;
  method: string;
  /** In OpenAPI's `{param}` notation. */
  path: string;
  /** The statuses its schema documents. */
  statuses: number[];
}

const segments = (path: string): string[] => path.split('/').filter((s) => s !== '');
const matches = (template: string[], actual: string[]): boolean =>
  template.length === actual.length &&
  template.every((t, i) => t === actual[i] || (t.startsWith('{') && actual[i] !== ''));

const API_PREFIX = ['api', 'v2'];

/**
 * The operations a request to an unknown path (or with a method its path does not serve) probably meant:
 * the operations of the same path; else those of the path with `/api/v2` in front, or with one trailing
 * segment more or less. Those with the request's method come first.
 */
export function nearMisses(catalogue: readonly CatalogueRoute[], method: string, path: string): NearMiss[] {
  const actual = segments(path);
  const view = (route: CatalogueRoute): NearMiss => ({
    operation: route.operation,
    method: route.method,
    path: route.path,
  });
  // A real path called with a method it does not serve: its own operations, nothing farther.
  const samePath = catalogue.filter((route) => matches(segments(route.path), actual));
  if (samePath.length > 0) return samePath.map(view);
  const shapes: string[][] = [actual];
  if (actual[0] !== 'api') shapes.push([...API_PREFIX, ...actual]);
  if (actual.length > 1) shapes.push(actual.slice(0, -1));
  const found = new Map<CatalogueRoute, number>();
  shapes.forEach((shape, rank) => {
    for (const route of catalogue) {
      const template = segments(route.path);
      const near =
        matches(template, shape) ||
        // One segment missing at the end: the path is the route's without its last segment.
        (rank === 0 && template.length === shape.length + 1 && matches(template.slice(0, -1), shape));
      if (near && !found.has(route)) found.set(route, rank);
    }
  });
  return [...found.entries()]
    .sort(([a, ra], [b, rb]) => ra - rb || Number(b.method === method) - Number(a.method === method))
    .map(([route]) => view(route));
}

const ENTRY_OVERHEAD_BYTES = 256;
const headerBytes = (headers: Record<string, string>): number => {
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) bytes += name.length + value.length + 4;
  return bytes;
};

export class Journal {
  private entries: JournalEntry[] = [];
  private bytes = 0;
  private nextId = 1;
  /** `operation status` → answers since the last reset. */
  private answered = new Map<string, number>();
  private routes: CatalogueRoute[] = [];

  constructor(readonly bounds: JournalBounds) {}

  /** The real operations; the HTTP layer fills it in as routes register. */
  addRoute(route: CatalogueRoute): void {
    this.routes.push(route);
  }

  get catalogue(): readonly CatalogueRoute[] {
    return this.routes;
  }

  record(entry: NewEntry): JournalEntry {
    const { request: sent, response: answered } = entry;
    const limit = this.bounds.bodyLimitBytes;
    const request = recordBody(sent.body, sent.contentType, limit, sent.total);
    const response = recordBody(answered.body, answered.contentType, limit);
    // Field by field: a spread of the rest of `entry` cost ten times the whole of the rest of this method.
    const stored: JournalEntry = {
      id: this.nextId++,
      atUs: entry.atUs,
      method: entry.method,
      path: entry.path,
      query: entry.query,
      operation: entry.operation,
      accountId: entry.accountId,
      integrationId: entry.integrationId,
      testId: entry.testId,
      status: entry.status,
      durationMs: entry.durationMs,
      nearMisses: entry.nearMisses,
      fault: entry.fault,
      request: {
        headers: sent.headers,
        body: request.body,
        json: request.json,
        truncated: request.truncated,
      },
      response: {
        headers: answered.headers,
        body: response.body,
        json: response.json,
        truncated: response.truncated,
      },
      bytes:
        ENTRY_OVERHEAD_BYTES +
        request.size +
        response.size +
        headerBytes(sent.headers) +
        headerBytes(answered.headers) +
        entry.path.length +
        entry.query.length,
    };
    // A 405 is documented on the operations of its path: it counts for each of them.
    const counted =
      entry.operation === 'method_not_allowed' && entry.nearMisses !== null && entry.nearMisses.length > 0
        ? entry.nearMisses.map((miss) => miss.operation)
        : [entry.operation];
    // A connection closed without an answer (status 0, a fault) answered nothing to count.
    for (const operation of entry.status === 0 ? [] : counted) {
      const key = `${operation} ${entry.status}`;
      this.answered.set(key, (this.answered.get(key) ?? 0) + 1);
    }
    this.entries.push(stored);
    this.bytes += stored.bytes;
    // The oldest go first; the newest entry always stays, however large (its bodies are capped).
    while (
      this.entries.length > 1 &&
      (this.entries.length > this.bounds.maxEntries || this.bytes > this.bounds.maxBytes)
    ) {
      this.bytes -= (this.entries.shift() as JournalEntry).bytes;
    }
    return stored;
  }

  query(filter: JournalFilter): JournalEntry[] {
    const q = filter.q?.toLowerCase();
    const status = filter.status;
    const keep = (e: JournalEntry): boolean =>
      (filter.accountId === undefined || e.accountId === filter.accountId) &&
      (filter.integrationId === undefined || e.integrationId === filter.integrationId) &&
      (filter.operation === undefined || e.operation === filter.operation) &&
      (status === undefined ||
        (/^[1-5]xx$/i.test(status) ? String(e.status)[0] === status[0] : String(e.status) === status)) &&
      (filter.testId === undefined || e.testId === filter.testId) &&
      (filter.sinceUs === undefined || e.atUs >= filter.sinceUs) &&
      (filter.untilUs === undefined || e.atUs < filter.untilUs) &&
      (q === undefined ||
        e.request.body.toLowerCase().includes(q) ||
        e.response.body.toLowerCase().includes(q));
    const out: JournalEntry[] = [];
    const n = this.entries.length;
    for (let i = 0; i < n && out.length < filter.limit; i++) {
      const entry = this.entries[filter.order === 'asc' ? i : n - 1 - i] as JournalEntry;
      if (keep(entry)) out.push(entry);
    }
    return out;
  }

  /** Forgets every entry, or one account's; answers how many went. */
  clear(accountId: number | null = null): number {
    const before = this.entries.length;
    this.entries = accountId === null ? [] : this.entries.filter((e) => e.accountId !== accountId);
    this.bytes = this.entries.reduce((sum, e) => sum + e.bytes, 0);
    return before - this.entries.length;
  }

  resetCoverage(): void {
    this.answered.clear();
  }

  /** Answers per `operation status` since the last reset. */
  answeredCounts(): ReadonlyMap<string, number> {
    return this.answered;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.length, bytes: this.bytes };
  }
}

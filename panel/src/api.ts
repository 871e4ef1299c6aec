/**
 * The panel's only way out: the public APIs (`/api/v2`, `/api/v3`) with the key pair, the admin API
 * (`/__admin`) with the admin token, on the origin the page came from. Credentials live in this
 * module's memory and nowhere else (no cookie, no storage): a reload signs out.
 */

export interface Credentials {
  publicKey: string;
  secretKey: string;
  adminToken: string;
}

let current: Credentials = { publicKey: '', secretKey: '', adminToken: '' };

export const hasKeyPair = (c: Credentials = current): boolean => c.publicKey !== '' && c.secretKey !== '';
export const hasAdmin = (c: Credentials = current): boolean => c.adminToken !== '';
export const setCredentials = (c: Credentials): void => {
  current = { ...c };
};
export const clearCredentials = (): void => setCredentials({ publicKey: '', secretKey: '', adminToken: '' });

/** Basic auth as RFC 7617 with UTF-8, which `btoa` alone cannot encode. */
function basic(c: Credentials): string {
  const bytes = new TextEncoder().encode(`${c.publicKey}:${c.secretKey}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/** An answer that is not a 2xx, with the message the API gave, in whichever envelope it uses. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
    /** v3's JSON:API errors, by field, when it named them. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

function messageOf(status: number, body: unknown): { message: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  if (typeof body === 'object' && body !== null) {
    const envelope = body as { error?: { message?: unknown; code?: unknown }; errors?: unknown };
    // v2's {"error": {code, request, message}} and the admin API's {"error": {code, message}}.
    if (typeof envelope.error?.message === 'string') return { message: envelope.error.message, fields };
    // v3's JSON:API {"errors": [{status, code, detail, source: {pointer}}]}.
    if (Array.isArray(envelope.errors)) {
      const details: string[] = [];
      for (const item of envelope.errors as { detail?: unknown; source?: { pointer?: unknown } }[]) {
        const detail = typeof item.detail === 'string' ? item.detail : '';
        details.push(detail);
        const pointer = item.source?.pointer;
        if (typeof pointer === 'string') {
          const field = pointer.split('/').filter(Boolean).pop();
          if (field !== undefined) fields[field] = detail;
        }
      }
      return { message: details.join(' '), fields };
    }
  }
  if (status === 429) return { message: 'Too many requests: wait a moment and try again.', fields };
  return { message: `The server answered ${status}.`, fields };
}

export interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
}

async function call<T>(
  authorization: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        authorization,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached: is order-inbox running?', null);
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    const { message, fields } = messageOf(response.status, parsed);
    throw new ApiError(response.status, message, parsed, fields);
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** The public APIs, with the key pair; never the admin API. */
export function publicApi<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
  if (!path.startsWith('/api/')) throw new Error(`not a public API path: ${path}`);
  return call<T>(basic(current), method, path, body);
}

/** The admin API, with the admin token; never the public APIs. */
export function adminApi<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
  if (!path.startsWith('/__admin/')) throw new Error(`not an admin API path: ${path}`);
  return call<T>(`Bearer ${current.adminToken}`, method, path, body);
}

/** The `next` and `prev` targets of an RFC 8288 `Link` header (v3's pagination), as same-origin paths. */
export function parseLinks(header: string | null): { next: string | null; prev: string | null } {
  const links = { next: null as string | null, prev: null as string | null };
  if (header === null) return links;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match === null) continue;
    const rel =
      /rel="?([^";]+)"?/i
        .exec(match[2] as string)?.[1]
        ?.toLowerCase()
        .split(/\s+/) ?? [];
    const target = samePath(match[1] as string);
    if (rel.includes('next')) links.next = target;
    if (rel.includes('prev') || rel.includes('previous')) links.prev = target;
  }
  return links;
}

/**
 * The path and query of an absolute `next`/`previous` link. The API builds them from its public base
 * URL, which may be another host (behind a proxy, or the API port while the page is on the operations
 * port); the page always asks its own origin.
 */
export function samePath(link: string | null): string | null {
  if (link === null || link === '') return null;
  const url = new URL(link, window.location.origin);
  return `${url.pathname}${url.search}`;
}

/**
 * Reads the Python `repr` of a dict of lists of strings, which is how v2 (DRF) puts field errors in
 * its `message`: `{'settings': ['webhook_url: This field may not be null.']}`. Anything else: null.
 */
export function parsePythonDict(text: string): Record<string, string[]> | null {
  let i = 0;
  const space = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const str = (): string | null => {
    space();
    const quote = text[i];
    if (quote !== "'" && quote !== '"') return null;
    i++;
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\') {
        i++;
        const escaped = text[i] ?? '';
        out += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
      } else out += text[i];
      i++;
    }
    if (text[i] !== quote) return null;
    i++;
    return out;
  };
  const expect = (char: string): boolean => {
    space();
    if (text[i] !== char) return false;
    i++;
    return true;
  };
  const result: Record<string, string[]> = {};
  if (!expect('{')) return null;
  space();
  if (text[i] === '}') return result;
  for (;;) {
    const key = str();
    if (key === null || !expect(':') || !expect('[')) return null;
    const values: string[] = [];
    space();
    if (text[i] !== ']') {
      for (;;) {
        const value = str();
        if (value === null) return null;
        values.push(value);
        if (expect(']')) break;
        if (!expect(',')) return null;
      }
    } else i++;
    result[key] = values;
    if (expect('}')) break;
    if (!expect(',')) return null;
  }
  space();
  return i === text.length ? result : null;
}

/**
 * v2's integration errors by form field: `settings` entries read `field: message`, other keys are
 * the field's own name. Null when the message is not a field-error dict.
 */
export function integrationFieldErrors(message: string): Record<string, string[]> | null {
  const dict = parsePythonDict(message);
  if (dict === null) return null;
  const fields: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(dict)) {
    for (const entry of messages) {
      const match = key === 'settings' ? /^([a-z_]+): (.*)$/s.exec(entry) : null;
      const field = match ? (match[1] as string) : key;
      (fields[field] ??= []).push(match ? (match[2] as string) : entry);
    }
  }
  return fields;
}

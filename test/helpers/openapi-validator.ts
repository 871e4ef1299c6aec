import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * Checks answers against the server's own OpenAPI document: `call()` runs every
 * `/api/v2` and `/oauth2` answer of the suite through `validateResponse`, so a response that drifts
 * from the document fails the test that received it.
 *
 * The operation is found by matching the path against the document's path templates (a literal segment
 * beats a `{param}`, so `/integrations/logs` is not `/integrations/{id}`), with a trailing slash ignored
 * as the server ignores it. Then: the status must be documented for that operation; a documented body
 * must be JSON that validates (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 says, with formats); a response
 * documented without content must have an empty body; documented headers must be present.
 *
 * Outside the documented operations: another method on a documented path (405) is checked against
 * that path's documented 405; a path the document does not know must answer an error in the shared
 * `ErrorEnvelope`. `OPTIONS` answers DRF's view metadata, which the document does not describe.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface ResponseExtras {
  /** The raw body text: a response documented without content must have none. */
  text?: string;
  contentType?: string | null;
  headers?: Headers;
}

interface Compiled {
  ajv: Ajv2020;
  validators: Map<string, ValidateFunction>;
  templates: { path: string; pattern: RegExp; literals: number }[];
}

const DOC_ID = 'https://order-inbox.local/openapi.json';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const compiledDocs = new WeakMap<object, Compiled>();

// ajv-formats is CommonJS with a default export; under NodeNext its callable is `.default`.
const addFormats = ((addFormatsModule as Json).default ?? addFormatsModule) as (ajv: Ajv2020) => void;

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function compile(doc: Json): Compiled {
  let compiled = compiledDocs.get(doc);
  if (compiled) return compiled;
  // `strict: false`: the document carries OpenAPI keywords (`example`, `xml`, …) beside JSON Schema.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // OpenAPI's `decimal` format: a decimal number as a string (the pattern says how many places).
  ajv.addFormat('decimal', /^-?\d+(\.\d+)?$/);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  const templates = Object.keys(doc.paths ?? {}).map((path) => {
    const parts = path.split('/');
    const pattern = new RegExp(
      `^${parts
        .map((p) => (/^\{.+\}$/.test(p) ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}$`,
    );
    return { path, pattern, literals: parts.filter((p) => !/^\{.+\}$/.test(p)).length };
  });
  // Most literal segments first: a static path wins over a template, as in the router.
  templates.sort((a, b) => b.literals - a.literals);
  compiled = { ajv, validators: new Map(), templates };
  compiledDocs.set(doc, compiled);
  return compiled;
}

function validatorAt(compiled: Compiled, pointer: string): ValidateFunction {
  let validate = compiled.validators.get(pointer);
  if (!validate) {
    validate = compiled.ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
    compiled.validators.set(pointer, validate);
  }
  return validate;
}

function fail(what: string, detail: string, body: unknown): never {
  const shown = body === undefined ? '(empty body)' : JSON.stringify(body).slice(0, 2000);
  throw new Error(`OpenAPI mismatch: ${what}: ${detail}\n  body: ${shown}`);
}

function checkAgainst(compiled: Compiled, pointer: string, what: string, body: unknown): void {
  const validate = validatorAt(compiled, pointer);
  if (!validate(body)) {
    const problems = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} (${e.schemaPath})`)
      .join('; ');
    fail(what, `body does not match ${pointer}: ${problems}`, body);
  }
}

/** The document's path template for a URL path, or null when no template matches. */
export function findPath(doc: Json, urlPath: string): string | null {
  const path = urlPath.length > 1 ? urlPath.replace(/\/+$/, '') : urlPath;
  return compile(doc).templates.find((t) => t.pattern.test(path))?.path ?? null;
}

/**
 * Throws a descriptive error unless the answer (`body` parsed as JSON, undefined when empty) is what
 * the document promises for `method urlPath` with `status`.
 */
export function validateResponse(
  doc: Json,
  method: string,
  urlPath: string,
  status: number,
  body: unknown,
  extras: ResponseExtras = {},
): void {
  const compiled = compile(doc);
  const verb = method.toLowerCase();
  const what = `${method.toUpperCase()} ${urlPath} → ${status}`;
  const path = findPath(doc, urlPath);

  if (path === null) {
    // Unknown to the document: only an error in the shared envelope is a fitting answer.
    if (status < 400) fail(what, 'the path is not in the document', body);
    checkAgainst(compiled, '/components/schemas/ErrorEnvelope', what, body);
    return;
  }
  const pathItem = doc.paths[path];
  // HEAD is GET without a body (the document leaves HEAD routes out, as Fastify generates them).
  const operationVerb = verb === 'head' ? 'get' : verb;
  let operationPointer: string | null = null;
  if (pathItem[operationVerb]) {
    operationPointer = `/paths/${escapePointer(path)}/${operationVerb}`;
  } else if (verb === 'options') {
    return; // DRF's metadata answer: not part of Sendcloud's API or of the document.
  } else {
    // Another method on a documented path: answered as any of the path's operations documents it.
    const documenting = HTTP_METHODS.find((m) => pathItem[m]?.responses?.[String(status)]);
    if (documenting === undefined) {
      fail(what, `method not documented for ${path}, and no operation there documents ${status}`, body);
    }
    operationPointer = `/paths/${escapePointer(path)}/${documenting}`;
  }

  const operation = pathItem[operationVerb] ?? pathItem[operationPointer.split('/').pop() as string];
  const responses = operation.responses ?? {};
  const key = Object.hasOwn(responses, String(status))
    ? String(status)
    : Object.hasOwn(responses, `${String(status)[0]}XX`)
      ? `${String(status)[0]}XX`
      : Object.hasOwn(responses, 'default')
        ? 'default'
        : null;
  if (key === null) {
    fail(
      what,
      `status not documented for ${operation.operationId ?? path} (documented: ${Object.keys(responses).join(', ')})`,
      body,
    );
  }
  let response = responses[key];
  if (response.$ref) response = resolveRef(doc, response.$ref);

  for (const header of Object.keys(response.headers ?? {})) {
    if (extras.headers && !extras.headers.has(header))
      fail(what, `header ${header} is documented but absent`, body);
  }

  const content = response.content as Record<string, { schema?: unknown }> | undefined;
  if (content === undefined || Object.keys(content).length === 0) {
    const text = extras.text ?? (body === undefined ? '' : JSON.stringify(body));
    if (text !== '' && verb !== 'head')
      fail(what, 'the document says no content, the body is not empty', text);
    return;
  }
  if (verb === 'head') return;
  const mediaType = Object.keys(content).find((m) => m.includes('json'));
  if (mediaType === undefined) return;
  if (extras.contentType !== undefined && !(extras.contentType ?? '').includes('json')) {
    fail(what, `documented as ${mediaType}, answered with content-type ${extras.contentType}`, extras.text);
  }
  if (body === undefined) fail(what, `documented as ${mediaType}, the body is empty`, body);
  const pointer = `${operationPointer}/responses/${escapePointer(key)}/content/${escapePointer(mediaType)}/schema`;
  checkAgainst(compiled, pointer, what, body);
}

function resolveRef(doc: Json, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`OpenAPI validator: cannot follow the reference ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node: Json, segment) => node?.[segment], doc);
}

const documents = new Map<string, Promise<Json>>();
const documentUrls = new Map<string, string>();

/** Where the document of the server at `origin` is served (when it is not on the server itself). */
export function setDocumentUrl(origin: string, url: string): void {
  documentUrls.set(origin, url);
  documents.delete(origin);
}

/** The OpenAPI document of the server at `origin`, fetched once per origin. */
export function documentFor(origin: string): Promise<Json> {
  let document = documents.get(origin);
  if (!document) {
    const url = documentUrls.get(origin) ?? `${origin}/api/v2/openapi.json`;
    document = fetch(url).then(async (response) => {
      if (response.status !== 200) {
        throw new Error(
          `OpenAPI validator: GET ${url} answered ${response.status}; no document to check against`,
        );
      }
      return (await response.json()) as Json;
    });
    // A failure is not cached: the next call tries again.
    document.catch(() => documents.delete(origin));
    documents.set(origin, document);
  }
  return document;
}

/** Paths whose answers `call()` checks: the API and the token endpoint, not the document itself. */
export function isCheckedPath(urlPath: string): boolean {
  if (urlPath.startsWith('/api/v2/openapi.json') || urlPath.startsWith('/api/v2/docs')) return false;
  return /^\/api\/v2(\/|$)/.test(urlPath) || /^\/oauth2(\/|$)/.test(urlPath);
}

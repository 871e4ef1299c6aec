import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { referenceDocument } from './reference.js';

/**
 * Checks every `/api/v3` answer against Sendcloud's v3 reference (test/fixtures/sendcloud-v3-orders.json),
 * not against the server's own document: `call()` runs each one through `validateV3Response`.
 *
 * - A status the reference documents for the operation: the body must match its schema (Ajv, with
 *   OpenAPI 3.0's `nullable`; formats checked), or be empty where it documents no content.
 * - Every other answer must be an error in v3's format, checked more strictly than the reference's
 *   loose `errors` schema: a non-empty `errors` array whose objects carry `status` (the HTTP status as a
 *   string), `code` and `detail` as non-empty strings, `title` non-empty when present, and `source`
 *   with only `pointer`, `parameter` or `header`. This covers what the reference leaves undocumented
 *   (401, 405 with `POST /orders/{id}`, 413, 415, 429, 503, unknown paths).
 * - Any body at all: `Content-Type` starts with `application/json`. A `null` fails wherever the schema
 *   types the member without OpenAPI's `nullable`, which is nearly everywhere. The one widening is the
 *   reference's own: a status mapping's `external_id` is `null` for a category mapped to nothing (its
 *   description and example say so). The POST answers of shop order statuses are the JSON `null` it
 *   documents (`type: null`).
 * - OPTIONS answers 204 without a body; HEAD answers as GET without one.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const DOC_ID = 'https://order-inbox.local/sendcloud-v3.json';
const addFormats = ((addFormatsModule as Json).default ?? addFormatsModule) as (ajv: Ajv) => void;

interface Compiled {
  doc: Json;
  ajv: Ajv;
  validators: Map<string, ValidateFunction>;
  templates: { path: string; pattern: RegExp; literals: number }[];
}

let compiled: Compiled | null = null;

/** The reference, with its one documented null (a mapping's `external_id`) made explicit. */
function referenceForValidation(): Json {
  const doc = structuredClone(referenceDocument('sendcloud-v3-orders'));
  const mapping = doc.components.schemas['get-custom-status-mapping'].properties.data.properties.mapping;
  mapping.items.properties.external_id.nullable = true;
  return doc;
}

function compile(): Compiled {
  if (compiled !== null) return compiled;
  const doc = referenceForValidation();
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  const templates = Object.keys(doc.paths).map((path) => {
    const parts = path.split('/');
    const pattern = new RegExp(
      `^${parts.map((p) => (/^\{.+\}$/.test(p) ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`,
    );
    return { path, pattern, literals: parts.filter((p) => !/^\{.+\}$/.test(p)).length };
  });
  templates.sort((a, b) => b.literals - a.literals);
  compiled = { doc, ajv, validators: new Map(), templates };
  return compiled;
}

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function fail(what: string, detail: string, body: unknown): never {
  const shown = body === undefined ? '(empty body)' : JSON.stringify(body).slice(0, 2000);
  throw new Error(`v3 reference mismatch: ${what}: ${detail}\n  body: ${shown}`);
}

/** The reference's path template for a path under `/api/v3`, or null. */
export function v3ReferencePath(urlPath: string): string | null {
  const inner = urlPath.replace(/^\/api\/v3/, '').replace(/\/+$/, '') || '/';
  return compile().templates.find((t) => t.pattern.test(inner))?.path ?? null;
}

/** The JSON:API error shape every v3 error must have, whatever the reference documents. */
export function assertV3ErrorShape(status: number, body: Json, what = `error ${status}`): void {
  if (body === null || typeof body !== 'object' || !Array.isArray(body.errors) || body.errors.length === 0) {
    fail(what, 'an error must answer {"errors": [...]} with at least one error object', body);
  }
  for (const [i, error] of body.errors.entries()) {
    const at = `errors[${i}]`;
    if (error === null || typeof error !== 'object') fail(what, `${at} is not an object`, body);
    if (error.status !== String(status)) fail(what, `${at}.status must be "${status}"`, body);
    for (const member of ['code', 'detail']) {
      if (typeof error[member] !== 'string' || error[member] === '') {
        fail(what, `${at}.${member} must be a non-empty string`, body);
      }
    }
    if ('title' in error && (typeof error.title !== 'string' || error.title === '')) {
      fail(what, `${at}.title must be a non-empty string when present`, body);
    }
    const allowed = new Set(['status', 'code', 'title', 'detail', 'source', 'id', 'links', 'meta']);
    for (const key of Object.keys(error)) if (!allowed.has(key)) fail(what, `${at} has "${key}"`, body);
    if ('source' in error) {
      const source = error.source;
      if (source === null || typeof source !== 'object') fail(what, `${at}.source must be an object`, body);
      for (const [key, value] of Object.entries(source)) {
        if (!['pointer', 'parameter', 'header'].includes(key) || typeof value !== 'string') {
          fail(what, `${at}.source.${key} is not a string pointer, parameter or header`, body);
        }
      }
    }
  }
}

function validatorAt(c: Compiled, pointer: string): ValidateFunction {
  let validate = c.validators.get(pointer);
  if (!validate) {
    validate = c.ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
    c.validators.set(pointer, validate);
  }
  return validate;
}

/**
 * Throws unless the answer to `method urlPath` (a path under `/api/v3`) is what the reference allows:
 * `body` parsed as JSON (undefined when empty), `text` the raw body.
 */
export function validateV3Response(
  method: string,
  urlPath: string,
  status: number,
  body: unknown,
  text: string,
  contentType: string | null,
): void {
  const c = compile();
  const verb = method.toLowerCase();
  const what = `${method.toUpperCase()} ${urlPath} → ${status}`;
  if (text !== '' && !(contentType ?? '').startsWith('application/json')) {
    fail(what, `Content-Type must start with application/json, was ${contentType}`, text);
  }
  if (verb === 'options') {
    if (status === 204 && text !== '') fail(what, 'OPTIONS answers 204 without a body', text);
    if (status >= 400) assertV3ErrorShape(status, body, what);
    return;
  }
  const path = v3ReferencePath(urlPath);
  const operationVerb = verb === 'head' ? 'get' : verb;
  const operation = path === null ? undefined : c.doc.paths[path][operationVerb];
  let response = operation?.responses?.[String(status)];
  // A response may be a reference to `components/responses` (PATCH /orders/{id}'s 200 is `OrderUpdated`).
  let schemaPointer = `/paths/${escapePointer(path ?? '')}/${operationVerb}/responses/${status}/content/application~1json/schema`;
  const responseRef: unknown = response?.$ref;
  if (typeof responseRef === 'string' && responseRef.startsWith('#/components/responses/')) {
    const name = responseRef.slice('#/components/responses/'.length);
    response = c.doc.components.responses[name];
    schemaPointer = `/components/responses/${escapePointer(name)}/content/application~1json/schema`;
  }
  if (response === undefined) {
    // Undocumented here: only an error in v3's format fits.
    if (status < 400)
      fail(what, path === null ? 'the path is not in the reference' : 'status not documented', body);
    if (verb !== 'head') assertV3ErrorShape(status, body, what);
    return;
  }
  if (status >= 400 && verb !== 'head') assertV3ErrorShape(status, body, what);
  const media = response.content?.['application/json'];
  if (media === undefined) {
    if (text !== '') fail(what, 'the reference says no content, the body is not empty', text);
    return;
  }
  if (verb === 'head') return;
  if (text === '') fail(what, 'the reference documents a JSON body, the answer is empty', text);
  const validate = validatorAt(c, schemaPointer);
  if (!validate(body)) {
    const problems = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} (${e.schemaPath})`)
      .join('; ');
    fail(what, `body does not match the reference: ${problems}`, body);
  }
}

/** Paths `call()` checks against the v3 reference: the v3 API, not its served document. */
export function isV3Path(urlPath: string): boolean {
  return /^\/api\/v3(\/|$)/.test(urlPath) && !urlPath.startsWith('/api/v3/openapi.json');
}

import { readFileSync } from 'node:fs';
import type { DocumentName } from '../../scripts/reference-fixtures.js';

/**
 * The facts of Sendcloud's published OpenAPI documents (paths, operations, schemas, examples, documented
 * messages; not their prose), kept as fixtures in test/fixtures/ and made from the documents by
 * `npm run fixtures`. Tests replay the examples and compare against the schemas.
 */
export const FIXTURES_URL = new URL('../fixtures/', import.meta.url);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A failure that says in one line what is missing: no stack trace, whichever test meets it first. */
function missing(what: string): Error {
  const error = new Error(what);
  error.stack = error.message;
  return error;
}

const cache = new Map<DocumentName, Json>();
/** One document's facts, read from its fixture `test/fixtures/<name>.json`. */
export function referenceDocument(name: DocumentName): Json {
  let document = cache.get(name);
  if (document === undefined) {
    const file = new URL(`${name}.json`, FIXTURES_URL);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw missing(
        `test fixture missing: test/fixtures/${name}.json (make it with \`npm run fixtures -- <folder with Sendcloud's OpenAPI documents>\`)`,
      );
    }
    document = JSON.parse(text);
    cache.set(name, document);
  }
  return document;
}

/** The Integrations API v2 document, which most suites replay. */
export function reference(): Json {
  return referenceDocument('sendcloud-v2-integrations');
}

/** The `value` of a named example of an operation's request body. */
export function requestExample(path: string, method: string, name: string): Json {
  const example =
    reference().paths[path]?.[method]?.requestBody?.content['application/json']?.examples?.[name];
  if (!example)
    throw missing(`no request example ${name} for ${method} ${path} in the v2 Integrations fixture`);
  return structuredClone(example.value);
}

/** The `value` of a named example of one response (following a `$ref` to components/responses). */
export function responseExample(path: string, method: string, status: string, name: string): Json {
  let response = reference().paths[path]?.[method]?.responses?.[status];
  if (response?.$ref) response = reference().components.responses[response.$ref.split('/').pop()];
  const example = response?.content?.['application/json']?.examples?.[name];
  if (!example)
    throw missing(
      `no response example ${name} for ${status} ${method} ${path} in the v2 Integrations fixture`,
    );
  return structuredClone(example.value);
}

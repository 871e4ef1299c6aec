import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * Sendcloud's published OpenAPI document, read from `../shared/reference/` beside the checkout (the
 * project does not vendor it). Tests replay its examples and compare against its schemas.
 */
export const REFERENCE_PATH = fileURLToPath(
  new URL('../../../shared/reference/sendcloud-v2-integrations.openapi.yml', import.meta.url),
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

let cached: Json = null;
export function reference(): Json {
  cached ??= parse(readFileSync(REFERENCE_PATH, 'utf8'));
  return cached;
}

/** The `value` of a named example of an operation's request body. */
export function requestExample(path: string, method: string, name: string): Json {
  const example = reference().paths[path][method].requestBody.content['application/json'].examples[name];
  if (!example) throw new Error(`no request example ${name} for ${method} ${path}`);
  return structuredClone(example.value);
}

/** The `value` of a named example of one response (following a `$ref` to components/responses). */
export function responseExample(path: string, method: string, status: string, name: string): Json {
  let response = reference().paths[path][method].responses[status];
  if (response.$ref) response = reference().components.responses[response.$ref.split('/').pop()];
  const example = response.content['application/json'].examples[name];
  if (!example) throw new Error(`no response example ${name} for ${status} ${method} ${path}`);
  return structuredClone(example.value);
}

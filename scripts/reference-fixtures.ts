/**
 * Makes the test fixtures in test/fixtures/ from Sendcloud's published OpenAPI documents: the facts the
 * tests replay and compare against (paths, operations, parameters, statuses, schemas, examples and the
 * messages in them), without the documents' prose (`description`, `summary`, the documentation site's
 * own `x-mint`/`x-stoplight` blocks, OAuth scope texts).
 *
 *   npm run fixtures [-- <folder with the documents>]      (default ../shared/reference)
 *
 * Rerun it when the documents change; test/unit/reference-fixtures.test.ts checks that the fixtures are
 * what this script makes from the documents, wherever the folder is present.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

/** The documents, by the fixture name each one becomes (`test/fixtures/<name>.json`). */
export const DOCUMENTS = {
  'sendcloud-v2-integrations': 'sendcloud-v2-integrations.openapi.yml',
  'sendcloud-v2-webhooks': 'sendcloud-v2-webhooks.openapi.yml',
  'sendcloud-v3-orders': 'sendcloud-v3-orders.openapi.json',
} as const;
export type DocumentName = keyof typeof DOCUMENTS;

export const FIXTURES_DIR = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
export const DEFAULT_REFERENCE_DIR = fileURLToPath(new URL('../../shared/reference/', import.meta.url));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Prose fields of OpenAPI objects, dropped wherever they are a field (not a name, not data). */
const PROSE = new Set(['description', 'summary', 'x-mint', 'x-stoplight']);
/** Fields whose value is data (examples, defaults, allowed values): copied as they are. */
const DATA = new Set(['example', 'value', 'default', 'enum', 'const']);
/** Fields whose value maps names to objects: the names are kept whatever they are (a property may be
 * called `description`), the objects are walked. */
const NAMED = new Set([
  'paths',
  'webhooks',
  'callbacks',
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'schemas',
  'responses',
  'parameters',
  'requestBodies',
  'headers',
  'securitySchemes',
  'links',
  'content',
  'encoding',
  'variables',
  'examples',
]);

function object(node: Json): Json {
  if (Array.isArray(node)) return node.map(object);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (PROSE.has(key)) continue;
    if (DATA.has(key)) out[key] = value;
    // OAuth scopes map a scope's name to its prose: the names are the fact.
    else if (key === 'scopes' && value && typeof value === 'object' && !Array.isArray(value))
      out[key] = Object.fromEntries(Object.keys(value).map((scope) => [scope, '']));
    // A schema's `examples` is a list of data; elsewhere `examples` names Example objects.
    else if (key === 'examples' && Array.isArray(value)) out[key] = value;
    else if (NAMED.has(key) && value && typeof value === 'object' && !Array.isArray(value))
      out[key] = Object.fromEntries(Object.entries(value).map(([name, item]) => [name, object(item)]));
    else out[key] = object(value);
  }
  return out;
}

/** The facts of one parsed OpenAPI document: the document less its prose. */
export function facts(document: Json): Json {
  return object(document);
}

/** The text of one fixture, formatted as the repository's formatter wants it. */
export async function fixtureText(referenceDir: string, name: DocumentName): Promise<string> {
  const file = join(referenceDir, DOCUMENTS[name]);
  const text = readFileSync(file, 'utf8');
  const document = (file.endsWith('.json') ? JSON.parse(text) : parse(text)) as Json;
  const target = join(FIXTURES_DIR, `${name}.json`);
  const options = (await resolveConfig(target)) ?? {};
  return format(JSON.stringify(facts(document)), { ...options, filepath: target });
}

async function main(): Promise<void> {
  const referenceDir = resolve(process.argv[2] ?? DEFAULT_REFERENCE_DIR);
  mkdirSync(FIXTURES_DIR, { recursive: true });
  for (const name of Object.keys(DOCUMENTS) as DocumentName[]) {
    const text = await fixtureText(referenceDir, name);
    writeFileSync(join(FIXTURES_DIR, `${name}.json`), text);
    console.log(`test/fixtures/${name}.json from ${join(referenceDir, DOCUMENTS[name])}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(`npm run fixtures: ${(error as Error).message}`);
    process.exit(1);
  });
}

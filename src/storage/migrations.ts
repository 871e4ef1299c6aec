import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Migration {
  id: string;
  sql: string;
}

/** Migrations live beside the package (`migrations/<dialect>/NNNN_name.sql`), the same ids in each. */
export function migrationsDir(dialect: 'sqlite' | 'postgres'): string {
  return fileURLToPath(new URL(`../../migrations/${dialect}/`, import.meta.url));
}

export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = migrationsDir(dialect);
  return readdirSync(dir)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ id: name.replace(/\.sql$/, ''), sql: readFileSync(dir + name, 'utf8') }));
}

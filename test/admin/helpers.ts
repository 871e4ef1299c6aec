import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { CLI } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { basicHeader, call } from '../helpers/server.js';
import type { Answer } from '../helpers/server.js';

/** A token long enough for the configuration's minimum; every admin suite uses it. */
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const BEARER = `Bearer ${ADMIN_TOKEN}`;

export function admin(
  base: string,
  path: string,
  options: { method?: string; body?: unknown; auth?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return call(`${base}/__admin${path}`, { auth: BEARER, ...options });
}

export interface AdminTenant {
  accountId: number;
  publicKey: string;
  secretKey: string;
  integrationId: number;
  basic: string;
  /** The whole creating answer. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  created: any;
}

/** A tenant made over HTTP, as a suite makes one per test. */
export async function createTenant(base: string, body?: unknown): Promise<AdminTenant> {
  const answer = await admin(base, '/tenants', { method: 'POST', body });
  assert.equal(answer.status, 201, answer.text);
  return {
    accountId: answer.body.account_id,
    publicKey: answer.body.public_key,
    secretKey: answer.body.secret_key,
    integrationId: answer.body.integration_id,
    basic: basicHeader(answer.body.public_key, answer.body.secret_key),
    created: answer.body,
  };
}

/**
 * The built command line, run without blocking this process: the server under test listens here, so
 * a synchronous spawn would never get its answers.
 */
export function runCliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

import assert from 'node:assert/strict';
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

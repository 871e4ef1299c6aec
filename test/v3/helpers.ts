import assert from 'node:assert/strict';
import { call } from '../helpers/server.js';
import type { Answer } from '../helpers/server.js';

/** An access token for a tenant's key pair, from the token endpoint. */
export async function tokenFor(base: string, basic: string): Promise<string> {
  const answer = await call(`${base}/oauth2/token`, {
    method: 'POST',
    auth: basic,
    body: 'grant_type=client_credentials&scope=api',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(answer.status, 200, answer.text);
  return answer.body.access_token as string;
}

/** Asserts a v3 error answer: its status and its one error object, member for member. */
export function assertV3Error(
  answer: Answer,
  status: number,
  expected: { code: string; detail: string; title?: string; source?: Record<string, string> },
): void {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(answer.body.errors.length, 1, answer.text);
  const [error] = answer.body.errors;
  assert.equal(error.status, String(status));
  assert.equal(error.code, expected.code, answer.text);
  assert.equal(error.detail, expected.detail, answer.text);
  if (expected.title !== undefined) assert.equal(error.title, expected.title);
  assert.deepEqual(error.source, expected.source);
}

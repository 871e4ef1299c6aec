import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyRequest } from 'fastify';
import { SecretHasher } from '../../auth/secrets.js';
import { adminErrors } from '../../domain/admin/errors.js';

/**
 * How long a failed admin authentication waits before its 401. It slows guessing down without ever
 * locking anyone out: a request with the right token is never delayed, whatever failed before it.
 */
export const FAILED_AUTH_DELAY_MS = 250;

/**
 * The admin token check: `Authorization: Bearer <ADMIN_TOKEN>`, nothing else. Sendcloud credentials
 * (Basic, or an OAuth2 Bearer token) are not admin credentials and are refused like any wrong token.
 * The comparison is of SHA-256 digests in constant time, so neither the token's length nor a prefix
 * leaks through timing.
 */
export function adminAuthHook(token: string): (request: FastifyRequest) => Promise<void> {
  const hasher = new SecretHasher(null);
  const digest = hasher.hash(token);
  return async (request) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (match !== null && hasher.matches(match[1] as string, digest)) return;
    await sleep(FAILED_AUTH_DELAY_MS);
    throw adminErrors.unauthorized();
  };
}

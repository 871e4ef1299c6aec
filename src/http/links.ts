import type { FastifyRequest } from 'fastify';
import { requestPath } from './request-path.js';

/**
 * The absolute URL of the path as called, for `next`/`previous` (clients call `new URL(next)`):
 * PUBLIC_BASE_URL when set, else the request's scheme and host (X-Forwarded-* only with trust-proxy).
 */
export function linkBase(request: FastifyRequest, publicBaseUrl: string | null): string {
  const origin = publicBaseUrl ?? `${request.protocol}://${request.host}`;
  return `${origin}/${requestPath(request)}`;
}

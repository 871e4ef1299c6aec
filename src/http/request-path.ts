import type { FastifyRequest } from 'fastify';

/** The raw path as called, without the leading slash and the query (docs/behaviour.md, `error.request`). */
export function requestPath(request: FastifyRequest): string {
  const url = request.raw.url ?? request.url;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.startsWith('/') ? path.slice(1) : path;
}

/** The query string as sent, without the `?` ('' when there is none). */
export function rawQuery(request: FastifyRequest): string {
  const url = request.raw.url ?? request.url;
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

/** The `{id}` a path names, as a number, when it is one (DRF's `[0-9]+`); else null. */
export function integrationIdInPath(request: FastifyRequest): number | null {
  const raw = (request.params as { id?: unknown } | undefined)?.id;
  if (typeof raw !== 'string' || !/^[0-9]{1,16}$/.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}

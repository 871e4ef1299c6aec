import { decodeCursor, encodeCursor } from './cursor.js';
import type { Cursor } from './cursor.js';
import { errors } from './errors.js';

/** A row's place in a newest-first list: its import time and internal id. */
export interface Positioned {
  id: number;
  createdAtUs: number;
}

export interface Page<T> {
  next: string | null;
  previous: string | null;
  results: T[];
}

/** The cursor of a request, or null on the first page; a bad or foreign one is 404 `Invalid cursor`. */
export function readCursor(params: URLSearchParams, scope: string): Cursor | null {
  const raw = params.get('cursor');
  if (raw === null || raw === '') return null;
  const cursor = decodeCursor(raw, scope);
  if (cursor === null) throw errors.invalidCursor();
  return cursor;
}

/**
 * DRF's CursorPagination around a keyset query. `rows` are what the store returned for `limit =
 * pageSize + 1` in the cursor's direction. `next`/`previous` keep every other query parameter, sorted
 * by name as DRF's `replace_query_param` does; forward, a page reached by a cursor always has a
 * previous one; backward, the mirror image.
 */
export function paginate<R extends Positioned, T>(
  rows: R[],
  options: {
    pageSize: number;
    cursor: Cursor | null;
    scope: string;
    params: URLSearchParams;
    linkBase: string;
    render: (row: R) => T;
  },
): Page<T> {
  const { pageSize, cursor, scope, params, linkBase } = options;
  const reverse = cursor?.reverse ?? false;
  const more = rows.length > pageSize;
  const page = more ? rows.slice(0, pageSize) : rows;
  if (reverse) page.reverse();
  const link = (rev: boolean, row: R | undefined): string | null => {
    const position = row ? { createdAtUs: row.createdAtUs, id: row.id } : cursor?.position;
    if (position === undefined) return null;
    const query = new URLSearchParams(params);
    query.set('cursor', encodeCursor({ reverse: rev, position, scope }));
    query.sort();
    return `${linkBase}?${query.toString()}`;
  };
  const hasNext = reverse ? true : more;
  const hasPrevious = reverse ? more : cursor !== null;
  return {
    next: hasNext ? link(false, page[page.length - 1]) : null,
    previous: hasPrevious ? link(true, page[0]) : null,
    results: page.map(options.render),
  };
}

/**
 * A page whose results are already JSON texts, as the UTF-8 bytes of `JSON.stringify` of the page with
 * the results as values.
 */
export function pageJson(page: Page<string>): Buffer {
  const head = `{"next":${JSON.stringify(page.next)},"previous":${JSON.stringify(page.previous)},"results":[`;
  return joinJson(head, page.results, ']}');
}

/**
 * `head`, the JSON texts `parts` separated by commas, and `tail`, as UTF-8 bytes. Written straight into
 * one buffer of the exact size, because a page of 100 shipments (≈ 135 KB) as one string costs V8 a
 * large-object allocation to join and Node a second encoding to send (measured: together about a third
 * of what the splice saved).
 */
export function joinJson(head: string, parts: readonly string[], tail: string): Buffer {
  let size = Buffer.byteLength(head) + Math.max(0, parts.length - 1) + Buffer.byteLength(tail);
  for (const part of parts) size += Buffer.byteLength(part);
  const bytes = Buffer.allocUnsafe(size);
  let offset = bytes.write(head, 0);
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) bytes[offset++] = 0x2c; // ,
    offset += bytes.write(parts[i] as string, offset);
  }
  offset += bytes.write(tail, offset);
  // Never send uninitialised memory: the sizes above are exact (JSON texts hold no lone surrogates).
  if (offset !== size) throw new Error(`JSON text is ${offset} bytes, ${size} were counted`);
  return bytes;
}

/**
 * GET /orders' query: django-filter's filters and DRF's CursorPagination, as the reference describes
 * them (docs/behaviour.md "v3 orders" records the choices where it is silent).
 *
 * - `integration`: one id, a comma list (`7,8`, `7%2C8`), repeated (`integration=7&integration=8`), or
 *   bracketed (`integration[]=7`, `integration[0]=7&integration[1]=8`); each must be one of the caller's
 *   integrations (`invalid_choice`, as another account's is), and a value that is no id at all is
 *   Django's `invalid_pk_value`.
 * - `order_id`, `order_number`, `status`: exact and case-insensitive (the last value when repeated).
 * - `order_created_at`, `order_updated_at` and their `_min`/`_max`: dates (`YYYY-MM-DD`) of the shop's
 *   times, UTC days, bounds inclusive.
 * - `sort`: keys as documented; a conflicting later value is ignored; an unsupported one means `-pk`.
 * - `page_size`: DRF's `_positive_int` with a cutoff of 200; anything else is the default 100.
 * - `cursor`: DRF's encoding, base64 of `o=<offset>&r=<0|1>&p=<position>`, any part optional. Our
 *   cursors carry an offset (and a position only when a client's cursor did); `p` is a primary key,
 *   valid only while the sort is on `pk` alone.
 */
import { parsePyDate } from '../pydantic/index.js';
import { orderErrors } from './documented-errors.js';
import { ORDER_SORT_KEYS } from './types.js';
import type { OrderListQuery, OrderSortKey } from './types.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 200;
/** DRF's `offset_cutoff`: a cursor's offset is read as at most this. */
const OFFSET_CUTOFF = 1000;
const DAY_US = 86_400_000_000;

export interface OrderCursor {
  offset: number;
  reverse: boolean;
  /** A primary key: rows strictly after it in the sort's direction. */
  position: number | null;
}

export interface ParsedOrderList {
  /** The store's query, but for where the page starts and how long it is. */
  query: Omit<OrderListQuery, 'offset' | 'limit'>;
  pageSize: number;
  cursor: OrderCursor;
}

const last = (params: URLSearchParams, name: string): string | null => {
  const all = params.getAll(name);
  const value = all.length > 0 ? (all[all.length - 1] as string) : null;
  return value === '' ? null : value;
};

/** Every value of `integration` in any of its forms, split on commas. */
function integrationValues(params: URLSearchParams): string[] {
  const values: string[] = [];
  for (const [name, value] of params) {
    if (name === 'integration' || name === 'integration[]' || /^integration\[\d+\]$/.test(name)) {
      for (const piece of value.split(',')) if (piece.trim() !== '') values.push(piece.trim());
    }
  }
  return values;
}

function dateBound(params: URLSearchParams, name: string): number | null {
  const value = last(params, name);
  if (value === null) return null;
  const date = parsePyDate(value.trim());
  if (!date.ok) throw orderErrors.invalidDate(name);
  return date.dayStartUs;
}

function dateRange(params: URLSearchParams, field: string): { fromUs: number | null; toUs: number | null } {
  const on = dateBound(params, field);
  const min = dateBound(params, `${field}_min`);
  const max = dateBound(params, `${field}_max`);
  const froms = [on, min].filter((v): v is number => v !== null);
  const tos = [on, max].filter((v): v is number => v !== null).map((v) => v + DAY_US);
  return {
    fromUs: froms.length > 0 ? Math.max(...froms) : null,
    toUs: tos.length > 0 ? Math.min(...tos) : null,
  };
}

export function parseSort(value: string | null): { key: OrderSortKey; descending: boolean }[] {
  const fallback = [{ key: 'pk' as const, descending: true }];
  if (value === null) return fallback;
  const sort: { key: OrderSortKey; descending: boolean }[] = [];
  for (const raw of value.split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const descending = term.startsWith('-');
    const key = descending ? term.slice(1) : term;
    if (!(ORDER_SORT_KEYS as readonly string[]).includes(key)) return fallback;
    if (sort.some((s) => s.key === key)) continue;
    sort.push({ key: key as OrderSortKey, descending });
  }
  return sort.length > 0 ? sort : fallback;
}

/** DRF's `_positive_int(value, strict, cutoff)`: Python's `int()`, or null where it raises. */
function positiveInt(value: string, strict: boolean, cutoff: number | null): number | null {
  const text = value.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(text)) return null;
  const n = Number(text.replace(/_/g, ''));
  if (n < 0 || (strict && n === 0)) return null;
  return cutoff === null ? n : Math.min(n, cutoff);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** DRF's `decode_cursor`; an undecodable cursor is the documented 404 `Invalid cursor`. */
export function decodeOrderCursor(encoded: string): OrderCursor {
  if (encoded.length > 400 || encoded.length % 4 !== 0 || !BASE64.test(encoded))
    throw orderErrors.invalidCursor();
  const text = Buffer.from(encoded, 'base64').toString('latin1');
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(text)) throw orderErrors.invalidCursor();
  const tokens = new URLSearchParams(text);
  const offset = positiveInt(tokens.get('o') ?? '0', false, OFFSET_CUTOFF);
  const reverse = tokens.get('r') ?? '0';
  const position = tokens.get('p');
  if (offset === null || !/^[+-]?\d+$/.test(reverse.trim())) throw orderErrors.invalidCursor();
  if (position !== null && !/^\d{1,15}$/.test(position)) throw orderErrors.invalidCursor();
  return { offset, reverse: Number(reverse) !== 0, position: position === null ? null : Number(position) };
}

/** DRF's `encode_cursor`: only the parts that are set, in DRF's order (`o`, `r`, `p`). */
export function encodeOrderCursor(cursor: OrderCursor): string {
  const tokens = new URLSearchParams();
  if (cursor.offset !== 0) tokens.set('o', String(cursor.offset));
  if (cursor.reverse) tokens.set('r', '1');
  if (cursor.position !== null) tokens.set('p', String(cursor.position));
  return Buffer.from(tokens.toString(), 'ascii').toString('base64');
}

export function parseOrderList(
  params: URLSearchParams,
  accountId: number,
  accountIntegrationIds: ReadonlySet<number>,
): ParsedOrderList {
  let integrationIds: number[] | null = null;
  const values = integrationValues(params);
  if (values.length > 0) {
    integrationIds = [];
    for (const value of values) {
      if (!/^[+-]?\d+$/.test(value)) throw orderErrors.invalidPkValue('integration', value);
      const id = Number(value);
      if (!accountIntegrationIds.has(id)) throw orderErrors.invalidChoice('integration', value);
      if (!integrationIds.includes(id)) integrationIds.push(id);
    }
  }
  const folded = (name: string): string | null => last(params, name)?.toLowerCase() ?? null;
  const sort = parseSort(last(params, 'sort'));
  const sizeText = last(params, 'page_size');
  const pageSize =
    (sizeText === null ? null : positiveInt(sizeText, true, MAX_PAGE_SIZE)) ?? DEFAULT_PAGE_SIZE;
  const rawCursor = last(params, 'cursor');
  const cursor =
    rawCursor === null ? { offset: 0, reverse: false, position: null } : decodeOrderCursor(rawCursor);
  let idBound: ParsedOrderList['query']['idBound'] = null;
  if (cursor.position !== null) {
    const only = sort.length === 1 ? sort[0] : undefined;
    if (only?.key !== 'pk') throw orderErrors.invalidCursor();
    // Forward past the position in the sort's direction; a reversed cursor looks the other way.
    const before = only.descending !== cursor.reverse;
    idBound = { op: before ? '<' : '>', id: cursor.position };
  }
  return {
    query: {
      accountId,
      integrationIds,
      orderIdFolded: folded('order_id'),
      orderNumberFolded: folded('order_number'),
      statusFolded: folded('status'),
      orderCreatedAt: dateRange(params, 'order_created_at'),
      orderUpdatedAt: dateRange(params, 'order_updated_at'),
      sort,
      idBound,
      reverse: cursor.reverse,
    },
    pageSize,
    cursor,
  };
}

/**
 * One page: the store is asked for `pageSize + 1` rows at the cursor's offset (in the reversed order for
 * a reversed cursor) so that the extra row tells whether there is more. `next`/`prev` are cursors of
 * the same kind, moved by one page; the first page forward needs none.
 */
export function pageCursors(
  cursor: OrderCursor,
  pageSize: number,
  fetched: number,
): { next: OrderCursor | null; prev: OrderCursor | null } {
  const more = fetched > pageSize;
  const { offset, reverse, position } = cursor;
  const ahead = (by: number): OrderCursor => ({ offset: offset + by, reverse, position });
  const back = (): OrderCursor | null =>
    offset === 0 ? null : { offset: Math.max(0, offset - pageSize), reverse, position };
  if (!reverse) return { next: more ? ahead(pageSize) : null, prev: back() };
  return { next: back(), prev: more ? ahead(pageSize) : null };
}

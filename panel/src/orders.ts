/**
 * Incoming orders through each API, paged by that API's own cursors: v2's `next`/`previous` links
 * (one integration at a time: its shipments are listed per integration), v3's `Link` header (across
 * the account, narrowed by `integration`).
 */
import { ApiError, parseLinks, publicApi, samePath } from './api';
import type { Json } from './format';

export type ApiVersion = 'v2' | 'v3';

export interface OrderRow {
  api: ApiVersion;
  /** Unique within its list: v2's shipment uuid, v3's order id. */
  key: string;
  orderNumber: string;
  customer: string;
  integrationId: number | null;
  /** When order-inbox received it. */
  arrivedAt: string;
  externalOrderId: string;
  raw: { [key: string]: Json };
}

export interface Filters {
  /** An integration id, or null for all of the account's. */
  integration: number | null;
  searchIn: 'order_number' | 'external_order_id' | 'external_shipment_id';
  search: string;
  /** YYYY-MM-DD or '' */
  from: string;
  to: string;
}

export const NO_FILTERS: Filters = {
  integration: null,
  searchIn: 'order_number',
  search: '',
  from: '',
  to: '',
};

const str = (value: Json | undefined): string =>
  value === null || value === undefined ? '' : typeof value === 'object' ? '' : String(value);
const obj = (value: Json | undefined): { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};

export function v2Row(shipment: { [key: string]: Json }): OrderRow {
  return {
    api: 'v2',
    key: str(shipment.shipment_uuid),
    orderNumber: str(shipment.order_number),
    customer: str(shipment.name),
    integrationId: typeof shipment.integration === 'number' ? shipment.integration : null,
    arrivedAt: str(shipment.created_at),
    externalOrderId: str(shipment.external_order_id),
    raw: shipment,
  };
}

export function v3Row(order: { [key: string]: Json }): OrderRow {
  const details = obj(order.order_details);
  const integration = obj(details.integration).id;
  const customer = str(obj(order.customer_details).name) || str(obj(order.shipping_address).name);
  return {
    api: 'v3',
    key: str(order.id),
    orderNumber: str(order.order_number),
    customer,
    integrationId: typeof integration === 'number' ? integration : Number(integration ?? NaN) || null,
    arrivedAt: str(order.created_at),
    externalOrderId: str(order.order_id),
    raw: order,
  };
}

export interface Page {
  rows: OrderRow[];
  hasNext: boolean;
  hasPrev: boolean;
  /** Why the list cannot be shown with these filters (not an error of the server). */
  unavailable?: string;
}

export interface Pager {
  first(): Promise<Page>;
  next(): Promise<Page>;
  prev(): Promise<Page>;
}

/** v3: `GET /api/v3/orders`, with the reference's filters; `Link` next/prev. */
export function v3Pager(filters: Filters): Pager {
  const query = new URLSearchParams();
  if (filters.integration !== null) query.set('integration', String(filters.integration));
  if (filters.search !== '') {
    if (filters.searchIn === 'order_number') query.set('order_number', filters.search);
    if (filters.searchIn === 'external_order_id') query.set('order_id', filters.search);
  }
  if (filters.from !== '') query.set('order_created_at_min', filters.from);
  if (filters.to !== '') query.set('order_created_at_max', filters.to);
  const start = `/api/v3/orders${query.size > 0 ? `?${query}` : ''}`;
  let links = { next: null as string | null, prev: null as string | null };
  const load = async (path: string): Promise<Page> => {
    if (filters.search !== '' && filters.searchIn === 'external_shipment_id')
      return {
        rows: [],
        hasNext: false,
        hasPrev: false,
        unavailable:
          'v3 orders have no external shipment id: search them by order number or external order id.',
      };
    try {
      const answer = await publicApi<{ data: { [key: string]: Json }[] }>('GET', path);
      links = parseLinks(answer.headers.get('link'));
      return {
        rows: answer.body.data.map(v3Row),
        hasNext: links.next !== null,
        hasPrev: links.prev !== null,
      };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && path === start && filters.integration === null)
        return {
          rows: [],
          hasNext: false,
          hasPrev: false,
          unavailable: 'This server does not serve API v3 orders.',
        };
      throw error;
    }
  };
  return {
    first: () => load(start),
    next: () => (links.next === null ? Promise.reject(new Error('no next page')) : load(links.next)),
    prev: () => (links.prev === null ? Promise.reject(new Error('no previous page')) : load(links.prev)),
  };
}

interface V2List {
  next: string | null;
  previous: string | null;
  results: { [key: string]: Json }[];
}

function v2Query(filters: Filters): string {
  const query = new URLSearchParams();
  if (filters.search !== '') {
    const name =
      filters.searchIn === 'order_number'
        ? 'order_number'
        : filters.searchIn === 'external_order_id'
          ? 'external_order_ids'
          : 'external_shipment_ids';
    // One value, even with a comma in it (a plain value with commas would be read as a list).
    query.set(name === 'order_number' ? name : `${name}[]`, filters.search);
  }
  if (filters.from !== '') query.set('start_date', filters.from);
  if (filters.to !== '') query.set('end_date', filters.to);
  return query.size > 0 ? `?${query}` : '';
}

const arrival = (row: OrderRow): number => Date.parse(row.arrivedAt) || 0;

interface Stream {
  integrationId: number;
  buffer: OrderRow[];
  /** The next API page to read, null once read to the end. */
  pending: string | null;
}

/**
 * v2: each integration's `GET …/shipments`, newest import first. With one integration the page is
 * the API's page and next/previous are its links. With several, the lists are merged newest first,
 * each read page by page through its own `next` link as the merged page needs it; a merged page is as
 * long as the API's pages, and going back shows the pages already built.
 */
export function v2Pager(filters: Filters, integrationIds: number[]): Pager {
  const ids = filters.integration === null ? integrationIds : [filters.integration];
  const query = v2Query(filters);
  const url = (id: number) => `/api/v2/integrations/${id}/shipments${query}`;
  const none: Page = { rows: [], hasNext: false, hasPrev: false };

  if (ids.length === 1) {
    const id = ids[0] as number;
    let links = { next: null as string | null, prev: null as string | null };
    const load = async (path: string): Promise<Page> => {
      const answer = await publicApi<V2List>('GET', path);
      links = { next: samePath(answer.body.next), prev: samePath(answer.body.previous) };
      return {
        rows: answer.body.results.map(v2Row),
        hasNext: links.next !== null,
        hasPrev: links.prev !== null,
      };
    };
    return {
      first: () => load(url(id)),
      next: () => (links.next === null ? Promise.resolve(none) : load(links.next)),
      prev: () => (links.prev === null ? Promise.resolve(none) : load(links.prev)),
    };
  }

  let streams: Stream[] = [];
  let pageSize = Infinity;
  const history: { streams: Stream[]; rows: OrderRow[] }[] = [];
  let shown: OrderRow[] = [];
  const copy = (list: Stream[]): Stream[] => list.map((s) => ({ ...s, buffer: [...s.buffer] }));
  const fill = async (): Promise<void> => {
    await Promise.all(
      streams
        .filter((s) => s.buffer.length === 0 && s.pending !== null)
        .map(async (s) => {
          const answer = await publicApi<V2List>('GET', s.pending as string);
          s.buffer.push(...answer.body.results.map(v2Row));
          s.pending = samePath(answer.body.next);
          if (s.pending !== null) pageSize = Math.min(pageSize, answer.body.results.length);
        }),
    );
  };
  const build = async (): Promise<Page> => {
    const rows: OrderRow[] = [];
    for (;;) {
      await fill();
      if (rows.length >= pageSize) break;
      let best: Stream | null = null;
      for (const s of streams) {
        const head = s.buffer[0];
        if (head !== undefined && (best === null || arrival(head) > arrival(best.buffer[0] as OrderRow)))
          best = s;
      }
      if (best === null) break;
      rows.push(best.buffer.shift() as OrderRow);
    }
    shown = rows;
    return {
      rows,
      hasNext: streams.some((s) => s.buffer.length > 0 || s.pending !== null),
      hasPrev: history.length > 0,
    };
  };
  return {
    first: async () => {
      if (ids.length === 0) return none;
      streams = ids.map((id) => ({ integrationId: id, buffer: [], pending: url(id) }));
      history.length = 0;
      pageSize = Infinity;
      return build();
    },
    next: async () => {
      history.push({ streams: copy(streams), rows: shown });
      return build();
    },
    prev: async () => {
      const before = history.pop();
      if (before === undefined) return none;
      // The streams as they were once that page was built: the page after it is built again.
      streams = before.streams;
      shown = before.rows;
      return { rows: before.rows, hasNext: true, hasPrev: history.length > 0 };
    },
  };
}

/** The seed's operation (v2) and v3's `DELETE /orders/{id}`. */
export async function deleteOrder(row: OrderRow): Promise<void> {
  if (row.api === 'v2') {
    await publicApi('POST', `/api/v2/integrations/${row.integrationId}/shipments/delete`, {
      shipment_uuid: row.key,
    });
  } else {
    await publicApi('DELETE', `/api/v3/orders/${encodeURIComponent(row.key)}`);
  }
}

/**
 * The seeded shipments and the load generators agree on one numbering: shipment `n` has id `n`, a
 * UUID and an external order id computed from `n`. The database builds rows from `n` in SQL (see
 * `bench-db.ts`), wrk's Lua script and the autocannon driver build request bodies from `n` with the
 * same formulas, so nothing has to be read back or shipped to the load generator.
 *
 * `mix` is a multiplicative hash, a bijection on 32 bits: consecutive `n` land at scattered places in
 * the UUID and external-id indexes, so a run of deletes touches the B-trees as random keys would,
 * not one leaf page after another. `n * MIX` stays below 2^53 for n < 8.6e8, so Lua's doubles and
 * JavaScript compute it exactly.
 */
export const MIX = 10368889;
const TWO_32 = 4294967296;

export const mix = (n: number): number => (n * MIX) % TWO_32;

/** A canonical lower-case UUID; the last group is `n` in decimal digits (valid hex digits). */
export const uuidFor = (n: number): string =>
  `${mix(n).toString(16).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const orderIdFor = (n: number): string => `o${mix(n)}-${n}`;

export const orderNumberFor = (n: number): string => `ORDER-${n}`;

/** Placeholders in the stored `data` template and in the upsert body template. */
export const OID_PLACEHOLDER = '__OID__';
export const ONUM_PLACEHOLDER = '__ONUM__';

/** Upserted orders get their own prefix, so they can never collide with seeded ones. */
export const upsertOrderIdFor = (n: number): string => `u${n}`;

/**
 * What one request of a stream looks like; `n` advances by `perRequest` per request sent.
 * `delete-path`: no body, the path is the stream's URL + `/<n>` (v3's `DELETE /orders/{id}`, n = id).
 */
export type StreamKind = 'delete-uuid' | 'delete-key' | 'delete-path' | 'upsert' | 'fixed';

export interface Stream {
  kind: StreamKind;
  /** The first `n` this run uses. */
  start: number;
  /** Orders per upsert request. */
  orders: number;
  /** One order as JSON with the two placeholders (upsert only). */
  template: string;
}

export const perRequest = (stream: Stream): number =>
  stream.kind === 'upsert' ? stream.orders : stream.kind === 'fixed' ? 0 : 1;

/** The path of the request that uses `n`, under the stream's URL path. Mirrors `wrk/stream.lua`. */
export const pathFor = (stream: Stream, basePath: string, n: number): string =>
  stream.kind === 'delete-path' ? `${basePath}/${n}` : basePath;

/** The body of the request that uses `n` (null for a GET). Mirrors `wrk/stream.lua`. */
export function bodyFor(stream: Stream, n: number): string | null {
  switch (stream.kind) {
    case 'delete-uuid':
      return `{"shipment_uuid":"${uuidFor(n)}"}`;
    case 'delete-key':
      return `{"external_order_id":"${orderIdFor(n)}","external_shipment_id":null}`;
    case 'upsert': {
      const items: string[] = new Array(stream.orders);
      for (let i = 0; i < stream.orders; i++) {
        items[i] = stream.template
          .replace(OID_PLACEHOLDER, upsertOrderIdFor(n + i))
          .replace(ONUM_PLACEHOLDER, orderNumberFor(n + i));
      }
      return `[${items.join(',')}]`;
    }
    case 'delete-path':
    case 'fixed':
      return null;
  }
}

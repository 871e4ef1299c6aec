/**
 * The ceiling: what bare `node:http` does for a request with no application behind it. It reads the
 * body, parses it as JSON, compares the Authorization header with a constant, and answers what the
 * scenario's answer needs, from memory:
 *
 * - by default an empty 204;
 * - `bytes`: fixed bytes with a status and content type — the server's own answer to the row's request,
 *   captured once before the row (the list's first page), so the ceiling sends what the server sends;
 * - `built`: an answer computed from the parsed body by one of `BUILDERS` (the upsert's result array:
 *   one result per order, with a fresh UUID; v3's order references), for answers that depend on the
 *   request.
 *
 * The runner sets the answer for a path before each row with `PUT /__ceiling` (body: a `CeilingRoute`,
 * same Authorization); paths without one get the 204. Every scenario's requests go here too, so each
 * row of the table has its own ceiling.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const expected = process.env.BENCH_AUTHORIZATION ?? '';
let nextOrderId = 1;

/**
 * Answers computed from the parsed request body. Each does the least that makes the same answer as the
 * server's: no validation, no storage. A new row whose answer depends on its request adds one here.
 */
const BUILDERS = {
  /** POST /api/v2/integrations/{id}/shipments: `[{external_order_id, external_shipment_id, shipment_uuid, status}]`. */
  'v2-upsert-results': (body: unknown): string =>
    JSON.stringify(
      (Array.isArray(body) ? body : []).map((order: Record<string, unknown>) => ({
        external_order_id: order.external_order_id,
        external_shipment_id: order.external_shipment_id,
        shipment_uuid: randomUUID(),
        status: 'created',
      })),
    ),
  /**
   * POST /api/v3/orders: 201 `{"data":[{id, order_id, order_number}]}`, one reference per order in body
   * order; `id` from a counter, as the server's ids are numbers it assigns.
   */
  'v3-order-references': (body: unknown): string =>
    JSON.stringify({
      data: (Array.isArray(body) ? body : []).map((order: Record<string, unknown>) => ({
        id: nextOrderId++,
        order_id: order.order_id,
        order_number: order.order_number,
      })),
    }),
} as const;

export type CeilingAnswer =
  | { kind: 'empty' }
  | { kind: 'bytes'; status: number; contentType: string; base64: string }
  | { kind: 'built'; builder: keyof typeof BUILDERS; status: number; contentType: string };

export interface CeilingRoute {
  /** The request path, without the query. */
  path: string;
  answer: CeilingAnswer;
}

type Prepared =
  | { kind: 'empty' }
  | { kind: 'bytes'; status: number; headers: Record<string, string | number>; bytes: Buffer }
  | { kind: 'built'; build: (body: unknown) => string; status: number; contentType: string };

const routes = new Map<string, Prepared>();

function prepare(answer: CeilingAnswer): Prepared {
  switch (answer.kind) {
    case 'empty':
      return answer;
    case 'bytes': {
      const bytes = Buffer.from(answer.base64, 'base64');
      return {
        kind: 'bytes',
        status: answer.status,
        headers: { 'content-type': answer.contentType, 'content-length': bytes.length },
        bytes,
      };
    }
    case 'built':
      return {
        kind: 'built',
        build: BUILDERS[answer.builder],
        status: answer.status,
        contentType: answer.contentType,
      };
  }
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.headers.authorization !== expected) {
      response.writeHead(401).end();
      return;
    }
    let body: unknown = undefined;
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        response.writeHead(400).end();
        return;
      }
    }
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path === '/__ceiling' && request.method === 'PUT') {
      const route = body as CeilingRoute;
      routes.set(route.path, prepare(route.answer));
      response.writeHead(204).end();
      return;
    }
    const answer = routes.get(path);
    if (answer === undefined || answer.kind === 'empty') {
      response.writeHead(204).end();
    } else if (answer.kind === 'bytes') {
      response.writeHead(answer.status, answer.headers).end(answer.bytes);
    } else {
      const text = answer.build(body);
      response
        .writeHead(answer.status, {
          'content-type': answer.contentType,
          'content-length': Buffer.byteLength(text),
        })
        .end(text);
    }
  });
});

server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

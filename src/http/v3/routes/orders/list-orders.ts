import type { FastifyRequest } from 'fastify';
import { linkBase } from '../../../links.js';
import { rawQuery } from '../../../request-path.js';
import type { AppDeps } from '../../../deps.js';
import type { V3Route } from '../../plugin.js';
import { errorsResponse, orderSchema } from './docs.js';

const query = (name: string, description: string, format?: string) => ({
  name,
  in: 'query',
  description,
  schema: format === undefined ? { type: 'string' } : { type: 'string', format },
});

/**
 * The `Link` header of a page: absolute `next` and `prev` URLs with every other parameter kept, sorted
 * by name as DRF's `replace_query_param` leaves them; the first page's link carries no cursor.
 */
function linkHeader(
  request: FastifyRequest,
  base: string,
  next: string | null,
  prev: string | null,
): string | null {
  const url = (cursor: string): string => {
    const params = new URLSearchParams(rawQuery(request));
    if (cursor === '') params.delete('cursor');
    else params.set('cursor', cursor);
    params.sort();
    const text = params.toString();
    return text === '' ? base : `${base}?${text}`;
  };
  const links: string[] = [];
  if (next !== null) links.push(`<${url(next)}>; rel="next"`);
  if (prev !== null) links.push(`<${url(prev)}>; rel="prev"`);
  return links.length > 0 ? links.join(', ') : null;
}

/** GET /orders — the account's orders, filtered and sorted as documented, paged through `Link`. */
export const listOrders = (deps: AppDeps): V3Route => ({
  method: 'GET',
  url: '/orders',
  operation: 'v3_list_orders',
  auth: 'basic_or_oauth',
  docs: {
    summary: 'Retrieve a list of orders',
    tags: ['Orders'],
    parameters: [
      query(
        'integration',
        'One or more of your integration ids: `7`, `7,8`, `integration=7&integration=8`, `integration[]=7`, `integration[0]=7`.',
      ),
      query('order_number', 'Exact, case-insensitive.'),
      query('order_id', 'Exact, case-insensitive.'),
      query('status', 'The order status code, exact and case-insensitive.'),
      ...['order_created_at', 'order_updated_at'].flatMap((field) => [
        query(field, 'A UTC day of the shop time.', 'date'),
        query(`${field}_min`, 'From this UTC day on.', 'date'),
        query(`${field}_max`, 'Up to and including this UTC day.', 'date'),
      ]),
      query(
        'sort',
        '`integration`, `order_number`, `order_created_at`, `order_updated_at`, `pk`, `-` for descending, comma-separated; default `-pk`.',
      ),
      { name: 'page_size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 100 } },
      query('cursor', "DRF's cursor: base64 of `o=<offset>&r=<0|1>[&p=<id>]`."),
    ],
    responses: {
      200: {
        description: 'One page; `next`/`prev` in the `Link` header.',
        schema: { type: 'object', properties: { data: { type: 'array', items: orderSchema } } },
      },
      400: errorsResponse('An integration that is not yours (`invalid_choice`), or a malformed filter.'),
      404: errorsResponse('An invalid cursor.'),
    },
  },
  handler: async (request, reply) => {
    const page = await deps.orders.list(request.principal!.accountId, new URLSearchParams(rawQuery(request)));
    const link = linkHeader(request, linkBase(request, deps.config.publicBaseUrl), page.next, page.prev);
    if (link !== null) reply.header('link', link);
    // The page comes as the bytes of its JSON, which Fastify sends as they are (no serializer runs for
    // a Buffer), with the type a serialized answer gets; the response schema above still describes it.
    reply.type('application/json; charset=utf-8');
    return page.body;
  },
});

import type { FastifyInstance } from 'fastify';
import type { SnapshotService } from '../../domain/admin/snapshot.js';
import { snapshotText } from '../../domain/admin/snapshot.js';
import { snapshotSchema } from '../../domain/admin/snapshot-schema.js';
import type { AdminOperation } from './routes.js';
import { adminErrorSchema } from './schemas.js';

const count = { type: 'integer', minimum: 0 } as const;
const importedSchema = {
  type: 'object',
  required: ['imported'],
  properties: {
    imported: {
      type: 'object',
      required: [
        'accounts',
        'credentials',
        'integrations',
        'shipments',
        'orders',
        'shop_order_statuses',
        'shop_order_status_mappings',
        'logs',
        'webhook_deliveries',
        'webhook_attempts',
      ],
      properties: {
        accounts: count,
        credentials: count,
        integrations: count,
        shipments: count,
        orders: count,
        shop_order_statuses: count,
        shop_order_status_mappings: count,
        logs: count,
        webhook_deliveries: count,
        webhook_attempts: count,
      },
    },
  },
} as const;

const snapshotQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    account_id: {
      type: 'string',
      pattern: '^[0-9]{1,15}$',
      description: 'Only this account (default: the whole state).',
    },
  },
} as const;

/**
 * A snapshot may be far larger than any Sendcloud request: it carries every shipment. It is still
 * bounded, since the body is held in memory while it is checked.
 */
const SNAPSHOT_BODY_LIMIT_BYTES = 512 * 1024 * 1024;

export function snapshotOperations(snapshots: SnapshotService): AdminOperation[] {
  return [
    {
      method: 'GET',
      path: '/snapshot',
      operationId: 'exportSnapshot',
      summary:
        'The whole state, or one account (`account_id`), as one pretty-printed JSON document with stable key order and rows in id order. Key pairs appear as digests, never as secrets; webhook signing keys appear as they are: the document is as sensitive as the database.',
      success: { status: 200, description: 'The snapshot document.', schema: snapshotSchema },
      errors: {
        400: 'A malformed `account_id` (`invalid_request`).',
        404: 'No such account (`account_not_found`).',
      },
      // The export's one parameter arrives in its query string (see registerSnapshotRoutes).
      handle: async ({ params }) => {
        const accountId = params.account_id === undefined ? null : Number(params.account_id);
        return snapshotText(await snapshots.export(accountId));
      },
    },
    {
      method: 'POST',
      path: '/snapshot',
      operationId: 'importSnapshot',
      summary:
        'Import a snapshot document, all or nothing: a whole-state one replaces everything, an account one replaces that account. Ids are kept, so key pairs keep working (under the same `SECRET_PEPPER`) and integrations keep their ids. A version-1 document (the release before API v3) is imported too: without orders, shop order statuses or mappings, its integrations with the `eager` feedback type.',
      body: snapshotSchema,
      success: { status: 200, description: 'What was imported, per kind.', schema: importedSchema },
      errors: {
        400: 'The document does not match the schema or its rules (`invalid_request`, naming the JSON pointer); nothing was imported.',
        409: 'A row of the document holds an id or unique key of an account it does not replace (`conflict`, naming the JSON pointer); nothing was imported.',
      },
      handle: async ({ body }) => ({ imported: await snapshots.import(body, 'body') }),
    },
  ];
}

/** The admin document with the export's query parameter, which the shared operation shape has no place for. */
export function withSnapshotQuery(document: object): object {
  const paths = (document as { paths: Record<string, Record<string, Record<string, unknown>>> }).paths;
  const exporting = paths['/__admin/snapshot']?.get;
  if (exporting !== undefined) {
    exporting.parameters = [
      { name: 'account_id', in: 'query', required: false, schema: snapshotQuery.properties.account_id },
    ];
  }
  return document;
}

/**
 * Registers the snapshot operations. The export leaves as the document's own text (pretty-printed,
 * byte-stable), not through the answer serializer; the import is checked by the snapshot's own
 * validation, the one `serve --import` and the command line use, so every path refuses a document
 * with the same message.
 */
export function registerSnapshotRoutes(admin: FastifyInstance, operations: AdminOperation[]): void {
  for (const operation of operations) {
    const exporting = operation.method === 'GET';
    admin.route({
      method: operation.method,
      url: operation.path,
      ...(exporting ? {} : { bodyLimit: SNAPSHOT_BODY_LIMIT_BYTES }),
      schema: {
        hide: true,
        ...(exporting ? { querystring: snapshotQuery } : {}),
        response: exporting
          ? { '4xx': adminErrorSchema }
          : { [operation.success.status]: operation.success.schema, '4xx': adminErrorSchema },
      },
      config: { operation: `admin_${operation.operationId}` },
      handler: async (request, reply) => {
        const answer = await operation.handle({
          params: request.query as Record<string, string>,
          query: request.query as Record<string, string | undefined>,
          body: request.body,
        });
        if (exporting) reply.type('application/json; charset=utf-8');
        return reply.code(operation.success.status).send(answer);
      },
    });
  }
}

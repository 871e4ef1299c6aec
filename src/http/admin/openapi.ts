import type { AdminOperation } from './routes.js';
import { adminErrorSchema } from './schemas.js';

/**
 * The admin API's version: a documented interface suites rely on. Raise the minor version for
 * additions, the major one for anything that could break a caller.
 */
export const ADMIN_API_VERSION = '1.2.0';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/AdminError' } } },
});

/** The admin API's own OpenAPI 3.1 document, made from the same definitions as its routes. */
export function adminDocument(operations: AdminOperation[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const operation of operations) {
    const path = `/__admin${operation.path}`;
    const inPath = operation.params
      ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]{1,15}$' } }]
      : [];
    const inQuery = Object.entries(operation.query?.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: false,
      schema,
    }));
    const parameters = inPath.length + inQuery.length > 0 ? [...inPath, ...inQuery] : undefined;
    const responses: Record<string, object> = {
      [operation.success.status]: {
        description: operation.success.description,
        content: { 'application/json': { schema: operation.success.schema } },
      },
      401: errorResponse(
        'No admin token, or a wrong one (`unauthorized`); failed attempts are answered slowly.',
      ),
    };
    for (const [status, description] of Object.entries(operation.errors)) {
      responses[status] = errorResponse(description);
    }
    responses[503] = errorResponse(
      'The database is unavailable (`database_unavailable`); retry after `Retry-After`.',
    );
    (paths[path] ??= {})[operation.method.toLowerCase()] = {
      operationId: operation.operationId,
      summary: operation.summary,
      tags: ['Admin'],
      ...(parameters ? { parameters } : {}),
      ...(operation.body
        ? { requestBody: { required: false, content: { 'application/json': { schema: operation.body } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'order-inbox admin API',
      version: ADMIN_API_VERSION,
      description:
        'Test controls for suites that run order-inbox in place of Sendcloud: tenants, resets, snapshots, the request journal, coverage, outgoing webhooks and fault rules. Not Sendcloud\'s: it never changes how `/api/v2` answers, except through a fault rule a test set itself. Off unless `ADMIN_TOKEN` is set; on the operations port when `OPS_PORT` is set. Every error answers `{"error": {"code", "message"}}`.',
    },
    servers: [{ url: '/' }],
    security: [{ AdminToken: [] }],
    tags: [{ name: 'Admin', description: 'Tenants, resets, the request journal and coverage' }],
    paths: {
      ...paths,
      '/__admin/openapi.json': {
        get: {
          operationId: 'adminOpenApi',
          summary: 'This document.',
          tags: ['Admin'],
          responses: {
            200: { description: 'The admin OpenAPI document.', content: { 'application/json': {} } },
            401: errorResponse('No admin token, or a wrong one (`unauthorized`).'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        AdminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The value of `ADMIN_TOKEN` (or `serve --admin-token`).',
        },
      },
      schemas: { AdminError: adminErrorSchema },
    },
  };
}

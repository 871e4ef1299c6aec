import type { V3Route } from './plugin.js';
import { v3Schemas } from './schemas.js';

export const V3_OPENAPI_PATH = '/api/v3/openapi.json';

const errors = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
});

/** What every operation can answer besides its own responses: the shared pipeline's errors. */
const COMMON_ERRORS: Record<string, string> = {
  401: 'No credentials, wrong ones, or a token where only Basic is accepted (`WWW-Authenticate: Basic`).',
  413: 'The body is larger than the server accepts.',
  415: 'A body in another media type than `application/json`.',
  429: 'Throttled; retry after `Retry-After` seconds.',
  503: 'The database is unavailable, or the server is shutting down; retry after `Retry-After`.',
};

const openApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');

/**
 * The v3 surface's OpenAPI 3.1 document, made from the same route definitions the surface serves
 * (`V3Route.docs`): a second document beside v2's, both on the documentation page.
 */
export function v3Document(routes: V3Route[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    if (route.docs === undefined) continue;
    const { docs } = route;
    const responses: Record<string, object> = {};
    for (const [status, response] of Object.entries(docs.responses)) {
      responses[status] =
        response.schema === undefined
          ? { description: response.description }
          : {
              description: response.description,
              content: { 'application/json': { schema: response.schema } },
            };
    }
    if (route.method !== 'GET' && route.method !== 'DELETE' && responses[400] === undefined) {
      responses[400] = errors('The body is not valid; one error object per problem, with its pointer.');
    }
    for (const [status, description] of Object.entries(COMMON_ERRORS))
      responses[status] ??= errors(description);
    responses[405] = errors('Another method than the path allows (`Allow` lists them).');
    (paths[`/api/v3${openApiPath(route.url)}`] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operation,
      summary: docs.summary,
      tags: docs.tags,
      security:
        route.auth === 'basic' ? [{ HTTPBasicAuth: [] }] : [{ HTTPBasicAuth: [] }, { OAuth2ClientCreds: [] }],
      ...(docs.parameters ? { parameters: docs.parameters } : {}),
      ...(docs.requestBody ? { requestBody: docs.requestBody } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'order-inbox — Sendcloud API v3: Integrations and Orders',
      version,
      description:
        'Sendcloud\'s v3 Integrations, shop order statuses and Orders, over the same accounts, credentials and integrations as `/api/v2`. Every error answers JSON:API `{"errors": [{status, code, title, detail, source?}]}`. Timestamps are answered as `2024-01-01T10:00:00.000000+00:00`.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'Integrations', description: "The same integrations as v2's, under v3's names" },
      { name: 'Orders', description: 'Orders created and updated in batches' },
    ],
    paths,
    components: {
      schemas: v3Schemas,
      securitySchemes: {
        HTTPBasicAuth: { type: 'http', scheme: 'basic', description: 'The API public key and secret key.' },
        OAuth2ClientCreds: {
          type: 'oauth2',
          description:
            'OAuth2 client credentials grant at `/oauth2/token`; Orders only, as the reference says.',
          flows: { clientCredentials: { tokenUrl: '/oauth2/token', scopes: { api: 'The API.' } } },
        },
      },
    },
  };
}

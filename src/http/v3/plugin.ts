import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Principal } from '../../auth/authenticator.js';
import { errors } from '../../domain/errors.js';
import { rateClassOf } from '../../domain/rate-limit.js';
import { v3Errors } from '../../domain/v3/common-errors.js';
import type { AppDeps } from '../deps.js';
import { installV3Errors } from './error-renderer.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** v3: which credentials the operation takes (the reference's `security`). */
    v3Auth?: V3Auth;
    /** The operation is one of the served API's, listed in the journal's catalogue though hidden from v2's document. */
    catalogue?: boolean;
  }
}

/** The reference's security per operation: Basic alone (Integrations, shop order statuses), or Basic or an OAuth2 token (Orders). */
export type V3Auth = 'basic' | 'basic_or_oauth';

/** One documented v3 response: its status, description and (for a body) a JSON schema. */
export interface V3Response {
  description: string;
  schema?: object;
}

/** The parts of a v3 route the surface's OpenAPI document is made from (`openapi.ts`). */
export interface V3RouteDocs {
  summary: string;
  tags: string[];
  parameters?: object[];
  requestBody?: object;
  responses: Record<string, V3Response>;
}

export interface V3Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** Fastify's form, under `/api/v3`: `/integrations/:id`. */
  url: string;
  /** The name in logs, metrics and the journal: `v3_…`. */
  operation: string;
  auth: V3Auth;
  /** `{id}` names one of the caller's integrations, looked up with the credentials; another account's is 404. */
  integration?: boolean;
  /** The reference declares `Sendcloud-Partner-Id` here: when sent, it must be a UUID. */
  partnerIdHeader?: boolean;
  /** The OpenAPI description of the operation (docs only: validation is the handler's). */
  docs?: V3RouteDocs;
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** The reference's path ids: integers, minimum 1. Anything else is no resource (404). */
const ID_PATTERN = /^[1-9][0-9]{0,15}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/** Whether the request carried body bytes: a declared non-zero length, or a chunked body. */
const hasBody = (request: FastifyRequest): boolean =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;

async function authenticate(deps: AppDeps, request: FastifyRequest): Promise<Principal> {
  const config = request.routeOptions.config;
  const header = request.headers.authorization;
  // A Basic-only view does not read a Bearer header at all (DRF's BasicAuthentication answers "no
  // credentials" for another scheme), so a token there is 401 "not provided".
  if (config.v3Auth === 'basic' && header !== undefined && /^\s*bearer(\s|$)/i.test(header)) {
    throw errors.notAuthenticated();
  }
  const integrationId = config.integration ? Number((request.params as { id: string }).id) : undefined;
  return deps.authenticator.authenticate(header, integrationId);
}

/**
 * Registers the `/api/v3` routes on `app` (an encapsulated plugin mounted with that prefix), in the
 * order of checks v2 keeps: unknown path or bad id (404) → credentials (401) → throttle (429) →
 * method (405) → the path's integration (404) → header and body (400/413/415). Every error leaves
 * through the surface's one renderer (`error-renderer.ts`); a body-less request reads as no body
 * (`request.body` undefined) whatever its `Content-Type`.
 */
export function registerV3Routes(app: FastifyInstance, deps: AppDeps, routes: V3Route[]): void {
  installV3Errors(app, deps.config.bodyLimitBytes, deps.store);
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);
  if (!app.hasRequestDecorator('integration')) app.decorateRequest('integration', null);

  app.addHook('onRequest', async (request) => {
    // An unknown path is 404 before anything else (the not-found handler runs this hook too).
    if (request.is404) return;
    const params = request.params as Record<string, string | undefined>;
    if (params.id !== undefined && !ID_PATTERN.test(params.id)) throw v3Errors.notFound();
    if (Number(params.id) > Number.MAX_SAFE_INTEGER) throw v3Errors.notFound();
    const principal = await authenticate(deps, request);
    request.principal = principal;
    if (deps.rateLimiter !== null) {
      const waitSeconds = await deps.rateLimiter.take(
        principal.accountId,
        rateClassOf(request.method),
        deps.clock.nowUs(),
      );
      if (waitSeconds !== null) throw errors.throttled(waitSeconds);
    }
  });
  // The app reads a missing body as `{}` (DRF's `request.data`); v3 tells "no body" apart: an empty
  // batch may arrive as no body at all, and a GET or DELETE often carries `Content-Type` alone.
  app.addHook('preValidation', async (request) => {
    if (BODY_METHODS.has(request.method) && !hasBody(request)) request.body = undefined;
  });

  // DELETE and OPTIONS never read a body: with the headers that announce one removed, none is parsed,
  // so a stray `Content-Type` or body cannot turn a delete into a 400 or 415.
  const ignoreBody = async (request: FastifyRequest): Promise<void> => {
    delete request.headers['content-type'];
    delete request.headers['content-length'];
    delete request.headers['transfer-encoding'];
  };
  const plainJson = () => (data: unknown) => JSON.stringify(data);

  const byUrl = new Map<string, V3Route[]>();
  for (const route of routes) byUrl.set(route.url, [...(byUrl.get(route.url) ?? []), route]);

  for (const [url, sameUrl] of byUrl) {
    for (const route of sameUrl) {
      const preParsing = async (request: FastifyRequest) => {
        if (route.partnerIdHeader) {
          const partner = request.headers['sendcloud-partner-id'];
          if (typeof partner === 'string' && !UUID_PATTERN.test(partner.trim())) {
            throw v3Errors.invalidPartnerId();
          }
        }
        if (!route.integration) return;
        const principal = request.principal as Principal;
        const integration =
          principal.integration !== undefined
            ? principal.integration
            : await deps.store.getIntegration(
                principal.accountId,
                Number((request.params as { id: string }).id),
              );
        if (integration === null) throw v3Errors.integrationNotFound();
        request.integration = integration;
      };
      const options: RouteOptions = {
        method: route.method,
        url,
        config: {
          operation: route.operation,
          integration: route.integration === true,
          v3Auth: route.auth,
          catalogue: true,
        },
        // Out of v2's generated document: v3 has its own (`openapi.ts`), made from `docs`. The
        // statuses are listed for the journal's coverage; the serializer is plain JSON.
        schema: {
          hide: true,
          response: Object.fromEntries(Object.keys(route.docs?.responses ?? {}).map((s) => [s, {}])),
        },
        serializerCompiler: plainJson,
        onRequest: route.method === 'DELETE' ? [ignoreBody] : undefined,
        preParsing,
        handler: route.handler,
      };
      app.route(options);
    }

    const allowed: string[] = sameUrl.map((r) => r.method);
    if (allowed.includes('GET')) allowed.push('HEAD');
    allowed.push('OPTIONS');
    const auth: V3Auth = sameUrl.some((r) => r.auth === 'basic_or_oauth') ? 'basic_or_oauth' : 'basic';
    for (const method of ALL_METHODS) {
      if (sameUrl.some((r) => r.method === method)) continue;
      app.route({
        method,
        url,
        config: {
          operation: method === 'OPTIONS' ? 'v3_options' : 'v3_method_not_allowed',
          v3Auth: auth,
        },
        schema: { hide: true },
        onRequest: [ignoreBody],
        // The body of a request that will be refused is never read.
        preParsing: async (_request, reply) => {
          reply.header('allow', allowed.join(', '));
          if (method !== 'OPTIONS') throw errors.methodNotAllowed(method);
        },
        // OPTIONS: the methods the path allows, no body (the reference documents no OPTIONS answer).
        handler: async (_request, reply) => reply.code(204).send(),
      });
    }
  }
}

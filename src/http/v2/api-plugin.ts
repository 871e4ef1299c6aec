import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Principal } from '../../auth/authenticator.js';
import { errors } from '../../domain/errors.js';
import { rateClassOf } from '../../domain/rate-limit.js';
import type { Integration } from '../../domain/types.js';
import type { AppDeps } from '../deps.js';
import { docsOnlyResponses, plainJsonSerializer } from './schemas/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    integration: Integration | null;
  }
  interface FastifyContextConfig {
    /** The operation's name in logs and metrics. */
    operation?: string;
    /** The route names one of the caller's integrations (`{id}`), looked up with the credentials. */
    integration?: boolean;
  }
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** Path ids are DRF's `[0-9]+`; a value the database cannot hold is an unknown path too. */
const ID_PATTERN = /^[0-9]{1,16}$/;

/**
 * An integration route's integration is fetched in the same lookup as the credentials (one
 * data_version check on SQLite, one round trip on PostgreSQL); it is only judged later, in DRF's order.
 * Failed authentications are not counted against anyone: with 256-bit secrets guessing is hopeless,
 * and a lockout would only let one client deny service to others (docs/behaviour.md, Authentication).
 */
function authenticate(deps: AppDeps, request: FastifyRequest): Promise<Principal> {
  const integrationId = request.routeOptions.config.integration
    ? Number((request.params as { id: string }).id)
    : undefined;
  return deps.authenticator.authenticate(request.headers.authorization, integrationId);
}

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  operation: string;
  /** Resolve `{id}` to one of the caller's integrations before the body is read (docs/behaviour.md order). */
  integration?: boolean;
  /** docs/behaviour.md: only Sendcloud partners may push shipments. */
  partnerOnly?: boolean;
  schema?: RouteOptions['schema'];
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/**
 * Registers `/api/v2` routes with DRF's order of checks: unknown path or bad id (404) → credentials
 * (401) → throttle (429) → method (405) → permission (403) → integration (404) → body (415/413/400).
 */
export function registerApiRoutes(app: FastifyInstance, deps: AppDeps, routes: ApiRoute[]): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('integration', null);

  app.addHook('onRequest', async (request) => {
    const params = request.params as Record<string, string | undefined>;
    if (
      params.id !== undefined &&
      (!ID_PATTERN.test(params.id) || Number(params.id) > Number.MAX_SAFE_INTEGER)
    ) {
      throw errors.notFound();
    }
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

  const byUrl = new Map<string, ApiRoute[]>();
  for (const route of routes) byUrl.set(route.url, [...(byUrl.get(route.url) ?? []), route]);

  // DRF's destroy and OPTIONS never read a body. Fastify parses one on DELETE and OPTIONS only when
  // the headers announce it; with them removed none is read, and a body cannot turn a delete into a
  // 400 or a 415. Node's parser still frames the request and discards the unread bytes once the
  // answer is sent, so the connection stays usable.
  const ignoreBody = async (request: FastifyRequest): Promise<void> => {
    delete request.headers['content-type'];
    delete request.headers['content-length'];
    delete request.headers['transfer-encoding'];
  };
  const register = (options: RouteOptions): void => {
    if (options.method === 'DELETE' || options.method === 'OPTIONS') {
      const own =
        options.onRequest === undefined
          ? []
          : Array.isArray(options.onRequest)
            ? options.onRequest
            : [options.onRequest];
      app.route({ ...options, onRequest: [ignoreBody, ...own] });
    } else {
      app.route(options);
    }
  };

  for (const [url, sameUrl] of byUrl) {
    for (const route of sameUrl) {
      // Permission (403), then the integration (404), before any body is read; one hook for both.
      const partnerOnly = route.partnerOnly === true;
      const preParsing =
        partnerOnly || route.integration
          ? async (request: FastifyRequest) => {
              const principal = request.principal as Principal;
              if (partnerOnly && !principal.partner) throw errors.permissionDenied();
              if (!route.integration) return;
              const integration =
                principal.integration !== undefined
                  ? principal.integration
                  : await deps.store.getIntegration(
                      principal.accountId,
                      Number((request.params as { id: string }).id),
                    );
              if (integration === null) throw errors.integrationNotFound();
              request.integration = integration;
            }
          : undefined;
      register({
        method: route.method,
        url,
        config: { operation: route.operation, integration: route.integration === true },
        schema: route.schema,
        serializerCompiler: docsOnlyResponses.has(route.operation) ? plainJsonSerializer : undefined,
        preParsing,
        handler: route.handler,
      });
    }
    const allowed: string[] = sameUrl.map((r) => r.method);
    if (allowed.includes('GET')) allowed.push('HEAD');
    allowed.push('OPTIONS');
    for (const method of ALL_METHODS) {
      if (sameUrl.some((r) => r.method === method)) continue;
      register({
        method,
        url,
        config: { operation: method === 'OPTIONS' ? 'options' : 'method_not_allowed' },
        schema: { hide: true },
        // The body of a request that will be refused is never read.
        preParsing: async () => {
          if (method !== 'OPTIONS') throw errors.methodNotAllowed(method);
        },
        handler: async (_request, reply) => {
          // DRF answers OPTIONS on every view with its metadata and the allowed methods.
          reply.header('allow', allowed.join(', '));
          return {
            name: sameUrl[0]?.operation ?? '',
            renders: ['application/json'],
            parses: ['application/json'],
          };
        },
      });
    }
  }
}

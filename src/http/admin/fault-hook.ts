/**
 * Applies the admin API's fault rules to the Sendcloud surfaces' requests. Installed on the main app
 * only while the admin API is on, before any route registers (so every surface inherits it) and before
 * the journal (so an answer a fault replaces is journaled once, as the client got it).
 *
 * Where: a `preHandler` — after authentication and the rate limit (the account is known), the path's
 * integration and the body are read, before the handler — so a status or error answer leaves the state
 * untouched. `apply_then_fail` and the after-headers close act in `onSend`, once the handler's change is
 * durable. With no rule the whole cost is one counter read per request.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { VirtualClock } from '../../domain/clock.js';
import type { Journal } from '../../domain/admin/journal.js';
import { isVerbatim } from '../../domain/faults/rules.js';
import type { AppliedFault, FaultRules, VerbatimAnswer } from '../../domain/faults/rules.js';
import { integrationIdInPath } from '../request-path.js';
import { TEST_ID_HEADER, recordExchange } from './journal-hook.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The fault rule applied to this request, when one was. */
    fault: AppliedFault | null;
  }
  interface FastifyInstance {
    /** The fault rules, when the admin API is on; null otherwise. */
    faults: FaultRules | null;
  }
}

export interface FaultHookDeps {
  journal: Journal | null;
  clock: VirtualClock;
  bodyLimitBytes: number;
}

/**
 * The operations a rule may name: the API's own (`/api/…` and `/oauth2/token`), not the documentation,
 * the operational endpoints, the admin API, nor the 405/OPTIONS stand-ins. v3 hides its routes from
 * v2's document but marks them `catalogue`.
 */
function servedOperation(route: RouteOptions): string | null {
  const operation = route.config?.operation;
  if (operation === undefined) return null;
  if (!route.url.startsWith('/api/') && route.url !== '/oauth2/token') return null;
  const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
  const catalogued = (route.config as { catalogue?: boolean }).catalogue === true;
  return hidden && !catalogued ? null : operation;
}

function sendVerbatim(reply: FastifyReply, answer: VerbatimAnswer): void {
  // Sent as text, so no response schema trims the rule's body.
  reply.code(answer.status).type('application/json; charset=utf-8').send(JSON.stringify(answer.body));
}

/** The answer's status line and headers leave, then half its body, then the connection is destroyed. */
function cutAfterHeaders(reply: FastifyReply): void {
  const res = reply.raw;
  const end = res.end.bind(res);
  res.end = ((chunk?: unknown) => {
    const body = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : null;
    if (body === null || body.length < 2) {
      // No body to cut (a 204, an empty 429): the answer is whole; the connection goes right after it.
      return end(() => res.destroy());
    }
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
    return res;
  }) as typeof res.end;
}

export function installFaults(app: FastifyInstance, faults: FaultRules, deps: FaultHookDeps): void {
  app.decorateRequest('fault', null);

  app.addHook('onRoute', (route) => {
    const operation = servedOperation(route);
    if (operation !== null) faults.addOperation(operation);
  });

  /** No answer at all: journaled with status 0, then the socket destroyed under Fastify's feet. */
  const closeWithoutAnswer = (request: FastifyRequest, reply: FastifyReply): void => {
    if (deps.journal !== null) recordExchange(deps.journal, deps.clock, request, reply, '', 0);
    reply.hijack();
    reply.raw.destroy();
  };

  app.addHook('preHandler', (request, reply, done) => {
    if (faults.size === 0) return done();
    const operation = request.routeOptions.config.operation;
    if (operation === undefined) return done();
    const testId = request.headers[TEST_ID_HEADER];
    const applied = faults.match(
      {
        operation,
        testId: typeof testId === 'string' ? testId : null,
        accountId: request.principal?.accountId ?? null,
        integrationId: integrationIdInPath(request),
      },
      {
        operation,
        method: request.method,
        contentType: String(request.headers['content-type'] ?? ''),
        bodyLimitBytes: deps.bodyLimitBytes,
      },
    );
    if (applied === null) return done();
    request.fault = applied;
    request.log.info({ operation, fault_rule: applied.ruleId }, 'fault applied');
    const act = (): void => {
      if (applied.applyFirst) return done();
      if (applied.close === 'before_answer') return closeWithoutAnswer(request, reply);
      if (applied.failure === null) return done();
      if (isVerbatim(applied.failure)) return sendVerbatim(reply, applied.failure);
      done(applied.failure);
    };
    if (applied.latencyMs > 0) setTimeout(act, applied.latencyMs);
    else act();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const applied = request.fault;
    if (applied === null) return done(null, payload);
    if (applied.applyFirst) {
      // Once: the error answer sent below comes back through this hook.
      applied.applyFirst = false;
      if (applied.close === 'before_answer') return closeWithoutAnswer(request, reply);
      const failure = applied.failure;
      if (failure !== null) {
        // Nothing of the real answer is kept: not its Location, not its Link.
        for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
        if (!isVerbatim(failure)) return done(failure);
        reply.code(failure.status).type('application/json; charset=utf-8');
        payload = JSON.stringify(failure.body);
      }
    }
    if (applied.close === 'after_headers') cutAfterHeaders(reply);
    done(null, payload);
  });
}

/**
 * Fault rules: what a test asked the server to get wrong, for which requests, how often. They live in
 * memory, per process (like the journal): a rule is a test's instruction to this instance, and a
 * request's way must not pass through the database to learn that no rule exists.
 */
import { adminErrors } from '../admin/errors.js';
import type { FaultContext } from './context.js';
import type { NamedErrors } from './named-errors.js';
import { MAX_LATENCY_MS, lognormalMs, seededRandom } from './random.js';
import type { RandomSource } from './random.js';
import { statusError } from './status-errors.js';

export type CloseMode = 'before_answer' | 'after_headers';

/** A rule's effect as the admin API takes it (wire names). */
export interface FaultEffect {
  status?: number;
  /** A text: the error's message, in the API's format; JSON (object or array): the answer's body as is. */
  body?: unknown;
  error?: string;
  apply_then_fail?: boolean;
  latency_ms?: number;
  latency_lognormal?: { median_ms: number; sigma: number };
  close?: CloseMode;
  retry_after?: number;
}

export interface FaultSpec {
  operation: string;
  test_id?: string;
  account_id?: number;
  integration_id?: number;
  effect: FaultEffect;
  times?: number;
  probability?: number;
  seed?: number;
}

export interface FaultRule {
  id: number;
  operation: string;
  testId: string | null;
  accountId: number | null;
  integrationId: number | null;
  effect: FaultEffect;
  times: number | null;
  /** How many more requests it applies to; null without `times`. */
  remaining: number | null;
  probability: number | null;
  seed: number | null;
  /** How many requests it was applied to. */
  applied: number;
  createdAtUs: number;
  random: RandomSource;
}

/** What a request is matched on. */
export interface FaultRequest {
  operation: string;
  testId: string | null;
  accountId: number | null;
  integrationId: number | null;
}

/** A verbatim answer: the rule's JSON body with its status, not rendered by the surface. */
export interface VerbatimAnswer {
  status: number;
  body: unknown;
}

/** A rule applied to one request: what to do with it. */
export interface AppliedFault {
  ruleId: number;
  effect: FaultEffect;
  /** The delay before anything else, in milliseconds (0 for none). */
  latencyMs: number;
  /** The error to answer, or null when the request goes to its handler unchanged (latency, a bare close). */
  failure: Error | VerbatimAnswer | null;
  /** Run the handler first (its change is durable), then answer `failure` or close. */
  applyFirst: boolean;
  close: CloseMode | null;
}

export const isVerbatim = (failure: Error | VerbatimAnswer): failure is VerbatimAnswer =>
  !(failure instanceof Error);

export interface FaultRulesOptions {
  namedErrors: NamedErrors;
  /** The source for probabilities and log-normal latency of rules without a `seed`. */
  random?: RandomSource;
  nowUs: () => number;
}

const invalid = (message: string) => adminErrors.invalidRequest(message);

export class FaultRules {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private readonly operations = new Set<string>();
  private readonly random: RandomSource;

  constructor(private readonly options: FaultRulesOptions) {
    this.random = options.random ?? Math.random;
  }

  /** How many rules exist: the request path checks this first and does nothing more when it is 0. */
  get size(): number {
    return this.rules.length;
  }

  /** An operation the server serves; the HTTP layer names them as routes register. */
  addOperation(operation: string): void {
    this.operations.add(operation);
  }

  /** The operations rules may name, each with the errors it may name, sorted. */
  catalogue(): { operation: string; errors: string[] }[] {
    return [...this.operations].sort().map((operation) => ({
      operation,
      errors: Object.keys(this.options.namedErrors[operation] ?? {}).sort(),
    }));
  }

  add(spec: FaultSpec): FaultRule {
    this.check(spec);
    const seed = spec.seed ?? null;
    const rule: FaultRule = {
      id: this.nextId++,
      operation: spec.operation,
      testId: spec.test_id ?? null,
      accountId: spec.account_id ?? null,
      integrationId: spec.integration_id ?? null,
      effect: spec.effect,
      times: spec.times ?? null,
      remaining: spec.times ?? null,
      probability: spec.probability ?? null,
      seed,
      applied: 0,
      createdAtUs: this.options.nowUs(),
      random: seed === null ? this.random : seededRandom(seed),
    };
    this.rules.push(rule);
    return rule;
  }

  /** In the order they are tried (and consumed): oldest first. */
  list(): readonly FaultRule[] {
    return this.rules;
  }

  /** Removes one test's rules, or every rule; answers how many went. */
  clear(testId: string | null = null): number {
    const before = this.rules.length;
    this.rules = testId === null ? [] : this.rules.filter((rule) => rule.testId !== testId);
    return before - this.rules.length;
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length < before;
  }

  /**
   * The first rule, oldest first, that matches the request and applies to it (a rule with a probability
   * that draws "no" leaves the request to the next one). A rule with `times` is removed once used up.
   */
  match(request: FaultRequest, context: Omit<FaultContext, 'retryAfterSeconds'>): AppliedFault | null {
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i] as FaultRule;
      if (
        rule.operation !== request.operation ||
        (rule.testId !== null && rule.testId !== request.testId) ||
        (rule.accountId !== null && rule.accountId !== request.accountId) ||
        (rule.integrationId !== null && rule.integrationId !== request.integrationId)
      ) {
        continue;
      }
      if (rule.probability !== null && !(rule.random() < rule.probability)) continue;
      rule.applied += 1;
      if (rule.remaining !== null) {
        rule.remaining -= 1;
        if (rule.remaining === 0) this.rules.splice(i, 1);
      }
      return this.applied(rule, { ...context, retryAfterSeconds: rule.effect.retry_after ?? 1 });
    }
    return null;
  }

  private applied(rule: FaultRule, context: FaultContext): AppliedFault {
    const { effect } = rule;
    const latencyMs =
      effect.latency_ms ??
      (effect.latency_lognormal === undefined
        ? 0
        : lognormalMs(effect.latency_lognormal.median_ms, effect.latency_lognormal.sigma, rule.random));
    return {
      ruleId: rule.id,
      effect,
      latencyMs,
      failure: this.failure(rule, context),
      applyFirst: effect.apply_then_fail === true,
      close: effect.close ?? null,
    };
  }

  private failure(rule: FaultRule, context: FaultContext): Error | VerbatimAnswer | null {
    const { effect } = rule;
    if (effect.error !== undefined) {
      const named = this.options.namedErrors[rule.operation]?.[effect.error];
      // Checked when the rule was made; a registry never loses a name.
      if (named !== undefined) return named(context);
    }
    const status =
      effect.status ?? (effect.apply_then_fail === true && effect.close === undefined ? 500 : null);
    if (status === null) return null;
    if (effect.body !== undefined && typeof effect.body !== 'string') return { status, body: effect.body };
    return statusError(status, context, effect.body);
  }

  /** What JSON Schema cannot say: names that must exist, and effects that exclude each other. */
  private check(spec: FaultSpec): void {
    if (!this.operations.has(spec.operation)) {
      throw invalid(
        `body/operation "${spec.operation}" is not an operation of this server (GET /__admin/faults/operations lists them).`,
      );
    }
    const { effect } = spec;
    if (effect.error !== undefined) {
      if (this.options.namedErrors[spec.operation]?.[effect.error] === undefined) {
        throw invalid(
          `body/effect/error "${effect.error}" is not an error of ${spec.operation} (GET /__admin/faults/operations lists them).`,
        );
      }
      if (effect.status !== undefined) throw invalid('body/effect has both status and error; give one.');
      if (effect.body !== undefined) throw invalid('body/effect/body goes with status, not with error.');
    }
    if (effect.close === 'before_answer' && (effect.status !== undefined || effect.error !== undefined)) {
      throw invalid('body/effect/close "before_answer" sends no answer: it takes no status or error.');
    }
    if (
      effect.body !== undefined &&
      (effect.body === null || !['string', 'object'].includes(typeof effect.body))
    ) {
      throw invalid('body/effect/body must be a text, an object or an array.');
    }
    if (effect.body !== undefined && effect.status === undefined && effect.error === undefined) {
      throw invalid('body/effect/body needs a status.');
    }
    if (effect.latency_ms !== undefined && effect.latency_lognormal !== undefined) {
      throw invalid('body/effect has both latency_ms and latency_lognormal; give one.');
    }
    if ((effect.latency_lognormal?.median_ms ?? 0) > MAX_LATENCY_MS) {
      throw invalid(`body/effect/latency_lognormal/median_ms must be at most ${MAX_LATENCY_MS}.`);
    }
    const acts =
      effect.status !== undefined ||
      effect.error !== undefined ||
      effect.apply_then_fail === true ||
      effect.latency_ms !== undefined ||
      effect.latency_lognormal !== undefined ||
      effect.close !== undefined;
    if (!acts) {
      throw invalid(
        'body/effect does nothing: give status, error, apply_then_fail, latency_ms, latency_lognormal or close.',
      );
    }
  }
}

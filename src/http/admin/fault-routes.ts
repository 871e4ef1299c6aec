/**
 * `/__admin/faults`: rules that make the Sendcloud surfaces fail the way Sendcloud fails, for one test
 * (by its `X-Order-Inbox-Test` header), one account or one integration. The rules themselves live in
 * `src/domain/faults`; the main app applies them (`fault-hook.ts`).
 */
import { AdminError } from '../../domain/admin/errors.js';
import type { FaultRule, FaultRules, FaultSpec } from '../../domain/faults/rules.js';
import { MAX_LATENCY_MS } from '../../domain/faults/random.js';
import type { AdminOperation } from './routes.js';
import { id, iso, time } from './schemas.js';

const effectSchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'What the rule does; parts combine (a latency with a status, `apply_then_fail` with a status, error or close).',
  properties: {
    status: {
      type: 'integer',
      minimum: 400,
      maximum: 599,
      description:
        "Answer this status with Sendcloud's body for it, in the called API's format, without running the request.",
    },
    body: {
      description:
        "With `status`: a text replaces the error's message (still in the API's format); JSON is sent as the whole body, as is.",
    },
    error: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description:
        "One of the operation's documented errors by name (e.g. `shipment_not_found`); `GET /__admin/faults/operations` lists them.",
    },
    apply_then_fail: {
      type: 'boolean',
      description:
        'Run the request (its change is durable), then answer the error (`status`/`error`, default 500) — or close (`close`) — instead of the real answer.',
    },
    latency_ms: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_LATENCY_MS,
      description: 'Wait this long before anything else.',
    },
    latency_lognormal: {
      type: 'object',
      additionalProperties: false,
      required: ['median_ms', 'sigma'],
      description: `Wait a log-normal time: median · e^(sigma · Z), at most ${MAX_LATENCY_MS} ms.`,
      properties: {
        median_ms: { type: 'number', exclusiveMinimum: 0, maximum: MAX_LATENCY_MS },
        sigma: { type: 'number', minimum: 0, maximum: 10 },
      },
    },
    close: {
      type: 'string',
      enum: ['before_answer', 'after_headers'],
      description:
        '`before_answer`: destroy the connection without any answer (the request is not run, unless `apply_then_fail`). `after_headers`: send the status line and headers, half the body, then destroy it (the request runs, unless a `status`/`error` answers).',
    },
    retry_after: {
      type: 'integer',
      minimum: 0,
      maximum: 86400,
      description: '`Retry-After` seconds of a 429 or 503 (default 1).',
    },
  },
} as const;

export const faultRuleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['operation', 'effect'],
  properties: {
    operation: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'The operation as logs name it (`delete_shipment`, `v3_upsert_orders`, …).',
    },
    test_id: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'Only requests sending `X-Order-Inbox-Test` with this value.',
    },
    account_id: { ...id, description: "Only this account's requests." },
    integration_id: { ...id, description: 'Only requests whose path names this integration.' },
    effect: effectSchema,
    times: {
      type: 'integer',
      minimum: 1,
      maximum: 1_000_000_000,
      description: 'Apply to the next N matching requests, then go away. Default: until removed.',
    },
    probability: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      description:
        'Apply to each matching request with this probability (a request it spares may meet the next rule).',
    },
    seed: {
      type: 'integer',
      minimum: 0,
      maximum: 4294967295,
      description:
        "Seeds the rule's own random source (probability, log-normal latency): the same draws every run.",
    },
  },
} as const;

const ruleSchema = {
  type: 'object',
  required: [
    'id',
    'operation',
    'test_id',
    'account_id',
    'integration_id',
    'effect',
    'times',
    'remaining',
    'probability',
    'seed',
    'applied',
    'created_at',
  ],
  properties: {
    id: { type: 'integer' },
    operation: { type: 'string' },
    test_id: { type: ['string', 'null'] },
    account_id: { type: ['integer', 'null'] },
    integration_id: { type: ['integer', 'null'] },
    effect: { ...effectSchema, additionalProperties: true },
    times: { type: ['integer', 'null'] },
    remaining: {
      type: ['integer', 'null'],
      description: 'Requests it still applies to; null: until removed.',
    },
    probability: { type: ['number', 'null'] },
    seed: { type: ['integer', 'null'] },
    applied: { type: 'integer', description: 'Requests it was applied to.' },
    created_at: time,
  },
} as const;

const createdSchema = {
  type: 'object',
  required: ['id', 'rule'],
  properties: { id: { type: 'integer' }, rule: ruleSchema },
} as const;

const listSchema = {
  type: 'object',
  required: ['rules'],
  properties: {
    rules: {
      type: 'array',
      items: ruleSchema,
      description: 'In the order they are tried and consumed: oldest first. Used-up rules are gone.',
    },
  },
} as const;

const removedSchema = {
  type: 'object',
  required: ['removed'],
  properties: { removed: { type: 'integer', minimum: 0, description: 'How many rules went.' } },
} as const;

const operationsSchema = {
  type: 'object',
  required: ['operations'],
  properties: {
    operations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['operation', 'errors'],
        properties: {
          operation: { type: 'string' },
          errors: {
            type: 'array',
            items: { type: 'string' },
            description: 'The names `effect.error` takes.',
          },
        },
      },
    },
  },
} as const;

const clearQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    test_id: { type: 'string', minLength: 1, maxLength: 200, description: "Only this test's rules." },
  },
} as const;

const ruleParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } },
} as const;

function ruleView(rule: FaultRule) {
  return {
    id: rule.id,
    operation: rule.operation,
    test_id: rule.testId,
    account_id: rule.accountId,
    integration_id: rule.integrationId,
    effect: rule.effect,
    times: rule.times,
    remaining: rule.remaining,
    probability: rule.probability,
    seed: rule.seed,
    applied: rule.applied,
    created_at: iso(rule.createdAtUs),
  };
}

const INVALID_RULE =
  'The body does not match the schema, names an unknown operation or error, or combines effects that exclude each other (`invalid_request`).';

export function faultOperations(faults: FaultRules): AdminOperation[] {
  return [
    {
      method: 'POST',
      path: '/faults',
      operationId: 'createFault',
      summary:
        'Add a fault rule: matching requests (by operation, and optionally `X-Order-Inbox-Test`, account, integration) get its effect. Rules are tried oldest first; one applies per request. Per process.',
      body: faultRuleBody,
      success: { status: 201, description: 'The new rule and its id.', schema: createdSchema },
      errors: { 400: INVALID_RULE },
      handle: async ({ body }) => {
        const rule = faults.add(body as FaultSpec);
        return { id: rule.id, rule: ruleView(rule) };
      },
    },
    {
      method: 'GET',
      path: '/faults',
      operationId: 'listFaults',
      summary: 'Every fault rule of this process, in the order they are tried and consumed.',
      success: { status: 200, description: 'The rules.', schema: listSchema },
      errors: {},
      handle: async () => ({ rules: faults.list().map(ruleView) }),
    },
    {
      method: 'DELETE',
      path: '/faults',
      operationId: 'clearFaults',
      summary: "Remove one test's fault rules (`test_id`), or every rule.",
      query: clearQuery,
      success: { status: 200, description: 'How many rules went.', schema: removedSchema },
      errors: { 400: 'A query parameter does not match the schema (`invalid_request`).' },
      handle: async ({ query }) => ({ removed: faults.clear(query.test_id ?? null) }),
    },
    {
      method: 'DELETE',
      path: '/faults/{id}',
      operationId: 'removeFault',
      summary: 'Remove one fault rule.',
      params: ruleParams,
      success: { status: 200, description: 'The rule went.', schema: removedSchema },
      errors: { 404: 'No such rule (`fault_not_found`): never made, used up, or removed.' },
      handle: async ({ params }) => {
        const ruleId = Number(params.id);
        if (!faults.remove(ruleId)) {
          throw new AdminError(404, 'fault_not_found', `No fault rule with id ${ruleId}.`);
        }
        return { removed: 1 };
      },
    },
    {
      method: 'GET',
      path: '/faults/operations',
      operationId: 'listFaultOperations',
      summary: 'The operations a rule may name, each with the errors `effect.error` may name for it.',
      success: { status: 200, description: 'The operations, sorted.', schema: operationsSchema },
      errors: {},
      handle: async () => ({ operations: faults.catalogue() }),
    },
  ];
}

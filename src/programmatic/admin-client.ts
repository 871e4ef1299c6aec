/**
 * A typed client for the admin API, as the programmatic entry hands it to a test suite. The types are
 * the wire's (snake_case), so what a suite reads here is what the admin API documents.
 */
import type { RemovedCounts } from '../domain/admin/types.js';
import type { CreateTenantWire } from '../http/admin/routes.js';

export type { RemovedCounts };

/** `POST /__admin/tenants`'s body; every field optional. */
export type TenantSpec = CreateTenantWire;
export type TenantIntegrationSpec = NonNullable<TenantSpec['integrations']>[number];

export interface CreatedIntegration {
  id: number;
  shop_name: string;
  shop_url: string | null;
  system: string;
  webhook_url: string | null;
  webhook_active: boolean;
  webhook_signature_key: string;
}

/** The creating answer: the one place the secret key is shown. */
export interface CreatedTenant {
  account_id: number;
  partner: boolean;
  public_key: string;
  secret_key: string;
  oauth_only: boolean;
  integration_id: number;
  webhook_signature_key: string;
  integrations: CreatedIntegration[];
}

export interface AccountSummary {
  account_id: number;
  partner: boolean;
  created_at: string;
  credentials: { public_key: string; oauth_only: boolean; created_at: string; revoked_at: string | null }[];
  integrations: (Omit<CreatedIntegration, 'webhook_signature_key'> & { created_at: string })[];
}

export interface WebhookAttemptRecord {
  attempted_at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  outcome: 'captured' | 'delivered' | 'retry' | 'failed';
  captured: boolean;
}

export interface WebhookDeliveryRecord {
  id: number;
  account_id: number;
  integration_id: number;
  action: 'integration_connected' | 'integration_updated' | 'integration_deleted';
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  captured: boolean;
  created_at: string;
  next_attempt_at: string | null;
  delivered_at: string | null;
  /** The exact text POSTed (or that would have been); `signature` signs it. */
  body: string;
  payload: { action: string; timestamp: number; integration: Record<string, unknown> };
  signature: string;
  attempts: WebhookAttemptRecord[];
}

/** `GET`/`PUT /__admin/clock`'s answer. */
export interface ClockState {
  /** RFC 3339 in UTC. */
  now: string;
  frozen: boolean;
  real: boolean;
  offset_seconds: number;
}

/** `PUT /__admin/clock`'s body: exactly one field. */
export type ClockChange =
  { frozen_at: string } | { advance_seconds: number } | { real: true } | { frozen: boolean };

export interface WebhookQuery {
  account_id?: number;
  integration_id?: number;
  limit?: number;
}

/** `POST /__admin/faults`'s body: which requests, what happens to them, how often. */
export interface FaultRuleSpec {
  /** The operation as logs name it: `upsert_shipments`, `delete_shipment`, `get_integration`, … */
  operation: string;
  /** Only requests sending `X-Order-Inbox-Test: <test_id>`. */
  test_id?: string;
  account_id?: number;
  integration_id?: number;
  effect: {
    status?: number;
    /** With `status`: a text replaces the message; JSON is the whole body, as is. */
    body?: unknown;
    /** One of the operation's documented errors by name (`listFaultOperations()`). */
    error?: string;
    apply_then_fail?: boolean;
    latency_ms?: number;
    latency_lognormal?: { median_ms: number; sigma: number };
    close?: 'before_answer' | 'after_headers';
    retry_after?: number;
  };
  times?: number;
  probability?: number;
  seed?: number;
}

export interface FaultRuleRecord {
  id: number;
  operation: string;
  test_id: string | null;
  account_id: number | null;
  integration_id: number | null;
  effect: FaultRuleSpec['effect'];
  times: number | null;
  /** Requests it still applies to; null: until removed. */
  remaining: number | null;
  probability: number | null;
  seed: number | null;
  applied: number;
  created_at: string;
}

/** A failed admin call: the HTTP status and the admin error's stable code. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface AdminClient {
  /** `http://host:port/__admin`. */
  readonly url: string;
  /** The bearer token; the admin API's answers never show it. */
  readonly token: string;
  createTenant(spec?: TenantSpec): Promise<CreatedTenant>;
  accounts(): Promise<AccountSummary[]>;
  account(accountId: number): Promise<AccountSummary>;
  deleteAccount(accountId: number): Promise<RemovedCounts>;
  /** Every account's data, or one account's; `keep_accounts` keeps identities and credentials. */
  reset(scope?: { account_id?: number; keep_accounts?: boolean }): Promise<RemovedCounts>;
  webhooks(query?: WebhookQuery): Promise<WebhookDeliveryRecord[]>;
  /** The server's virtual clock; with a change, moves it first (`{ advance_seconds: 3600 }`, …). */
  clock(change?: ClockChange): Promise<ClockState>;
  /** Adds a fault rule; matching requests get its effect. */
  addFault(rule: FaultRuleSpec): Promise<FaultRuleRecord>;
  /** The rules, in the order they are tried and consumed. */
  faults(): Promise<FaultRuleRecord[]>;
  /** Removes one test's rules, or all; answers how many went. */
  clearFaults(testId?: string): Promise<number>;
  removeFault(ruleId: number): Promise<void>;
  /** The operations rules may name, each with its named errors. */
  faultOperations(): Promise<{ operation: string; errors: string[] }[]>;
  /** Any admin operation, for those without a method here: the parsed JSON answer. */
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export function adminClient(url: string, token: string): AdminClient {
  const request = async <T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new AdminApiError(response.status, 'invalid_answer', `${method} ${path}: ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      const error = (answer as { error?: { code?: string; message?: string } }).error;
      throw new AdminApiError(response.status, error?.code ?? 'unknown', error?.message ?? text);
    }
    return answer as T;
  };
  return {
    url,
    token,
    createTenant: (spec = {}) => request<CreatedTenant>('POST', '/tenants', spec),
    accounts: async () => (await request<{ accounts: AccountSummary[] }>('GET', '/accounts')).accounts,
    account: (accountId) => request<AccountSummary>('GET', `/accounts/${accountId}`),
    deleteAccount: async (accountId) =>
      (await request<{ removed: RemovedCounts }>('DELETE', `/accounts/${accountId}`)).removed,
    reset: async (scope = {}) => (await request<{ removed: RemovedCounts }>('POST', '/reset', scope)).removed,
    webhooks: async (query = {}) => {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) {
        if (value !== undefined) search.set(name, String(value));
      }
      const path = search.size > 0 ? `/webhooks?${search.toString()}` : '/webhooks';
      return (await request<{ deliveries: WebhookDeliveryRecord[] }>('GET', path)).deliveries;
    },
    clock: (change) =>
      change === undefined
        ? request<ClockState>('GET', '/clock')
        : request<ClockState>('PUT', '/clock', change),
    addFault: async (rule) => (await request<{ rule: FaultRuleRecord }>('POST', '/faults', rule)).rule,
    faults: async () => (await request<{ rules: FaultRuleRecord[] }>('GET', '/faults')).rules,
    clearFaults: async (testId) => {
      const path = testId === undefined ? '/faults' : `/faults?${new URLSearchParams({ test_id: testId })}`;
      return (await request<{ removed: number }>('DELETE', path)).removed;
    },
    removeFault: async (ruleId) => {
      await request('DELETE', `/faults/${ruleId}`);
    },
    faultOperations: async () =>
      (await request<{ operations: { operation: string; errors: string[] }[] }>('GET', '/faults/operations'))
        .operations,
    request,
  };
}

import type { FastifyInstance } from 'fastify';
import type { AccountView, CreatedTenant, TenantService, TenantSpec } from '../../domain/admin/tenants.js';
import type { Journal } from '../../domain/admin/journal.js';
import type { Integration } from '../../domain/types.js';
import {
  accountListSchema,
  accountParams,
  accountSchema,
  adminErrorSchema,
  createTenantBody,
  createdTenantSchema,
  iso,
  removedSchema,
  resetBody,
} from './schemas.js';

/** One admin operation: its route and, from the same definition, its entry in the admin OpenAPI document. */
export interface AdminOperation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Under `/__admin`, in OpenAPI's `{param}` notation. */
  path: string;
  operationId: string;
  summary: string;
  params?: object;
  /** The query string's schema: every value a string (the admin API does not coerce types). */
  query?: { properties: Record<string, object> };
  body?: object;
  /** Success status and schema; every operation also answers 401 and the documented errors. */
  success: { status: number; description: string; schema: object };
  errors: Record<number, string>;
  handle: (input: {
    params: Record<string, string>;
    query: Record<string, string | undefined>;
    body: unknown;
  }) => Promise<unknown>;
}

const settingsView = (integration: Integration) => ({
  id: integration.id,
  shop_name: integration.shopName,
  shop_url: integration.shopUrl,
  system: integration.system,
  webhook_url: integration.webhookUrl,
  webhook_active: integration.webhookActive,
});

function createdView(tenant: CreatedTenant) {
  const integrations = tenant.integrations.map((integration) => ({
    ...settingsView(integration),
    webhook_signature_key: integration.webhookSignatureKey,
  }));
  const first = integrations[0];
  return {
    account_id: tenant.account.id,
    partner: tenant.account.partner,
    public_key: tenant.credential.publicKey,
    secret_key: tenant.secretKey,
    oauth_only: tenant.credential.oauthOnly,
    integration_id: first?.id,
    webhook_signature_key: first?.webhook_signature_key,
    integrations,
  };
}

/** Never a secret key, digest or signing key: those exist in the creating answer only. */
function accountView(view: AccountView) {
  return {
    account_id: view.account.id,
    partner: view.account.partner,
    created_at: iso(view.account.createdAtUs),
    credentials: view.credentials.map((credential) => ({
      public_key: credential.publicKey,
      oauth_only: credential.oauthOnly,
      created_at: iso(credential.createdAtUs),
      revoked_at: credential.revokedAtUs === null ? null : iso(credential.revokedAtUs),
    })),
    integrations: view.integrations.map((integration) => ({
      ...settingsView(integration),
      created_at: iso(integration.createdAtUs),
    })),
  };
}

/** `POST /__admin/tenants`'s body as it arrives. */
export interface CreateTenantWire {
  partner?: boolean;
  oauth_only?: boolean;
  public_key?: string;
  secret_key?: string;
  integrations?: {
    id?: number;
    shop_name?: string;
    shop_url?: string | null;
    system?: string;
    webhook_url?: string | null;
    webhook_active?: boolean;
  }[];
}

function tenantSpec(body: CreateTenantWire): TenantSpec {
  return {
    partner: body.partner,
    oauthOnly: body.oauth_only,
    publicKey: body.public_key,
    secretKey: body.secret_key,
    integrations: body.integrations?.map((i) => ({
      id: i.id,
      shopName: i.shop_name,
      shopUrl: i.shop_url,
      system: i.system,
      webhookUrl: i.webhook_url,
      webhookActive: i.webhook_active,
    })),
  };
}

const ACCOUNT_NOT_FOUND = 'No such account (`account_not_found`).';

export function adminOperations(tenants: TenantService, journal: Journal | null = null): AdminOperation[] {
  return [
    {
      method: 'POST',
      path: '/tenants',
      operationId: 'createTenant',
      summary:
        'Create an account with a key pair and its integrations in one transaction. The answer is the only place the secret key is shown.',
      body: createTenantBody,
      success: { status: 201, description: 'The new tenant, with its secrets.', schema: createdTenantSchema },
      errors: {
        400: 'The body does not match the schema (`invalid_request`, naming the JSON pointer).',
        409: 'A chosen public key or integration id is taken (`conflict`); nothing was created.',
      },
      handle: async ({ body }) =>
        createdView(await tenants.create(tenantSpec((body ?? {}) as CreateTenantWire))),
    },
    {
      method: 'GET',
      path: '/accounts',
      operationId: 'listAccounts',
      summary: 'Every account with its public keys and integrations, oldest first; never a secret.',
      success: { status: 200, description: 'The accounts.', schema: accountListSchema },
      errors: {},
      handle: async () => ({ accounts: (await tenants.list()).map(accountView) }),
    },
    {
      method: 'GET',
      path: '/accounts/{id}',
      operationId: 'getAccount',
      summary: 'One account with its public keys and integrations; never a secret.',
      params: accountParams,
      success: { status: 200, description: 'The account.', schema: accountSchema },
      errors: { 404: ACCOUNT_NOT_FOUND },
      handle: async ({ params }) => accountView(await tenants.get(Number(params.id))),
    },
    {
      method: 'DELETE',
      path: '/accounts/{id}',
      operationId: 'deleteAccount',
      summary:
        'Delete an account and everything it owns: key pairs, tokens, integrations, shipments, logs, webhook deliveries.',
      params: accountParams,
      success: { status: 200, description: 'What was removed, per kind.', schema: removedSchema },
      errors: { 404: ACCOUNT_NOT_FOUND },
      handle: async ({ params }) => ({ removed: await tenants.delete(Number(params.id)) }),
    },
    {
      method: 'POST',
      path: '/reset',
      operationId: 'reset',
      summary:
        "Wipe one account's data or everyone's — shipments, logs, webhook deliveries, its journal entries, and unless `keep_accounts` the accounts themselves — in one transaction, without a restart. A reset of everyone also restarts the coverage counts.",
      body: resetBody,
      success: { status: 200, description: 'What was removed, per kind.', schema: removedSchema },
      errors: {
        400: 'The body does not match the schema (`invalid_request`).',
        404: ACCOUNT_NOT_FOUND,
      },
      handle: async ({ body }) => {
        const { account_id, keep_accounts } = (body ?? {}) as {
          account_id?: number;
          keep_accounts?: boolean;
        };
        const removed = await tenants.reset({
          accountId: account_id ?? null,
          keepAccounts: keep_accounts ?? false,
        });
        // The journal goes with the data it describes; coverage is the whole server's, so only a full reset restarts it.
        journal?.clear(account_id ?? null);
        if (account_id === undefined) journal?.resetCoverage();
        return { removed };
      },
    },
  ];
}

/** Registers the operations on the admin scope (already prefixed with `/__admin`). */
export function registerAdminRoutes(admin: FastifyInstance, operations: AdminOperation[]): void {
  for (const operation of operations) {
    admin.route({
      method: operation.method,
      url: operation.path.replace(/\{(\w+)\}/g, ':$1'),
      // Kept out of the Sendcloud API's document: the admin API has its own.
      schema: {
        hide: true,
        ...(operation.params ? { params: operation.params } : {}),
        ...(operation.query ? { querystring: operation.query } : {}),
        ...(operation.body ? { body: operation.body } : {}),
        response: { [operation.success.status]: operation.success.schema, '4xx': adminErrorSchema },
      },
      config: { operation: `admin_${operation.operationId}` },
      handler: async (request, reply) => {
        const answer = await operation.handle({
          params: request.params as Record<string, string>,
          query: request.query as Record<string, string | undefined>,
          body: request.body,
        });
        return reply.code(operation.success.status).send(answer);
      },
    });
  }
}

/**
 * The admin API's wire schemas (JSON Schema, snake_case). They validate requests, serialize answers
 * (an answer carries only the fields its schema names, so a secret cannot slip into one that does not
 * list it) and make up the admin OpenAPI document.
 */
/** Every admin timestamp: its schema, and `iso` for the value, from the store's microseconds. */
export const time = { type: 'string', format: 'date-time', description: 'UTC, ISO 8601.' } as const;
export const iso = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();
export const id = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

export const adminErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          description:
            'Stable, machine-readable: unauthorized, not_found, account_not_found, invalid_request, conflict, unsupported_media_type, payload_too_large, database_unavailable, unavailable, internal.',
        },
        message: { type: 'string' },
      },
    },
  },
} as const;

const integrationSettings = {
  shop_name: { type: 'string', minLength: 1, maxLength: 255 },
  shop_url: { type: ['string', 'null'], maxLength: 2048 },
  system: { type: 'string', minLength: 1, maxLength: 64 },
  webhook_url: { type: ['string', 'null'], maxLength: 2048 },
  webhook_active: { type: 'boolean' },
} as const;

export const createTenantBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    partner: { type: 'boolean', description: 'A Sendcloud partner (default true): may push shipments.' },
    oauth_only: { type: 'boolean', description: 'The key pair works only through OAuth2 tokens.' },
    public_key: {
      type: 'string',
      minLength: 1,
      maxLength: 128,
      description: 'A chosen public key (default: 32 random hex digits); 409 when taken.',
    },
    secret_key: {
      type: 'string',
      minLength: 16,
      maxLength: 256,
      description: 'A chosen secret key (default: 256 random bits). Only its digest is stored.',
    },
    integrations: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      description: 'The account\'s integrations (default: one `api` integration named "My webshop").',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { id: { ...id, description: 'A chosen id; 409 when taken.' }, ...integrationSettings },
      },
    },
  },
} as const;

const createdIntegration = {
  type: 'object',
  required: [
    'id',
    'shop_name',
    'shop_url',
    'system',
    'webhook_url',
    'webhook_active',
    'webhook_signature_key',
  ],
  properties: {
    id,
    ...integrationSettings,
    webhook_signature_key: {
      type: 'string',
      description: 'Signs the webhooks sent for this integration (HMAC-SHA256 hex).',
    },
  },
} as const;

export const createdTenantSchema = {
  type: 'object',
  required: [
    'account_id',
    'partner',
    'public_key',
    'secret_key',
    'oauth_only',
    'integration_id',
    'webhook_signature_key',
    'integrations',
  ],
  properties: {
    account_id: id,
    partner: { type: 'boolean' },
    public_key: { type: 'string' },
    secret_key: { type: 'string', description: 'Shown in this answer only; never again.' },
    oauth_only: { type: 'boolean' },
    integration_id: { ...id, description: 'The first integration (of `integrations`).' },
    webhook_signature_key: { type: 'string', description: "The first integration's signing key." },
    integrations: { type: 'array', items: createdIntegration },
  },
} as const;

export const accountSchema = {
  type: 'object',
  required: ['account_id', 'partner', 'created_at', 'credentials', 'integrations'],
  properties: {
    account_id: id,
    partner: { type: 'boolean' },
    created_at: time,
    credentials: {
      type: 'array',
      items: {
        type: 'object',
        required: ['public_key', 'oauth_only', 'created_at', 'revoked_at'],
        properties: {
          public_key: { type: 'string' },
          oauth_only: { type: 'boolean' },
          created_at: time,
          revoked_at: { ...time, type: ['string', 'null'] },
        },
      },
    },
    integrations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'shop_name', 'shop_url', 'system', 'webhook_url', 'webhook_active', 'created_at'],
        properties: { id, ...integrationSettings, created_at: time },
      },
    },
  },
} as const;

export const accountListSchema = {
  type: 'object',
  required: ['accounts'],
  properties: { accounts: { type: 'array', items: accountSchema } },
} as const;

const count = { type: 'integer', minimum: 0 } as const;
export const removedSchema = {
  type: 'object',
  required: ['removed'],
  properties: {
    removed: {
      type: 'object',
      required: [
        'accounts',
        'credentials',
        'oauth_tokens',
        'integrations',
        'shipments',
        'logs',
        'webhook_deliveries',
      ],
      properties: {
        accounts: count,
        credentials: count,
        oauth_tokens: count,
        integrations: count,
        shipments: count,
        logs: count,
        webhook_deliveries: count,
      },
    },
  },
} as const;

export const resetBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    account_id: { ...id, description: 'Only this account (default: every account).' },
    keep_accounts: {
      type: 'boolean',
      description: 'Keep the accounts, their key pairs, tokens and integrations (default false).',
    },
  },
} as const;

export const accountParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'The account id.' } },
} as const;

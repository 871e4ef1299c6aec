/**
 * The snapshot document's JSON schema: what `GET /__admin/snapshot` writes and `POST /__admin/snapshot`,
 * `serve --import` and `admin snapshot import` accept. Every object names all its fields and no
 * others, so a document that passes is complete; times are integers, microseconds since the Unix
 * epoch (UTC), the unit the database keeps, so that an import restores them exactly.
 */
const id = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
const us = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const usOrNull = { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const text = { type: 'string' } as const;
const textOrNull = { type: ['string', 'null'] } as const;
const count = { type: 'integer', minimum: 0, maximum: 2147483647 } as const;
const countOrNull = { type: ['integer', 'null'], minimum: 0, maximum: 2147483647 } as const;

/** An object with exactly these fields, every one required. */
function record(properties: Record<string, object>): object {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties), properties };
}

const credential = record({
  id,
  public_key: { type: 'string', minLength: 1, maxLength: 128 },
  secret_digest: {
    type: 'string',
    pattern: '^[0-9a-f]{64}$',
    description: 'SHA-256 (HMAC-SHA-256 under SECRET_PEPPER) of the secret key, hex: never the secret.',
  },
  oauth_only: { type: 'boolean' },
  created_at_us: us,
  revoked_at_us: usOrNull,
});

const shipment = record({
  id,
  uuid: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
  external_order_id: text,
  external_shipment_id: textOrNull,
  order_number: text,
  shop_created_at_us: us,
  shop_updated_at_us: us,
  created_at_us: us,
  updated_at_us: us,
  data: { type: 'string', description: 'The order as stored: JSON text, kept byte for byte.' },
});

const log = record({
  id,
  base_url: text,
  full_url: textOrNull,
  method: text,
  response_code: countOrNull,
  response: textOrNull,
  request: textOrNull,
  exception_type: textOrNull,
  exception: textOrNull,
  created_at_us: us,
  imported_at_us: us,
});

const order = record({
  id,
  order_id: text,
  order_id_folded: text,
  order_number: text,
  order_number_folded: text,
  status_folded: text,
  order_created_at_us: us,
  order_updated_at_us: usOrNull,
  created_at_us: us,
  modified_at_us: us,
  version: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  data: { type: 'string', description: 'The v3 order as stored: JSON text, kept byte for byte.' },
});

const shopOrderStatus = record({
  external_id: text,
  translations: { type: 'array', items: { type: 'object' } },
  position: count,
  deleted_at_us: usOrNull,
});

const shopOrderStatusMapping = record({ status_category: text, external_id: textOrNull });

/** Version 1 (the release before API v3) has none of v3's members; version 2 has them all. */
const integrationFields = {
  id,
  shop_name: { type: 'string', minLength: 1, maxLength: 255 },
  shop_url: { type: ['string', 'null'], maxLength: 2048 },
  system: { type: 'string', minLength: 1, maxLength: 64 },
  failing_since_us: usOrNull,
  last_fetch_us: usOrNull,
  last_updated_at_us: us,
  service_point_enabled: { type: 'boolean' },
  service_point_carriers: { type: 'array', items: { type: 'string' } },
  webhook_active: { type: 'boolean' },
  webhook_url: { type: ['string', 'null'], maxLength: 2048 },
  webhook_signature_key: { type: 'string', minLength: 1 },
  created_at_us: us,
};
const v3Fields = { feedback_type: { type: 'string', enum: ['eager', 'delayed', 'none'] } };
const children = { shipments: { type: 'array', items: shipment } };
const v3Children = {
  orders: { type: 'array', items: order },
  shop_order_statuses: { type: 'array', items: shopOrderStatus },
  shop_order_status_mappings: { type: 'array', items: shopOrderStatusMapping },
};
const logs = { logs: { type: 'array', items: log } };
const integration = record({ ...integrationFields, ...v3Fields, ...children, ...v3Children, ...logs });
const integrationV1 = record({ ...integrationFields, ...children, ...logs });

const attempt = record({
  id,
  attempted_at_us: us,
  status_code: countOrNull,
  error: textOrNull,
  duration_ms: count,
});

const delivery = record({
  id,
  integration_id: id,
  action: text,
  url: text,
  body: text,
  signature_key: text,
  status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
  attempts: count,
  next_attempt_at_us: us,
  locked_until_us: usOrNull,
  created_at_us: us,
  delivered_at_us: usOrNull,
  attempt_log: { type: 'array', items: attempt },
});

const account = (integrations: object) =>
  record({
    id,
    partner: { type: 'boolean' },
    created_at_us: us,
    credentials: { type: 'array', items: credential },
    integrations: { type: 'array', items: integrations },
    webhook_deliveries: { type: 'array', items: delivery },
  });

export const SNAPSHOT_FORMAT = 'order-inbox-snapshot';
export const SNAPSHOT_VERSION = 2;
/** The version the release before API v3 wrote: still imported, v3's members read as absent. */
export const SNAPSHOT_VERSION_V1 = 1;

const documentSchema = (version: number, integrations: object) => ({
  ...record({
    format: { const: SNAPSHOT_FORMAT },
    version: {
      const: version,
      description: `Raised when the document changes shape; an import also accepts version ${SNAPSHOT_VERSION_V1} (without API v3's orders, shop order statuses and feedback types).`,
    },
    account_id: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description:
        'The one account exported (an import replaces that account alone), or null for the whole state (an import replaces everything).',
    },
    accounts: { type: 'array', items: account(integrations) },
  }),
  description:
    'Accounts with their key pairs (as digests), integrations (with their webhook signing keys and feedback types), shipments, v3 orders, shop order statuses and their mapping, logs and webhook deliveries; ids as stored, rows in id order. As sensitive as the database.',
});

export const snapshotSchema = documentSchema(SNAPSHOT_VERSION, integration);
/** A version-1 document, as the release before API v3 exported it. */
export const snapshotSchemaV1 = documentSchema(SNAPSHOT_VERSION_V1, integrationV1);

/**
 * The JSON schemas of the v3 document this server serves (`openapi.ts`), written for this project from
 * Sendcloud's published v3 reference: what each operation answers, as the handlers answer it. They
 * document; they do not validate (the handlers validate, with Pydantic's messages).
 */

import { FEEDBACK_TYPES } from '../../domain/integrations/integration-update-v3.js';
import { LANGUAGES, STATUS_CATEGORIES } from '../../domain/v3/shop-order-statuses.js';

const timestamp = {
  type: 'string',
  format: 'date-time',
  description: 'UTC, always with six fraction digits and `+00:00`.',
  example: '2024-01-01T10:00:00.000000+00:00',
} as const;

const languages = LANGUAGES;

export const v3Schemas = {
  ErrorObject: {
    type: 'object',
    required: ['status', 'code', 'detail'],
    properties: {
      status: { type: 'string', description: 'The HTTP status, as a string.', example: '404' },
      code: { type: 'string', description: 'Snake-case error code.', example: 'not_found' },
      title: { type: 'string', example: 'Not found' },
      detail: { type: 'string' },
      source: {
        type: 'object',
        properties: {
          pointer: {
            type: 'string',
            description: 'JSON pointer into the body (`/data/attributes/[1]/order_id`).',
          },
          parameter: { type: 'string', description: 'The query parameter at fault.' },
          header: { type: 'string', description: 'The header at fault.' },
        },
      },
    },
  },
  Errors: {
    type: 'object',
    required: ['errors'],
    properties: {
      errors: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/ErrorObject' } },
    },
  },
  IntegrationUpdate: {
    type: 'object',
    description: 'Any subset; omitted members keep their values. Unknown members are ignored.',
    properties: {
      shop_name: { type: 'string', minLength: 1, maxLength: 250 },
      shop_url: { type: 'string', format: 'uri', minLength: 1 },
      service_point_enabled: { type: 'boolean' },
      service_point_carriers: { type: 'array', items: { type: 'string' } },
      webhook_active: { type: 'boolean' },
      webhook_url: { type: 'string', format: 'uri', minLength: 1 },
      feedback_type: { type: 'string', enum: FEEDBACK_TYPES },
    },
  },
  Integration: {
    type: 'object',
    description: "The same integration v2 shows, under v3's names. A member without a value is left out.",
    required: [
      'id',
      'shop_name',
      'type',
      'created_at',
      'updated_at',
      'service_point_enabled',
      'service_point_carriers',
      'webhook_active',
      'feedback_type',
    ],
    properties: {
      id: { type: 'integer', example: 23452345 },
      shop_name: { type: 'string' },
      shop_url: { type: 'string' },
      type: { type: 'string', description: "v2's `system`.", example: 'api' },
      started_failing_at: { ...timestamp, description: "v2's `failing_since`." },
      last_fetched_at: { ...timestamp, description: "v2's `last_fetch`." },
      created_at: timestamp,
      updated_at: { ...timestamp, description: "v2's `last_updated_at`." },
      service_point_enabled: { type: 'boolean' },
      service_point_carriers: { type: 'array', items: { type: 'string' } },
      webhook_active: { type: 'boolean' },
      webhook_url: { type: 'string' },
      feedback_type: { type: 'string', enum: FEEDBACK_TYPES },
    },
  },
  ShopOrderStatusesDeclaration: {
    type: 'object',
    required: ['integration_id', 'statuses'],
    properties: {
      integration_id: { type: 'integer' },
      statuses: {
        type: 'array',
        items: {
          type: 'object',
          required: ['external_id', 'translations'],
          properties: {
            external_id: { type: 'string' },
            translations: {
              type: 'array',
              minItems: 1,
              maxItems: 7,
              items: {
                type: 'object',
                required: ['status', 'language'],
                properties: { status: { type: 'string' }, language: { type: 'string', enum: languages } },
              },
            },
          },
        },
      },
    },
  },
  ShopOrderStatuses: {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'array',
        items: {
          type: 'object',
          required: ['external_id', 'status', 'translations'],
          properties: {
            external_id: { type: 'string' },
            status: { type: 'string', description: 'In the language asked for (default `en-gb`).' },
            deleted_at: { ...timestamp, description: 'Present only for a deleted status (`show_deleted`).' },
            translations: {
              type: 'array',
              items: {
                type: 'object',
                properties: { status: { type: 'string' }, language: { type: 'string', enum: languages } },
              },
            },
          },
        },
      },
    },
  },
  StatusMappingDeclaration: {
    type: 'object',
    required: ['integration_id', 'mapping'],
    properties: {
      integration_id: { type: 'integer' },
      mapping: {
        type: 'array',
        minItems: 4,
        maxItems: 4,
        items: {
          type: 'object',
          required: ['status_category', 'external_id'],
          properties: {
            status_category: { type: 'string', enum: STATUS_CATEGORIES },
            external_id: { type: ['string', 'null'] },
          },
        },
      },
    },
  },
  StatusMapping: {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'object',
        required: ['integration_id', 'mapping'],
        properties: {
          integration_id: { type: 'integer' },
          mapping: {
            type: 'array',
            items: {
              type: 'object',
              required: ['status_category', 'external_id', 'is_valid'],
              properties: {
                status_category: { type: 'string', enum: STATUS_CATEGORIES },
                external_id: { type: ['string', 'null'] },
                is_valid: { type: 'boolean' },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const ref = (name: keyof typeof v3Schemas) => ({ $ref: `#/components/schemas/${name}` });

/** The `{id}` path parameter of the reference: an integer, at least 1. */
export const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
} as const;

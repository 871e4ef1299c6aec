import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  DEFAULT_REFERENCE_DIR,
  DOCUMENTS,
  FIXTURES_DIR,
  facts,
  fixtureText,
} from '../../scripts/reference-fixtures.js';
import type { DocumentName } from '../../scripts/reference-fixtures.js';

// The documents are not part of the project: a clone has only the fixtures made from them. Where the
// folder is present (the development machine and its CI), the fixtures must be what the script makes.
const absent = existsSync(DEFAULT_REFERENCE_DIR)
  ? false
  : `Sendcloud's reference documents not found at ${DEFAULT_REFERENCE_DIR}: the fixtures were not compared with them`;

describe("the test fixtures made from Sendcloud's OpenAPI documents", () => {
  for (const name of Object.keys(DOCUMENTS) as DocumentName[]) {
    test(
      `test/fixtures/${name}.json is what \`npm run fixtures\` makes of ${DOCUMENTS[name]}`,
      { skip: absent },
      async () => {
        const committed = readFileSync(join(FIXTURES_DIR, `${name}.json`), 'utf8');
        const made = await fixtureText(DEFAULT_REFERENCE_DIR, name);
        assert.ok(
          committed === made,
          `test/fixtures/${name}.json is out of date with ${DOCUMENTS[name]}: run \`npm run fixtures\` and commit it`,
        );
      },
    );
  }

  test('prose fields go; names, data and every other field stay', () => {
    const document = {
      openapi: '3.1.0',
      info: {
        title: 'Integrations',
        version: '2.0.0',
        description: 'prose',
        license: { name: 'Apache 2.0' },
      },
      tags: [{ name: 'Shipments', description: 'prose' }],
      paths: {
        '/shipments': {
          post: {
            summary: 'prose',
            description: 'prose',
            operationId: 'create',
            'x-mint': { href: '/docs', content: 'prose' },
            'x-sendcloud-paginated': true,
            parameters: [{ name: 'cursor', in: 'query', description: 'prose', schema: { type: 'string' } }],
            requestBody: {
              content: {
                'application/json': {
                  examples: {
                    Create: {
                      summary: 'prose',
                      value: { description: 'Very orange color', summary: 'data' },
                    },
                  },
                },
              },
            },
            responses: { '400': { description: 'Bad Request', content: {} }, default: { description: 'x' } },
          },
        },
      },
      components: {
        schemas: {
          Item: {
            title: 'Item',
            description: 'prose',
            required: ['description'],
            properties: {
              description: { type: 'string', description: 'prose', example: 'Bag', examples: ['Bag', 'Box'] },
              summary: { type: 'string', enum: ['a'], default: 'a' },
            },
          },
        },
        securitySchemes: {
          OAuth2: {
            type: 'oauth2',
            flows: { clientCredentials: { tokenUrl: 'https://t', scopes: { api: 'prose' } } },
          },
        },
      },
    };
    assert.deepEqual(facts(document), {
      openapi: '3.1.0',
      info: { title: 'Integrations', version: '2.0.0', license: { name: 'Apache 2.0' } },
      tags: [{ name: 'Shipments' }],
      paths: {
        '/shipments': {
          post: {
            operationId: 'create',
            'x-sendcloud-paginated': true,
            parameters: [{ name: 'cursor', in: 'query', schema: { type: 'string' } }],
            requestBody: {
              content: {
                'application/json': {
                  examples: { Create: { value: { description: 'Very orange color', summary: 'data' } } },
                },
              },
            },
            responses: { '400': { content: {} }, default: {} },
          },
        },
      },
      components: {
        schemas: {
          Item: {
            title: 'Item',
            required: ['description'],
            properties: {
              description: { type: 'string', example: 'Bag', examples: ['Bag', 'Box'] },
              summary: { type: 'string', enum: ['a'], default: 'a' },
            },
          },
        },
        securitySchemes: {
          OAuth2: {
            type: 'oauth2',
            flows: { clientCredentials: { tokenUrl: 'https://t', scopes: { api: '' } } },
          },
        },
      },
    });
  });

  test('the v2 fixture keeps the facts the suites replay: operations, statuses, examples and their messages', () => {
    const v2 = JSON.parse(readFileSync(join(FIXTURES_DIR, 'sendcloud-v2-integrations.json'), 'utf8'));
    assert.equal(v2.info.license.name, 'Apache 2.0');
    assert.equal(v2.servers[0].url, 'https://panel.sendcloud.sc/api/v2');
    assert.equal(
      v2.paths['/integrations/{id}'].get.operationId,
      'sc-public-v2-orders-get-retrieve_an_integration',
    );
    assert.deepEqual(Object.keys(v2.paths['/integrations/{id}/shipments/delete'].post.responses).sort(), [
      '204',
      '400',
      '404',
    ]);
    assert.ok(v2.components.schemas.Integration.properties.shop_name);
    assert.equal(JSON.stringify(v2).includes('"summary"'), false, 'no summary field is left');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

/**
 * The documentation page is order-inbox's own (its title and mark, not the framework's), its request
 * examples are requests the server accepts as they are, and its cursor description is the real cursor.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

/** Each documented request example, by "METHOD path", with the media type it is sent as. */
function requestExamples(doc: Doc): Map<string, { type: string; example: unknown }> {
  const out = new Map<string, { type: string; example: unknown }>();
  for (const [path, operations] of Object.entries<Doc>(doc.paths)) {
    for (const [method, operation] of Object.entries<Doc>(operations)) {
      for (const [type, media] of Object.entries<Doc>(operation.requestBody?.content ?? {})) {
        assert.ok('example' in media, `${method.toUpperCase()} ${path} documents an example`);
        out.set(`${method.toUpperCase()} ${path}`, { type, example: media.example });
      }
    }
  }
  return out;
}

for (const engine of ENGINES) {
  describe(`the documentation page [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      // One item a page, so that two logs make a `next` link with a cursor to read.
      srv = await startTestServer({ pageSize: 1 }, engine);
    });
    after(() => srv.close());

    test("the page is order-inbox's: its title, its own mark in place of the framework's logo", async () => {
      const page = await fetch(`${srv.url}/api/v2/docs`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<title>order-inbox — API documentation<\/title>/);
      assert.doesNotMatch(html, /Swagger UI/);
      const init = await (await fetch(`${srv.url}/api/v2/docs/static/swagger-initializer.js`)).text();
      const logo = /img\.src = 'data:image\/svg\+xml;base64,([^']+)'/.exec(init);
      assert.ok(logo, 'the page replaces the top bar logo');
      const svg = Buffer.from(logo[1] as string, 'base64').toString('utf8');
      assert.match(svg, />order-inbox<\/text>/);
      assert.doesNotMatch(svg, /fastify/i);
    });

    test('every documented request example is accepted by the server as it is', async () => {
      const t = await srv.tenant();
      const doc = (await call(`${srv.url}/api/v2/openapi.json`)).body;
      const examples = requestExamples(doc);
      assert.deepEqual([...examples.keys()].sort(), [
        'PATCH /api/v2/integrations/{id}',
        'POST /api/v2/integrations/{id}/logs',
        'POST /api/v2/integrations/{id}/shipments',
        'POST /api/v2/integrations/{id}/shipments/delete',
        'POST /oauth2/token',
        'PUT /api/v2/integrations/{id}',
      ]);
      const send = (key: string) => {
        const { type, example } = examples.get(key) as { type: string; example: unknown };
        const [method, path] = key.split(' ') as [string, string];
        const body =
          type === 'application/json'
            ? JSON.stringify(example)
            : new URLSearchParams(example as Record<string, string>).toString();
        return call(`${srv.url}${path.replace('{id}', String(t.integrationId))}`, {
          method,
          auth: t.basic,
          headers: { 'content-type': type },
          body,
        });
      };

      const upsert = await send('POST /api/v2/integrations/{id}/shipments');
      assert.equal(upsert.status, 200, upsert.text);
      assert.equal(upsert.body.length, 1);
      assert.deepEqual(
        { ...upsert.body[0], shipment_uuid: typeof upsert.body[0].shipment_uuid },
        { external_order_id: '1001', external_shipment_id: null, shipment_uuid: 'string', status: 'created' },
      );
      const listed = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments`, {
        auth: t.basic,
      });
      const stored = listed.body.results[0];
      assert.equal(stored.shipment_uuid, upsert.body[0].shipment_uuid);
      assert.equal(stored.total_order_value, '24.99');
      assert.equal(stored.parcel_items[0].weight, '0.300');
      assert.deepEqual(stored.order_status, { id: 'paid', message: 'Paid' });

      // The delete example names the shipment the upsert example made.
      const deleted = await send('POST /api/v2/integrations/{id}/shipments/delete');
      assert.equal(deleted.status, 204, deleted.text);
      assert.equal(deleted.text, '');
      const after = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments`, {
        auth: t.basic,
      });
      assert.deepEqual(after.body.results, []);

      for (const key of ['PUT /api/v2/integrations/{id}', 'PATCH /api/v2/integrations/{id}']) {
        const updated = await send(key);
        assert.equal(updated.status, 200, updated.text);
        const { last_updated_at: lastUpdatedAt, ...fields } = updated.body;
        assert.equal(typeof lastUpdatedAt, 'string');
        // The answer is the update shape: exactly the fields sent, and the time of the change.
        assert.deepEqual(fields, examples.get(key)?.example);
      }
      const integration = await call(`${srv.url}/api/v2/integrations/${t.integrationId}`, {
        auth: t.basic,
      });
      assert.equal(integration.body.shop_name, 'Example Shop');
      assert.deepEqual(integration.body.service_point_carriers, ['postnl', 'dhl']);

      const log = await send('POST /api/v2/integrations/{id}/logs');
      assert.equal(log.status, 201, log.text);
      const { id, created_at: createdAt, protected: isProtected, ...logged } = log.body;
      assert.equal(typeof id, 'number');
      assert.equal(typeof createdAt, 'string');
      assert.equal(isProtected, false);
      assert.deepEqual(logged, examples.get('POST /api/v2/integrations/{id}/logs')?.example);

      const token = await send('POST /oauth2/token');
      assert.equal(token.status, 200, token.text);
      assert.equal(token.body.token_type, 'bearer');
      assert.equal(token.body.scope, 'api');
    });

    test('the cursor parameter is described as the cursor the server makes', async () => {
      const t = await srv.tenant();
      const other = await srv.tenant();
      const doc = (await call(`${srv.url}/api/v2/openapi.json`)).body;
      const cursorDocs = Object.values<Doc>(doc.paths)
        .flatMap((ops) => Object.values<Doc>(ops))
        .flatMap((op) => op.parameters ?? [])
        .filter((p: Doc) => p.name === 'cursor')
        .map((p: Doc) => p.description as string);
      assert.equal(cursorDocs.length, 3);
      assert.match(cursorDocs[0] as string, /standard base64 of DRF-style cursor parameters: `r=1`/);

      const base = `${srv.url}/api/v2/integrations/${t.integrationId}/logs`;
      for (let i = 0; i < 2; i++) {
        assert.equal((await call(base, { auth: t.basic, body: { base_url: `https://x/${i}` } })).status, 201);
      }
      const page = await call(base, {
        auth: t.basic,
      });
      const next = page.body.next as string;
      assert.ok(next !== null, JSON.stringify(page.body));
      const cursor = new URL(next).searchParams.get('cursor') as string;
      const params = new URLSearchParams(Buffer.from(cursor, 'base64').toString('ascii'));
      assert.deepEqual([...params.keys()].sort(), ['i', 'p']);
      assert.match(params.get('p') as string, /^\d+-\d+$/);
      assert.equal(params.get('i'), String(t.integrationId));
      // Valid only for its own integration.
      const foreign = await call(
        `${srv.url}/api/v2/integrations/${other.integrationId}/logs?cursor=${encodeURIComponent(cursor)}`,
        { auth: other.basic },
      );
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.error.message, 'Invalid cursor');
    });
  });
}

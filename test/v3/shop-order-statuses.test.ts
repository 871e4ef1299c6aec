import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { referenceDocument } from '../helpers/reference.js';
import type { Json } from '../helpers/reference.js';
import { assertV3Error, tokenFor } from './helpers.js';

/**
 * `/shop-order-statuses` and `/shop-order-statuses/mapping`: the reference's examples replayed with
 * the caller's own integration, languages, deleted statuses, validation, and the account's scope.
 */
const doc = referenceDocument('sendcloud-v3-orders');
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
const bodyExample = (path: string, name: string): Json =>
  structuredClone(doc.paths[path].post.requestBody.content['application/json'].examples[name].value);
const answerExample = (path: string, method: string, status: string, name: string): Json =>
  structuredClone(doc.paths[path][method].responses[status].content['application/json'].examples[name].value);

for (const engine of ENGINES) {
  describe(`v3 shop order statuses [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({}, engine);
    });
    after(() => srv.close());
    const v3 = (path: string) => `${srv.url}/api/v3${path}`;

    test("the documented declaration, with the caller's integration: 200 null, then listed in the default language", async () => {
      const t = await srv.tenant();
      const body = bodyExample('/shop-order-statuses', 'PostOrderShopStatuses');
      body.integration_id = t.integrationId;
      const posted = await call(v3('/shop-order-statuses'), { method: 'POST', auth: t.basic, body });
      assert.equal(posted.status, 200);
      assert.equal(posted.text, 'null');
      assert.deepEqual(posted.body, answerExample('/shop-order-statuses', 'post', '200', 'Response'));
      const list = await call(v3(`/shop-order-statuses?integration_id=${t.integrationId}`), {
        auth: t.basic,
      });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body, {
        data: body.statuses.map((s: Json) => ({
          external_id: s.external_id,
          status: s.translations.find((x: Json) => x.language === 'en-gb').status,
          translations: s.translations,
        })),
      });
      const dutch = await call(v3(`/shop-order-statuses?integration_id=${t.integrationId}&language=nl-nl`), {
        auth: t.basic,
      });
      assert.deepEqual(
        dutch.body.data.map((s: Json) => s.status),
        ['Verzonden', 'Bezorgt'],
      );
      // Not in German: en-gb, as the reference says.
      const german = await call(v3(`/shop-order-statuses?integration_id=${t.integrationId}&language=de-de`), {
        auth: t.basic,
      });
      assert.deepEqual(
        german.body.data.map((s: Json) => s.status),
        ['Sent', 'Delivered'],
      );
    });

    test("the list example's shape: a deleted status shows with show_deleted, its deleted_at with a fraction and a zone", async () => {
      const t = await srv.tenant();
      const example = answerExample('/shop-order-statuses', 'get', '200', 'Response').data;
      const declare = (statuses: Json[]) =>
        call(v3('/shop-order-statuses'), {
          method: 'POST',
          auth: t.basic,
          body: {
            integration_id: t.integrationId,
            statuses: statuses.map((s) => ({ external_id: s.external_id, translations: s.translations })),
          },
        });
      assert.equal((await declare(example)).status, 200);
      // The second example status is deleted in the example: declare again without it.
      assert.equal((await declare([example[0]])).status, 200);
      const current = await call(v3(`/shop-order-statuses?integration_id=${t.integrationId}`), {
        auth: t.basic,
      });
      assert.deepEqual(current.body.data, [
        { external_id: '17-B', status: 'Delivered', translations: example[0].translations },
      ]);
      const all = await call(v3(`/shop-order-statuses?integration_id=${t.integrationId}&show_deleted=true`), {
        auth: t.basic,
      });
      assert.equal(all.body.data.length, 2);
      const [kept, deleted] = all.body.data;
      assert.deepEqual(kept, {
        external_id: '17-B',
        status: 'Delivered',
        translations: example[0].translations,
      });
      assert.equal(deleted.external_id, '14-A');
      assert.equal(deleted.status, 'Cancelled');
      assert.deepEqual(deleted.translations, example[1].translations);
      assert.match(deleted.deleted_at, TIMESTAMP);
      // Decision (docs/behaviour.md): the schema allows no null, so a status not deleted has no deleted_at.
      assert.equal('deleted_at' in kept, false);
      const falsy = await call(
        v3(`/shop-order-statuses?integration_id=${t.integrationId}&show_deleted=false`),
        { auth: t.basic },
      );
      assert.deepEqual(falsy.body, current.body);
    });

    test('the documented mapping: 200 null, then all four categories with is_valid', async () => {
      const t = await srv.tenant();
      await call(v3('/shop-order-statuses'), {
        method: 'POST',
        auth: t.basic,
        body: {
          integration_id: t.integrationId,
          statuses: ['11', '12'].map((id) => ({
            external_id: id,
            translations: [{ status: `S${id}`, language: 'en-gb' }],
          })),
        },
      });
      const empty = await call(v3(`/shop-order-statuses/mapping?integration_id=${t.integrationId}`), {
        auth: t.basic,
      });
      assert.deepEqual(empty.body, {
        data: {
          integration_id: t.integrationId,
          mapping: ['READY_TO_SEND', 'IN_TRANSIT', 'DELIVERED', 'CANCEL'].map((c) => ({
            status_category: c,
            external_id: null,
            is_valid: true,
          })),
        },
      });
      const body = bodyExample('/shop-order-statuses/mapping', 'PostOrderStatusesMapping');
      body.integration_id = t.integrationId;
      const posted = await call(v3('/shop-order-statuses/mapping'), { method: 'POST', auth: t.basic, body });
      assert.equal(posted.status, 200);
      assert.equal(posted.text, 'null');
      // Status 12 is then deleted: the mapping that points to it is no longer valid.
      await call(v3('/shop-order-statuses'), {
        method: 'POST',
        auth: t.basic,
        body: {
          integration_id: t.integrationId,
          statuses: [{ external_id: '11', translations: [{ status: 'S11', language: 'en-gb' }] }],
        },
      });
      const mapping = await call(v3(`/shop-order-statuses/mapping?integration_id=${t.integrationId}`), {
        auth: t.basic,
      });
      const shape = answerExample('/shop-order-statuses/mapping', 'get', '200', 'Response');
      assert.deepEqual(Object.keys(mapping.body.data), Object.keys(shape.data));
      assert.deepEqual(mapping.body.data.mapping, [
        { status_category: 'READY_TO_SEND', external_id: '11', is_valid: true },
        { status_category: 'IN_TRANSIT', external_id: '11', is_valid: true },
        { status_category: 'DELIVERED', external_id: '12', is_valid: false },
        { status_category: 'CANCEL', external_id: null, is_valid: true },
      ]);
    });

    test("the reference's 400 examples byte for byte: no integration_id, a body that is not an object", async () => {
      const t = await srv.tenant();
      for (const path of ['/shop-order-statuses', '/shop-order-statuses/mapping']) {
        const missing = await call(v3(path), { auth: t.basic });
        assert.equal(missing.status, 400);
        const example = answerExample(path, 'get', '400', 'InvalidRequest');
        assert.deepEqual(missing.body, {
          errors: [{ ...example.errors[0], source: { parameter: 'integration_id' } }],
        });
        for (const body of ['[]', '"x"', '12']) {
          const wrong = await call(v3(path), { method: 'POST', auth: t.basic, body });
          assert.equal(wrong.status, 400);
          assert.deepEqual(wrong.body, answerExample(path, 'post', '400', 'WrongPayloadFormatRequested'));
        }
        // No body at all is not an object either.
        const none = await call(v3(path), {
          method: 'POST',
          auth: t.basic,
          headers: { 'content-type': 'application/json' },
        });
        assert.deepEqual(none.body, answerExample(path, 'post', '400', 'WrongPayloadFormatRequested'));
      }
    });

    test("invalid members: Pydantic's messages at their pointers; nothing is stored", async () => {
      const t = await srv.tenant();
      const bad = await call(v3('/shop-order-statuses'), {
        method: 'POST',
        auth: t.basic,
        body: {
          integration_id: 'seven',
          statuses: [
            { external_id: 5, translations: [] },
            { translations: [{ status: 'x', language: 'xx' }] },
          ],
        },
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(
        bad.body.errors.map((e: Json) => [e.detail, e.source.pointer]),
        [
          [
            'Input should be a valid integer, unable to parse string as an integer',
            '/data/attributes/integration_id',
          ],
          ['Input should be a valid string', '/data/attributes/statuses/0/external_id'],
          [
            'List should have at least 1 item after validation, not 0',
            '/data/attributes/statuses/0/translations',
          ],
          ['Field required', '/data/attributes/statuses/1/external_id'],
          [
            "Input should be 'en-us', 'en-gb', 'fr-fr', 'de-de', 'nl-nl', 'es-es' or 'it-it'",
            '/data/attributes/statuses/1/translations/0/language',
          ],
        ],
      );
      const three = await call(v3('/shop-order-statuses/mapping'), {
        method: 'POST',
        auth: t.basic,
        body: {
          integration_id: t.integrationId,
          mapping: [{ status_category: 'READY_TO_SEND', external_id: null }],
        },
      });
      assertV3Error(three, 400, {
        code: 'invalid',
        title: 'Invalid',
        detail: 'List should have at least 4 items after validation, not 1',
        source: { pointer: '/data/attributes/mapping' },
      });
      const twice = await call(v3('/shop-order-statuses/mapping'), {
        method: 'POST',
        auth: t.basic,
        body: {
          integration_id: t.integrationId,
          mapping: ['READY_TO_SEND', 'READY_TO_SEND', 'DELIVERED', 'CANCEL'].map((c) => ({
            status_category: c,
            external_id: null,
          })),
        },
      });
      assertV3Error(twice, 400, {
        code: 'invalid',
        title: 'Invalid',
        detail: 'Value error, Each status category must be mapped exactly once',
        source: { pointer: '/data/attributes/mapping' },
      });
      const badLanguage = await call(
        v3(`/shop-order-statuses?integration_id=${t.integrationId}&language=xx`),
        { auth: t.basic },
      );
      assert.equal(badLanguage.status, 400);
      assert.deepEqual(badLanguage.body.errors[0].source, { parameter: 'language' });
      const list = await call(v3(`/shop-order-statuses?integration_id=${t.integrationId}`), {
        auth: t.basic,
      });
      assert.deepEqual(list.body, { data: [] });
    });

    test("another account's integration: 404 in the query, 400 at its pointer in a body, as an unknown one; Basic only", async () => {
      const owner = await srv.tenant();
      const other = await srv.tenant();
      await call(v3('/shop-order-statuses'), {
        method: 'POST',
        auth: owner.basic,
        body: {
          integration_id: owner.integrationId,
          statuses: [{ external_id: 'mine', translations: [{ status: 'Mine', language: 'en-gb' }] }],
        },
      });
      for (const path of ['/shop-order-statuses', '/shop-order-statuses/mapping']) {
        for (const id of [owner.integrationId, 999999999]) {
          assertV3Error(await call(v3(`${path}?integration_id=${id}`), { auth: other.basic }), 404, {
            code: 'not_found',
            title: 'Not found',
            detail: 'The Integration could not be found with the search criteria given',
          });
        }
      }
      for (const id of [owner.integrationId, 999999999]) {
        const taken = await call(v3('/shop-order-statuses'), {
          method: 'POST',
          auth: other.basic,
          body: { integration_id: id, statuses: [] },
        });
        assertV3Error(taken, 400, {
          code: 'invalid',
          title: 'Invalid',
          detail: `Integration with id ${id} does not exist`,
          source: { pointer: '/data/attributes/integration_id' },
        });
      }
      const still = await call(v3(`/shop-order-statuses?integration_id=${owner.integrationId}`), {
        auth: owner.basic,
      });
      assert.deepEqual(
        still.body.data.map((s: Json) => s.external_id),
        ['mine'],
      );
      const token = await tokenFor(srv.url, owner.basic);
      assertV3Error(
        await call(v3(`/shop-order-statuses?integration_id=${owner.integrationId}`), {
          auth: `Bearer ${token}`,
        }),
        401,
        { code: 'not_authenticated', detail: 'Authentication credentials were not provided.' },
      );
    });
  });
}

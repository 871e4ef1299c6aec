import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requestExample, responseExample } from '../helpers/reference.js';
import { ENGINES, call, engineSkip, envelope, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

for (const engine of ENGINES) {
  describe(`exception logs [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ pageSize: 2 }, engine);
    });
    after(() => srv.close());

    test('CreateIntegrationLog example: 201 with the example response, write-only fields left out', async () => {
      const t = await srv.tenant();
      const body = requestExample('/integrations/{id}/logs', 'post', 'CreateIntegrationLog');
      // integration_id and user_id in the body are ignored: they come from the path and the credentials.
      body.integration_id = 999_999;
      body.user_id = 424_242;
      const answer = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/logs`, {
        auth: t.basic,
        body,
      });
      assert.equal(answer.status, 201, answer.text);
      const example = responseExample('/integrations/{id}/logs', 'post', '201', 'CreateIntegrationLog');
      const { integration_id: _i, user_id: _u, ...visible } = example;
      assert.deepEqual(Object.keys(answer.body).sort(), Object.keys(visible).sort());
      // The example's time, +01:00, rendered as DRF renders it: UTC with Z.
      assert.deepEqual({ ...answer.body, id: 0 }, { ...visible, id: 0, created_at: '2023-03-01T01:02:00Z' });
      const listed = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/logs`, { auth: t.basic });
      assert.deepEqual(listed.body.results, [answer.body]);
    });

    test('the documented 400 (WrongFieldValue) byte for byte; base_url is required', async () => {
      const t = await srv.tenant();
      const path = `api/v2/integrations/${t.integrationId}/logs`;
      const example = responseExample('/integrations/{id}/logs', 'post', '400', 'WrongFieldValue');
      const answer = await call(`${srv.url}/${path}`, {
        auth: t.basic,
        body: { base_url: 'https://x.example', exception: null },
      });
      assert.deepEqual(answer.body, envelope(400, path, example.error.message));
      const missing = await call(`${srv.url}/${path}`, { auth: t.basic, body: {} });
      assert.deepEqual(missing.body, envelope(400, path, "{'base_url': ['This field is required.', ]}"));
      const many = await call(`${srv.url}/${path}`, {
        auth: t.basic,
        body: { base_url: '', response_code: -1, created_at: 'now', response: 'text' },
      });
      assert.equal(many.status, 400);
      assert.equal(
        many.body.error.message,
        "{'base_url': ['This field may not be blank.', ], 'response_code': ['Ensure this value is greater than or equal to 0.', ], " +
          "'response': ['Expected a dictionary of items but got type \"str\".', ], 'created_at': ['Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].', ]}",
      );
      const list = await call(`${srv.url}/${path}`, { auth: t.basic });
      assert.deepEqual(list.body.results, []);
    });

    test('lists per integration and across the account, newest first, paginated; never another account’s', async () => {
      const t = await srv.tenant();
      const second = await srv.accounts.createIntegration(t.accountId);
      const other = await srv.tenant();
      const post = (integrationId: number, exception: string, auth = t.basic) =>
        call(`${srv.url}/api/v2/integrations/${integrationId}/logs`, {
          auth,
          body: { base_url: 'https://s.example', exception },
        });
      for (const [id, e] of [
        [t.integrationId, 'one'],
        [second.id, 'two'],
        [t.integrationId, 'three'],
      ] as const) {
        assert.equal((await post(id, e)).status, 201);
      }
      assert.equal((await post(other.integrationId, 'foreign', other.basic)).status, 201);
      const exceptions = (page: { body: { results: { exception: string }[] } }) =>
        page.body.results.map((r) => r.exception);

      const all = await call(`${srv.url}/api/v2/integrations/logs`, { auth: t.basic });
      assert.deepEqual(exceptions(all), ['three', 'two']);
      assert.equal(all.body.previous, null);
      const rest = await call(all.body.next, { auth: t.basic });
      assert.deepEqual(exceptions(rest), ['one']);
      assert.equal(rest.body.next, null);
      assert.deepEqual(exceptions(await call(rest.body.previous, { auth: t.basic })), ['three', 'two']);

      const own = await call(`${srv.url}/api/v2/integrations/${t.integrationId}/logs`, { auth: t.basic });
      assert.deepEqual(exceptions(own), ['three', 'one']);
      const foreign = await call(`${srv.url}/api/v2/integrations/${other.integrationId}/logs`, {
        auth: t.basic,
      });
      assert.equal(foreign.status, 404);
      // A cursor of the account-wide list is not valid for one integration's list.
      const cursor = new URL(all.body.next).searchParams.get('cursor') ?? '';
      const mixed = await call(
        `${srv.url}/api/v2/integrations/${t.integrationId}/logs?cursor=${encodeURIComponent(cursor)}`,
        { auth: t.basic },
      );
      assert.equal(mixed.status, 404);
      assert.equal(mixed.body.error.message, 'Invalid cursor');
    });
  });
}

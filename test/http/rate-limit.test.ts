import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, ManualClock, basicHeader, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';

/** Sendcloud's published limits, per account (docs/behaviour.md), on a clock the test moves. */
for (const engine of ENGINES) {
  describe(`rate limits [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    const clock = new ManualClock();
    before(async () => {
      srv = await startTestServer({ rateLimit: true }, engine, clock);
    });
    after(() => srv.close());

    const del = (t: Tenant) =>
      call(`${srv.url}/api/v2/integrations/${t.integrationId}/shipments/delete`, {
        auth: t.basic,
        body: { external_order_id: 'none', external_shipment_id: null },
      });

    test('unsafe methods: 15 a second; the 16th is 429 with an empty body and Retry-After', async () => {
      const t = await srv.tenant();
      for (let i = 0; i < 15; i++) assert.equal((await del(t)).status, 404, `request ${i + 1}`);
      const limited = await del(t);
      assert.equal(limited.status, 429);
      assert.equal(limited.text, '');
      assert.equal(limited.headers.get('retry-after'), '1');
      // Refused requests use up nothing: a second later the budget is whole again.
      clock.advance(1000);
      assert.equal((await del(t)).status, 404);
    });

    test('unsafe methods: 100 a minute', async () => {
      const t = await srv.tenant();
      let accepted = 0;
      for (let second = 0; second < 7; second++) {
        for (let i = 0; i < 15; i++) if ((await del(t)).status === 404) accepted++;
        clock.advance(1000);
      }
      assert.equal(accepted, 100);
      const limited = await del(t);
      assert.equal(limited.status, 429);
      // The oldest of the 100 leaves the window 60 s after it came: 53 s from now.
      assert.equal(limited.headers.get('retry-after'), '53');
      clock.advance(53_000);
      assert.equal((await del(t)).status, 404);
    });

    test('safe methods: 1,000 a minute, counted apart from unsafe ones and per account', async () => {
      const t = await srv.tenant();
      const other = await srv.tenant();
      const url = `${srv.url}/api/v2/integrations`;
      for (let i = 0; i < 1000; i++) {
        const answer = await call(url, { auth: t.basic });
        assert.equal(answer.status, 200, `GET ${i + 1}`);
      }
      const limited = await call(url, { auth: t.basic });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '60');
      assert.equal((await del(t)).status, 404); // unsafe budget untouched
      assert.equal((await call(url, { auth: other.basic })).status, 200); // another account untouched
    });

    test('401s do not count, and 429 comes before 405', async () => {
      const t = await srv.tenant();
      const wrong = basicHeader(t.publicKey, 'wrong');
      for (let i = 0; i < 20; i++)
        assert.equal(
          (await call(`${srv.url}/api/v2/integrations`, { method: 'POST', auth: wrong, body: {} })).status,
          401,
        );
      for (let i = 0; i < 15; i++) {
        const answer = await call(`${srv.url}/api/v2/integrations`, {
          method: 'POST',
          auth: t.basic,
          body: {},
        });
        assert.equal(answer.status, 405);
      }
      const limited = await call(`${srv.url}/api/v2/integrations`, {
        method: 'POST',
        auth: t.basic,
        body: {},
      });
      assert.equal(limited.status, 429);
    });
  });
}

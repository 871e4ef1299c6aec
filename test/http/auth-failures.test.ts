import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, ManualClock, basicHeader, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

/**
 * Failed authentication is limited per key and per client address (issue 6). Trust-proxy is on so the
 * test can speak from several addresses through X-Forwarded-For.
 */
for (const engine of ENGINES) {
  describe(`failed-authentication limits [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    const clock = new ManualClock();
    before(async () => {
      srv = await startTestServer(
        { authFailureLimit: 5, authFailureWindowSeconds: 60, trustProxy: true },
        engine,
        clock,
      );
    });
    after(() => srv.close());

    const get = (auth: string, from: string) =>
      call(`${srv.url}/api/v2/integrations`, { auth, headers: { 'x-forwarded-for': from } });

    test('per key: after 5 wrong secrets the key is refused from anywhere, even with its right secret', async () => {
      const t = await srv.tenant();
      const other = await srv.tenant();
      for (let i = 1; i <= 5; i++) {
        const answer = await get(basicHeader(t.publicKey, `guess-${i}`), `10.0.0.${i}`);
        assert.equal(answer.status, 401);
        assert.equal(answer.body.error.message, 'Invalid username/password.');
      }
      const blocked = await get(t.basic, '10.0.0.99');
      assert.equal(blocked.status, 429);
      assert.equal(blocked.text, '');
      assert.equal(blocked.headers.get('retry-after'), '60');
      // Another key from the same address is not affected.
      const fine = await get(other.basic, '10.0.0.99');
      assert.equal(fine.status, 200);
      assert.equal(fine.body[0].id, other.integrationId);
      clock.advance(60_000);
      const again = await get(t.basic, '10.0.0.99');
      assert.equal(again.status, 200);
      assert.equal(again.body[0].id, t.integrationId);
    });

    test('per address: 5 failures from one address block it, whatever the key; other addresses go on', async () => {
      const t = await srv.tenant();
      for (let i = 1; i <= 5; i++) {
        assert.equal((await get(basicHeader(`unknown-${i}`, 'x'), '10.1.1.1')).status, 401);
      }
      assert.equal((await get(t.basic, '10.1.1.1')).status, 429);
      assert.equal((await get('Bearer not-a-token', '10.1.1.1')).status, 429);
      assert.equal((await get(t.basic, '10.1.1.2')).status, 200);
      // Requests without credentials are not attempts and are not counted.
      for (let i = 0; i < 10; i++) assert.equal((await get('', '10.1.1.3')).status, 401);
      assert.equal((await get(t.basic, '10.1.1.3')).status, 200);
    });

    test('the token endpoint counts failed client authentication by client_id and address', async () => {
      const t = await srv.tenant();
      const form = (secret: string) =>
        call(`${srv.url}/oauth2/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': `10.2.0.${secret.length}`,
          },
          body: `grant_type=client_credentials&client_id=${t.publicKey}&client_secret=${secret}`,
        });
      for (const secret of ['a', 'bb', 'ccc', 'dddd', 'eeeee']) {
        const answer = await form(secret);
        assert.equal(answer.status, 401);
        assert.equal(answer.body.error, 'invalid_client');
      }
      const blocked = await form(encodeURIComponent(t.secretKey));
      assert.equal(blocked.status, 429);
      assert.equal(blocked.text, '');
      // The Basic API is refused for the same key.
      assert.equal((await get(t.basic, '10.2.9.9')).status, 429);
    });
  });
}

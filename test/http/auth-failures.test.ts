import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ENGINES, basicHeader, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

/**
 * No lockout: failed authentications are not counted against a key or an address. Secrets are 256-bit
 * random values, so guessing cannot succeed, and a lockout would only let one client (a test suite
 * checking its wrong-secret handling, a misconfigured connector) deny service to every other tenant on
 * its address, or to the owner of the key it guesses at.
 */
const WRONG_ATTEMPTS = 120;

for (const engine of ENGINES) {
  for (const [label, env] of [
    ['default settings', {}],
    ['RATE_LIMIT=off', { RATE_LIMIT: 'off' }],
  ] as const) {
    describe(
      `no lockout after failed authentication [${engine}, ${label}]`,
      { skip: await engineSkip(engine) },
      () => {
        let srv: TestServer;
        before(async () => {
          srv = await startTestServer({ rateLimit: loadConfig(env).rateLimit }, engine);
        });
        after(() => srv.close());

        test('many wrong secrets for the same key and others, from one address: the right secrets work at once', async () => {
          const victim = await srv.tenant();
          const bystander = await srv.tenant();
          const list = (auth: string) => call(`${srv.url}/api/v2/integrations`, { auth });
          const token = (publicKey: string, secret: string) =>
            call(`${srv.url}/oauth2/token`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: `grant_type=client_credentials&scope=api&client_id=${publicKey}&client_secret=${encodeURIComponent(secret)}`,
            });

          for (let i = 0; i < WRONG_ATTEMPTS; i++) {
            const publicKey =
              i % 3 === 0 ? bystander.publicKey : i % 3 === 1 ? victim.publicKey : `nokey${i}`;
            const wrong = await list(basicHeader(publicKey, `guess-${i}`));
            assert.equal(wrong.status, 401);
            assert.equal(wrong.body.error.message, 'Invalid username/password.');
          }
          for (let i = 0; i < 20; i++) {
            const wrong = await token(victim.publicKey, `guess-${i}`);
            assert.equal(wrong.status, 401);
            assert.equal(wrong.body.error, 'invalid_client');
            const badToken = await list(`Bearer not-a-token-${i}`);
            assert.equal(badToken.status, 401);
            assert.equal(badToken.body.error.message, 'Invalid token.');
          }

          // Straight after: each key's own right secret, by Basic and through the token endpoint.
          for (const tenant of [victim, bystander]) {
            const listed = await list(tenant.basic);
            assert.equal(listed.status, 200);
            assert.deepEqual(
              listed.body.map((i: { id: number }) => i.id),
              [tenant.integrationId],
            );
            const issued = await token(tenant.publicKey, tenant.secretKey);
            assert.equal(issued.status, 200);
            assert.equal(issued.body.token_type, 'bearer');
            const viaToken = await list(`Bearer ${issued.body.access_token}`);
            assert.equal(viaToken.status, 200);
            assert.equal(viaToken.body[0].id, tenant.integrationId);
          }
        });
      },
    );
  }
}

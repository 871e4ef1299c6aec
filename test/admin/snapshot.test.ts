/**
 * Snapshots end to end, against a real listening server on each engine: a whole state exported, the
 * database thrown away, the snapshot imported into a fresh one and every list answer the same bytes;
 * refused documents (with the JSON pointer) that change nothing; an account replaced in place; one
 * account's export holding nothing of another's; no secret in any document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, call, engineSkip, minimalOrder, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN_TOKEN, admin, createTenant } from './helpers.js';
import type { AdminTenant } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function push(base: string, t: AdminTenant, integrationId: number, ids: string[]): Promise<void> {
  const answer = await call(`${base}/api/v2/integrations/${integrationId}/shipments`, {
    auth: t.basic,
    body: ids.map((id) =>
      minimalOrder({ external_order_id: id, order_number: `N-${id}`, total_order_value: '12.50' }),
    ),
  });
  assert.equal(answer.status, 200, answer.text);
}

async function log(base: string, t: AdminTenant, integrationId: number, code: number): Promise<void> {
  const answer = await call(`${base}/api/v2/integrations/${integrationId}/logs`, {
    auth: t.basic,
    body: { base_url: 'https://shop.example/api', method: 'GET', response_code: code },
  });
  assert.equal(answer.status, 201, answer.text);
}

/** Every page of a list, following `next`, as the exact bytes the server sent. */
async function pages(first: string, auth: string): Promise<string[]> {
  const texts: string[] = [];
  let url: string | null = first;
  while (url !== null) {
    const answer = await call(url, { auth });
    assert.equal(answer.status, 200, answer.text);
    texts.push(answer.text);
    url = answer.body.next ?? null;
  }
  return texts;
}

/** Every list answer a tenant can read, byte for byte: integrations, each one, shipments and logs pages. */
async function everything(base: string, t: AdminTenant): Promise<string[]> {
  const api = `${base}/api/v2/integrations`;
  const list = await call(api, { auth: t.basic });
  assert.equal(list.status, 200, list.text);
  const texts = [list.text];
  for (const { id } of list.body as { id: number }[]) {
    texts.push((await call(`${api}/${id}`, { auth: t.basic })).text);
    texts.push(...(await pages(`${api}/${id}/shipments`, t.basic)));
    texts.push(...(await pages(`${api}/${id}/shipments?order=asc&order_number=N-A3`, t.basic)));
    texts.push(...(await pages(`${api}/${id}/logs`, t.basic)));
  }
  texts.push(...(await pages(`${api}/logs`, t.basic)));
  return texts;
}

async function exportText(base: string, accountId?: number): Promise<string> {
  const answer = await admin(base, `/snapshot${accountId === undefined ? '' : `?account_id=${accountId}`}`);
  assert.equal(answer.status, 200, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  return answer.text;
}

/**
 * The first request to a server restarted on the same port: fetch's pool may still hold a keep-alive
 * connection to the closed server, which it has not yet seen closed ("other side closed"). Retried once,
 * as an HTTP client retries an idempotent GET on a stale pooled connection; by then the pool has dropped it.
 */
async function afterRestart<T>(get: () => Promise<T>): Promise<T> {
  try {
    return await get();
  } catch (error) {
    const code = ((error as { cause?: { code?: unknown } }).cause ?? {}).code;
    if (code !== 'UND_ERR_SOCKET') throw error;
    return get();
  }
}

const importDoc = (base: string, doc: unknown) => admin(base, '/snapshot', { method: 'POST', body: doc });

/** Two tenants with several integrations, shipments over several pages, logs and queued webhooks. */
async function seed(base: string): Promise<[AdminTenant, AdminTenant]> {
  const a = await createTenant(base, {
    integrations: [
      { shop_name: 'Shop A1', shop_url: 'https://a1.example' },
      { shop_name: 'Shop A2', webhook_url: 'https://hooks.invalid/a2', webhook_active: true },
    ],
  });
  const b = await createTenant(base, { partner: true });
  const [a1, a2] = a.created.integrations.map((i: { id: number }) => i.id);
  await push(base, a, a1, ['A1', 'A2', 'A3', 'A4', 'A5']);
  await push(base, a, a2, ['A6', 'A7', 'A8']);
  await push(base, a, a1, ['A2']); // an update: updated_at moves, created_at stays
  await push(base, b, b.integrationId, ['B1', 'B2']);
  await log(base, a, a1, 500);
  await log(base, a, a1, 404);
  await log(base, a, a2, 502);
  await log(base, b, b.integrationId, 500);
  return [a, b];
}

const withoutDeliveries = (doc: Json) => ({
  ...doc,
  accounts: doc.accounts.map((account: Json) => ({ ...account, webhook_deliveries: [] })),
});

for (const engine of ENGINES) {
  describe(`admin snapshots [${engine}]`, { skip: await engineSkip(engine) }, () => {
    test('export, a fresh database, import: every list answer is the same bytes, the keys still work', async () => {
      const first = await startTestServer({ adminToken: ADMIN_TOKEN, pageSize: 2 }, engine);
      let second: TestServer | null = null;
      try {
        const [a, b] = await seed(first.url);
        const before = [await everything(first.url, a), await everything(first.url, b)];
        const accountsBefore = (await admin(first.url, '/accounts')).text;
        const text = await exportText(first.url);

        // Pretty-printed, stable, and never a secret.
        const doc = JSON.parse(text);
        assert.equal(text, `${JSON.stringify(doc, null, 2)}\n`);
        assert.equal(await exportText(first.url), text);
        for (const secret of [a.secretKey, b.secretKey, ADMIN_TOKEN]) assert.ok(!text.includes(secret));
        assert.deepEqual(Object.keys(doc), ['format', 'version', 'account_id', 'accounts']);
        assert.equal(doc.format, 'order-inbox-snapshot');
        assert.equal(doc.version, 2);
        assert.equal(doc.account_id, null);
        assert.deepEqual(
          doc.accounts.map((x: Json) => x.id),
          [a.accountId, b.accountId],
        );
        const [accountA] = doc.accounts;
        assert.deepEqual(Object.keys(accountA.credentials[0]), [
          'id',
          'public_key',
          'secret_digest',
          'oauth_only',
          'created_at_us',
          'revoked_at_us',
        ]);
        assert.equal(accountA.credentials[0].public_key, a.publicKey);
        assert.match(accountA.credentials[0].secret_digest, /^[0-9a-f]{64}$/);
        assert.equal(
          accountA.integrations[1].webhook_signature_key,
          a.created.integrations[1].webhook_signature_key,
        );
        assert.deepEqual(
          accountA.integrations.map((i: Json) => i.shipments.length),
          [5, 3],
        );
        const ids = accountA.integrations[0].shipments.map((s: Json) => s.id);
        assert.deepEqual(
          ids,
          [...ids].sort((x: number, y: number) => x - y),
        );
        assert.deepEqual(
          accountA.integrations.map((i: Json) => i.logs.length),
          [2, 1],
        );
        // integration_connected for the integration with webhooks on, with its signing key.
        assert.equal(accountA.webhook_deliveries.length >= 1, true);
        assert.equal(accountA.webhook_deliveries[0].action, 'integration_connected');
        assert.equal(
          accountA.webhook_deliveries[0].signature_key,
          a.created.integrations[1].webhook_signature_key,
        );

        // The database goes; a fresh one on the same port (the answers' links name it) gets the file.
        const port = new URL(first.url).port;
        await first.close();
        second = await startTestServer({ adminToken: ADMIN_TOKEN, pageSize: 2, port: Number(port) }, engine);
        assert.deepEqual((await afterRestart(() => admin((second as TestServer).url, '/accounts'))).body, {
          accounts: [],
        });
        const imported = await importDoc(second.url, doc);
        assert.equal(imported.status, 200, imported.text);
        assert.deepEqual(imported.body, {
          imported: {
            accounts: 2,
            credentials: 2,
            integrations: 3,
            shipments: 10,
            orders: 0,
            shop_order_statuses: 0,
            shop_order_status_mappings: 0,
            logs: 4,
            webhook_deliveries: accountA.webhook_deliveries.length,
            webhook_attempts: accountA.webhook_deliveries.reduce(
              (n: number, d: Json) => n + d.attempt_log.length,
              0,
            ),
          },
        });
        assert.deepEqual([await everything(second.url, a), await everything(second.url, b)], before);
        assert.equal((await admin(second.url, '/accounts')).text, accountsBefore);
        // The same document comes back out (deliveries aside: the new dispatcher may have tried them).
        assert.deepEqual(withoutDeliveries(JSON.parse(await exportText(second.url))), withoutDeliveries(doc));

        // New rows get ids past the imported ones: the sequences moved.
        const c = await createTenant(second.url);
        assert.ok(c.accountId > b.accountId);
        assert.ok(
          c.integrationId >
            Math.max(...doc.accounts.flatMap((x: Json) => x.integrations.map((i: Json) => i.id))),
        );
        await push(second.url, c, c.integrationId, ['C1']);
        const token = await call(`${second.url}/oauth2/token`, {
          method: 'POST',
          auth: a.basic,
          body: 'grant_type=client_credentials',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assert.equal(token.status, 200, token.text);
      } finally {
        await second?.close();
        if (second === null) await first.close().catch(() => undefined);
      }
    });

    describe('on one server', () => {
      let srv: TestServer;
      let a: AdminTenant;
      let b: AdminTenant;
      before(async () => {
        srv = await startTestServer({ adminToken: ADMIN_TOKEN, pageSize: 2 }, engine);
        [a, b] = await seed(srv.url);
      });
      after(() => srv.close());

      const state = async () => [
        await everything(srv.url, a),
        await everything(srv.url, b),
        (await admin(srv.url, '/accounts')).text,
      ];

      test('one account: nothing of another account, and 404 / 400 for a wrong account_id', async () => {
        const text = await exportText(srv.url, b.accountId);
        const doc = JSON.parse(text);
        assert.equal(doc.account_id, b.accountId);
        assert.deepEqual(
          doc.accounts.map((x: Json) => x.id),
          [b.accountId],
        );
        assert.equal(doc.accounts[0].integrations[0].shipments.length, 2);
        for (const foreign of [a.publicKey, a.secretKey, b.secretKey, 'Shop A1', '"A1"', 'a1.example']) {
          assert.ok(!text.includes(foreign), foreign);
        }
        for (const integration of a.created.integrations) {
          assert.ok(!text.includes(integration.webhook_signature_key));
        }
        const missing = await admin(srv.url, '/snapshot?account_id=999999');
        assert.equal(missing.status, 404);
        assert.deepEqual(missing.body, {
          error: { code: 'account_not_found', message: 'No account with id 999999.' },
        });
        const malformed = await admin(srv.url, '/snapshot?account_id=abc');
        assert.equal(malformed.status, 400);
        assert.equal(malformed.body.error.code, 'invalid_request');
      });

      test('invalid documents: 400 naming the JSON pointer, and nothing changed', async () => {
        const before = await state();
        const whole = JSON.parse(await exportText(srv.url));
        const cases: [string, (doc: Json) => void, string][] = [
          [
            'a wrong type',
            (doc) => (doc.accounts[0].integrations[1].shop_url = 5),
            'body/accounts/0/integrations/1/shop_url must be string,null.',
          ],
          [
            'an invalid URL',
            (doc) => (doc.accounts[0].integrations[1].shop_url = 'not a url'),
            'body/accounts/0/integrations/1/shop_url must be a valid URL.',
          ],
          [
            'an unknown field',
            (doc) => (doc.accounts[0].integrations[0].shipments[2].colour = 'red'),
            'body/accounts/0/integrations/0/shipments/2 must NOT have additional properties ("colour").',
          ],
          [
            'a missing field',
            (doc) => delete doc.accounts[1].credentials[0].secret_digest,
            "body/accounts/1/credentials/0 must have required property 'secret_digest'.",
          ],
          [
            'a secret where a digest belongs',
            (doc) => (doc.accounts[0].credentials[0].secret_digest = a.secretKey),
            'body/accounts/0/credentials/0/secret_digest must match pattern "^[0-9a-f]{64}$".',
          ],
          ['another version', (doc) => (doc.version = 3), 'body/version must be equal to constant.'],
          [
            'a uuid twice',
            (doc) =>
              (doc.accounts[0].integrations[1].shipments[0].uuid =
                doc.accounts[0].integrations[0].shipments[1].uuid),
            'body/accounts/0/integrations/1/shipments/0/uuid repeats the uuid of body/accounts/0/integrations/0/shipments/1/uuid.',
          ],
          [
            'an integration id twice',
            (doc) => (doc.accounts[1].integrations[0].id = doc.accounts[0].integrations[0].id),
            'body/accounts/1/integrations/0/id repeats the integrations id of body/accounts/0/integrations/0/id.',
          ],
          [
            'an account snapshot with two accounts',
            (doc) => (doc.account_id = doc.accounts[0].id),
            `body/accounts must hold exactly the account ${a.accountId} that account_id names.`,
          ],
        ];
        for (const [name, change, message] of cases) {
          const doc = structuredClone(whole);
          change(doc);
          const answer = await importDoc(srv.url, doc);
          assert.equal(answer.status, 400, `${name}: ${answer.text}`);
          assert.deepEqual(answer.body, { error: { code: 'invalid_request', message } }, name);
        }
        const notJson = await admin(srv.url, '/snapshot', { method: 'POST', body: '{"format":' });
        assert.equal(notJson.status, 400);
        assert.deepEqual(await state(), before);
      });

      test('a conflict found while writing rolls the whole import back (409 with the pointer)', async () => {
        const before = await state();
        // B's account snapshot, with a shipment that takes one of A's ids: B is removed first inside the
        // transaction, then the insert meets A's row; B must come back whole.
        const doc = JSON.parse(await exportText(srv.url, b.accountId));
        const taken = JSON.parse(await exportText(srv.url, a.accountId)).accounts[0].integrations[0]
          .shipments[0];
        doc.accounts[0].integrations[0].shipments[1].id = taken.id;
        const answer = await importDoc(srv.url, doc);
        assert.equal(answer.status, 409, answer.text);
        assert.deepEqual(answer.body, {
          error: {
            code: 'conflict',
            message:
              'body/accounts/0/integrations/0/shipments/1: its id or unique key belongs to an account this snapshot does not replace; nothing was imported.',
          },
        });
        // A public key another account holds.
        const key = JSON.parse(await exportText(srv.url, b.accountId));
        key.accounts[0].credentials[0].public_key = a.publicKey;
        const refused = await importDoc(srv.url, key);
        assert.equal(refused.status, 409, refused.text);
        assert.match(refused.body.error.message, /^body\/accounts\/0\/credentials\/0: /);
        assert.deepEqual(await state(), before);
      });

      test('a document larger than BODY_LIMIT_BYTES is taken: a snapshot carries every shipment', async () => {
        const text = await exportText(srv.url, b.accountId);
        const big = JSON.parse(text);
        const note = 'x'.repeat(srv.config.bodyLimitBytes);
        big.accounts[0].integrations[0].shipments[0].data = JSON.stringify({ note });
        const answer = await importDoc(srv.url, big);
        assert.equal(answer.status, 200, answer.text.slice(0, 300));
        assert.ok((await exportText(srv.url, b.accountId)).includes(note));
        assert.equal((await importDoc(srv.url, JSON.parse(text))).status, 200);
        assert.equal(await exportText(srv.url, b.accountId), text);
      });

      test("replacing an existing account: its data as exported, its ids and keys, the others' untouched", async () => {
        const text = await exportText(srv.url, a.accountId);
        const before = await everything(srv.url, a);
        const otherBefore = await everything(srv.url, b);
        const [a1, a2] = a.created.integrations.map((i: { id: number }) => i.id);
        // The account moves on: more orders, a deleted one, a log, a renamed shop.
        await push(srv.url, a, a1, ['A9', 'A10']);
        await log(srv.url, a, a2, 418);
        const renamed = await call(`${srv.url}/api/v2/integrations/${a1}`, {
          method: 'PATCH',
          auth: a.basic,
          body: { shop_name: 'Renamed' },
        });
        assert.equal(renamed.status, 200, renamed.text);
        assert.notDeepEqual(await everything(srv.url, a), before);

        const answer = await importDoc(srv.url, JSON.parse(text));
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.body.imported.accounts, 1);
        assert.deepEqual(await everything(srv.url, a), before);
        assert.deepEqual(await everything(srv.url, b), otherBefore);
        assert.equal(await exportText(srv.url, a.accountId), text);

        // A changed document is what the account then serves, under the same ids and key pair.
        const changed = JSON.parse(text);
        changed.accounts[0].integrations[0].shop_name = 'Imported name';
        changed.accounts[0].integrations[0].shipments = [];
        assert.equal((await importDoc(srv.url, changed)).status, 200);
        const integration = await call(`${srv.url}/api/v2/integrations/${a1}`, { auth: a.basic });
        assert.equal(integration.body.shop_name, 'Imported name');
        const listed = await call(`${srv.url}/api/v2/integrations/${a1}/shipments`, { auth: a.basic });
        assert.deepEqual(listed.body.results, []);
        assert.equal((await importDoc(srv.url, JSON.parse(text))).status, 200);
        assert.deepEqual(await everything(srv.url, a), before);
      });
    });
  });
}

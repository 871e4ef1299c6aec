/**
 * The virtual clock (`/__admin/clock`) on each engine, against a real listening server: every effect is
 * shown by moving the clock — timestamps follow a frozen clock, a token dies exactly at its TTL, the
 * list's default window moves, a rate-limit window resets, a webhook retry goes out when the clock
 * passes its due time — plus the validation errors, the setting surviving a restart, and the
 * command-line and programmatic twins.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer as startProgrammatic } from '../../src/index.js';
import { ENGINES, call, engineSkip, minimalOrder, startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { receiver } from '../helpers/webhook-receiver.js';
import { ADMIN_TOKEN, admin, createTenant, runCliAsync } from './helpers.js';
import type { AdminTenant } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const T = '2030-01-01T12:00:00Z';
const T_MS = Date.parse(T);
/** The admin API renders times as ISO 8601 with milliseconds. */
const T_ISO = new Date(T_MS).toISOString();

const setClock = async (base: string, body: unknown) => {
  const answer = await admin(base, '/clock', { method: 'PUT', body });
  assert.equal(answer.status, 200, answer.text);
  return answer.body;
};

const token = async (base: string, t: AdminTenant): Promise<string> => {
  const answer = await call(`${base}/oauth2/token`, {
    method: 'POST',
    auth: t.basic,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=api',
  });
  assert.equal(answer.status, 200, answer.text);
  return answer.body.access_token;
};

for (const engine of ENGINES) {
  describe(`virtual clock [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ adminToken: ADMIN_TOKEN, webhookDelivery: 'capture' }, engine);
    });
    after(async () => {
      await srv.close();
    });

    test('real time at first; frozen_at freezes it, advance moves it, real releases it', async () => {
      const first = await admin(srv.url, '/clock');
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(
        { frozen: first.body.frozen, real: first.body.real, offset: first.body.offset_seconds },
        { frozen: false, real: true, offset: 0 },
      );
      assert.match(first.body.now, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$/);

      const frozen = await setClock(srv.url, { frozen_at: '2030-01-01T13:00:00+01:00' });
      assert.deepEqual(
        { now: frozen.now, frozen: frozen.frozen, real: frozen.real },
        {
          now: T,
          frozen: true,
          real: false,
        },
      );
      // It stands still: a later read says the same.
      assert.equal((await admin(srv.url, '/clock')).body.now, T);

      const advanced = await setClock(srv.url, { advance_seconds: 90.5 });
      assert.equal(advanced.now, '2030-01-01T12:01:30.500000Z');
      assert.equal(advanced.frozen, true);
      const back = await setClock(srv.url, { advance_seconds: -0.500001 });
      assert.equal(back.now, '2030-01-01T12:01:29.999999Z');

      // Running on from the frozen instant: not frozen, not real, ahead of real time.
      const running = await setClock(srv.url, { frozen: false });
      assert.equal(running.frozen, false);
      assert.equal(running.real, false);
      assert.ok(running.now >= '2030-01-01T12:01:29.999999Z', running.now);
      assert.ok(running.offset_seconds > 50_000_000, String(running.offset_seconds));
      // An advance of a running clock shifts it and keeps it running.
      const shifted = await setClock(srv.url, { advance_seconds: 86_400 });
      assert.equal(shifted.frozen, false);
      assert.ok(shifted.now >= '2030-01-02T12:01:29.999999Z', shifted.now);
      // frozen: true stops it where it stands.
      const stopped = await setClock(srv.url, { frozen: true });
      assert.equal(stopped.frozen, true);
      assert.equal((await admin(srv.url, '/clock')).body.now, stopped.now);

      const real = await setClock(srv.url, { real: true });
      assert.deepEqual(
        { frozen: real.frozen, real: real.real, offset: real.offset_seconds },
        { frozen: false, real: true, offset: 0 },
      );
      assert.ok(real.now < '2200-01-01', real.now);
    });

    test('created_at, updated_at, logs, the journal and the webhook timestamp follow a frozen clock', async () => {
      await setClock(srv.url, { frozen_at: T });
      try {
        const t = await createTenant(srv.url, {
          integrations: [
            { shop_name: 'Clocked', webhook_url: 'https://shop.example/hooks', webhook_active: true },
          ],
        });
        const base = `${srv.url}/api/v2/integrations/${t.integrationId}`;
        const pushed = await call(`${base}/shipments`, {
          auth: t.basic,
          body: [minimalOrder({ external_order_id: 'clock-1' })],
          headers: { 'x-order-inbox-test': 'clock-created' },
        });
        assert.equal(pushed.status, 200, pushed.text);
        await setClock(srv.url, { advance_seconds: 60 });
        const again = await call(`${base}/shipments`, {
          auth: t.basic,
          body: [
            minimalOrder({
              external_order_id: 'clock-1',
              name: 'Jane Doe',
              updated_at: '2024-03-02T10:00:00Z',
            }),
          ],
        });
        assert.equal(again.status, 200, again.text);
        const listed = await call(`${base}/shipments`, { auth: t.basic });
        assert.equal(listed.status, 200, listed.text);
        assert.equal(listed.body.results.length, 1);
        const shipment = listed.body.results[0];
        assert.deepEqual(
          { created_at: shipment.created_at, updated_at: shipment.updated_at, name: shipment.name },
          { created_at: T, updated_at: '2030-01-01T12:01:00Z', name: 'Jane Doe' },
        );

        const log = await call(`${base}/logs`, {
          auth: t.basic,
          body: { base_url: 'https://shop.example' },
        });
        assert.equal(log.status, 201, log.text);
        assert.equal(log.body.created_at, '2030-01-01T12:01:00Z');

        const account = await admin(srv.url, `/accounts/${t.accountId}`);
        assert.equal(account.body.created_at, T_ISO);
        assert.equal(account.body.integrations[0].created_at, T_ISO);

        const journal = await admin(srv.url, '/journal?test_id=clock-created');
        assert.equal(journal.status, 200, journal.text);
        assert.equal(journal.body.entries.length, 1);
        // The admin API renders times as ISO 8601 with milliseconds.
        assert.equal(journal.body.entries[0].at, new Date(T_MS).toISOString());

        const hooks = await admin(srv.url, `/webhooks?integration_id=${t.integrationId}`);
        const connected = hooks.body.deliveries.find((d: any) => d.action === 'integration_connected');
        assert.equal(connected.payload.timestamp, T_MS);
        assert.equal(connected.created_at, new Date(T_MS).toISOString());
      } finally {
        await setClock(srv.url, { real: true });
      }
    });

    test('a token is valid up to its TTL and invalid exactly at it', async () => {
      await setClock(srv.url, { frozen_at: T });
      try {
        const t = await createTenant(srv.url);
        const bearer = `Bearer ${await token(srv.url, t)}`;
        const url = `${srv.url}/api/v2/integrations/${t.integrationId}`;
        const ttl = srv.config.tokenTtlSeconds;
        await setClock(srv.url, { advance_seconds: ttl - 0.000001 });
        const before = await call(url, { auth: bearer });
        assert.equal(before.status, 200, before.text);
        assert.equal(before.body.id, t.integrationId);
        const at = await setClock(srv.url, { advance_seconds: 0.000001 });
        assert.equal(at.now, new Date(T_MS + ttl * 1000).toISOString().replace('.000Z', 'Z'));
        const expired = await call(url, { auth: bearer });
        assert.equal(expired.status, 401, expired.text);
        assert.deepEqual(expired.body, {
          error: { code: 401, request: `api/v2/integrations/${t.integrationId}`, message: 'Invalid token.' },
        });
        // Moving back in time makes it valid again: validity is judged by the clock, not remembered.
        await setClock(srv.url, { advance_seconds: -1 });
        assert.equal((await call(url, { auth: bearer })).status, 200);
      } finally {
        await setClock(srv.url, { real: true });
      }
    });

    test("the list's default 365-day window moves with the clock", async () => {
      await setClock(srv.url, { frozen_at: T });
      try {
        const t = await createTenant(srv.url);
        const base = `${srv.url}/api/v2/integrations/${t.integrationId}/shipments`;
        const pushed = await call(base, {
          auth: t.basic,
          body: [minimalOrder({ external_order_id: 'w-1' })],
        });
        assert.equal(pushed.status, 200, pushed.text);
        const visible = async (): Promise<string[]> => {
          const answer = await call(base, { auth: t.basic });
          assert.equal(answer.status, 200, answer.text);
          return answer.body.results.map((r: any) => r.external_order_id);
        };
        assert.deepEqual(await visible(), ['w-1']);
        // The window starts 365 days before today (UTC): the last day it still holds 2030-01-01.
        await setClock(srv.url, { frozen_at: '2031-01-01T23:59:59.999999Z' });
        assert.deepEqual(await visible(), ['w-1']);
        await setClock(srv.url, { advance_seconds: 0.000001 });
        assert.deepEqual(await visible(), []);
        // Explicit dates still find it.
        const dated = await call(`${base}?start_date=2030-01-01`, { auth: t.basic });
        assert.deepEqual(
          dated.body.results.map((r: any) => r.external_order_id),
          ['w-1'],
        );
        // Before the day it was made, it is in the future: past the window's end.
        await setClock(srv.url, { frozen_at: '2029-12-31T23:59:59Z' });
        assert.deepEqual(await visible(), []);
      } finally {
        await setClock(srv.url, { real: true });
      }
    });

    test('validation errors in the admin envelope change nothing', async () => {
      await setClock(srv.url, { frozen_at: T });
      try {
        const cases: [unknown, string][] = [
          [undefined, 'body must have exactly one of frozen_at, advance_seconds, real, frozen (got none).'],
          [{}, 'body must have exactly one of frozen_at, advance_seconds, real, frozen (got none).'],
          [
            { frozen_at: T, advance_seconds: 5 },
            'body must have exactly one of frozen_at, advance_seconds, real, frozen (got frozen_at, advance_seconds).',
          ],
          [
            { frozen_at: '2030-01-01T12:00:00' },
            'body/frozen_at must be an RFC 3339 date-time with a time zone, e.g. "2030-01-01T00:00:00Z".',
          ],
          [
            { frozen_at: 'tomorrow' },
            'body/frozen_at must be an RFC 3339 date-time with a time zone, e.g. "2030-01-01T00:00:00Z".',
          ],
          [
            { frozen_at: '2030-02-30T00:00:00Z' },
            'body/frozen_at must be an RFC 3339 date-time with a time zone, e.g. "2030-01-01T00:00:00Z".',
          ],
          [
            { frozen_at: '1969-12-31T23:59:59Z' },
            'body/frozen_at would move the clock outside 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z (the end excluded).',
          ],
          [
            { advance_seconds: 1e12 },
            'body/advance_seconds would move the clock outside 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z (the end excluded).',
          ],
          [{ advance_seconds: '60' }, 'body/advance_seconds must be number.'],
          [{ real: false }, 'body/real must be equal to constant.'],
          [{ speed: 2 }, 'body must NOT have additional properties ("speed").'],
        ];
        for (const [body, message] of cases) {
          const answer = await admin(srv.url, '/clock', { method: 'PUT', body });
          assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.text}`);
          assert.deepEqual(
            answer.body,
            { error: { code: 'invalid_request', message } },
            JSON.stringify(body),
          );
        }
        const unchanged = await admin(srv.url, '/clock');
        assert.deepEqual(
          { now: unchanged.body.now, frozen: unchanged.body.frozen },
          { now: T, frozen: true },
        );
        const unauthorized = await admin(srv.url, '/clock', {
          method: 'PUT',
          body: { real: true },
          auth: 'Bearer wrong-token-0123456789',
        });
        assert.equal(unauthorized.status, 401, unauthorized.text);
        assert.equal(unauthorized.body.error.code, 'unauthorized');
        assert.equal((await admin(srv.url, '/clock')).body.now, T);
      } finally {
        await setClock(srv.url, { real: true });
      }
    });

    test('the admin OpenAPI document lists both operations', async () => {
      const doc = await admin(srv.url, '/openapi.json');
      assert.equal(doc.status, 200);
      assert.equal(doc.body.info.version, '1.2.0');
      assert.equal(doc.body.paths['/__admin/clock'].get.operationId, 'getClock');
      assert.equal(doc.body.paths['/__admin/clock'].put.operationId, 'setClock');
      assert.deepEqual(
        Object.keys(
          doc.body.paths['/__admin/clock'].put.requestBody.content['application/json'].schema.properties,
        ),
        ['frozen_at', 'advance_seconds', 'real', 'frozen'],
      );
    });
  });

  describe(`virtual clock: rate-limit windows [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer(
        { adminToken: ADMIN_TOKEN, webhookDelivery: 'capture', rateLimit: true },
        engine,
      );
    });
    after(async () => {
      await srv.close();
    });

    test('15 writes a second: the 16th waits until the clock moves a second on; a move back forgets the later ones', async () => {
      await setClock(srv.url, { frozen_at: T });
      const t = await createTenant(srv.url);
      const url = `${srv.url}/api/v2/integrations/${t.integrationId}/shipments`;
      const push = (n: number) =>
        call(url, { auth: t.basic, body: [minimalOrder({ external_order_id: `rl-${n}` })] });
      for (let i = 0; i < 15; i++) assert.equal((await push(i)).status, 200);
      const throttled = await push(15);
      assert.equal(throttled.status, 429);
      assert.equal(throttled.text, '');
      assert.equal(throttled.headers.get('retry-after'), '1');
      await setClock(srv.url, { advance_seconds: 0.999999 });
      assert.equal((await push(16)).status, 429);
      await setClock(srv.url, { advance_seconds: 0.000001 });
      const accepted = await push(17);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body[0].status, 'created');
      // 16 accepted at T and T+1 s; moved back an hour, none of them stands in the windows.
      await setClock(srv.url, { advance_seconds: -3600 });
      for (let i = 0; i < 15; i++)
        assert.equal((await push(100 + i)).status, 200, `back in time, write ${i}`);
      assert.equal((await push(200)).status, 429);
      await setClock(srv.url, { real: true });
    });
  });

  describe(`virtual clock: webhook retries [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    before(async () => {
      // A poll far longer than the test: only the clock's move can send the retry.
      srv = await startTestServer(
        {
          adminToken: ADMIN_TOKEN,
          webhookDelivery: 'send',
          webhookAllowPrivate: true,
          webhookPollMs: 600_000,
        },
        engine,
      );
    });
    after(async () => {
      await srv.close();
    });

    test('a failed delivery is retried as soon as the clock passes its due time', async () => {
      const hook = await receiver(1);
      try {
        await setClock(srv.url, { frozen_at: T });
        const t = await createTenant(srv.url, {
          integrations: [{ shop_name: 'Retried', webhook_url: hook.url, webhook_active: true }],
        });
        const deliveries = async (): Promise<any[]> =>
          (await admin(srv.url, `/webhooks?integration_id=${t.integrationId}`)).body.deliveries;
        // The first attempt goes out at once (the change wakes the dispatcher) and fails with a 500.
        const deadline = Date.now() + 10_000;
        while ((await deliveries())[0]?.attempts.length !== 1) {
          if (Date.now() > deadline) throw new Error('the first attempt was not made');
          await new Promise((r) => setTimeout(r, 20));
        }
        const [first] = await deliveries();
        // The admin API renders times as ISO 8601 with milliseconds.
        const retryAt = new Date(T_MS + srv.config.webhookRetryBaseMs).toISOString();
        assert.deepEqual(
          { status: first.status, next: first.next_attempt_at, code: first.attempts[0].status_code },
          { status: 'pending', next: retryAt, code: 500 },
        );
        // A microsecond short of the due time: nothing is sent.
        await setClock(srv.url, { advance_seconds: srv.config.webhookRetryBaseMs / 1000 - 0.000001 });
        assert.equal((await deliveries())[0].attempts.length, 1);
        assert.equal(hook.received.length, 0);
        // At it: the answer to the PUT comes once the retry was attempted.
        await setClock(srv.url, { advance_seconds: 0.000001 });
        const [retried] = await deliveries();
        assert.equal(retried.status, 'delivered');
        assert.equal(retried.attempts.length, 2);
        assert.equal(retried.attempts[1].attempted_at, retryAt);
        assert.equal(retried.delivered_at, retryAt);
        assert.equal(hook.received.length, 1);
        const payload = JSON.parse(hook.received[0]?.body ?? '{}');
        assert.equal(payload.action, 'integration_connected');
        assert.equal(payload.timestamp, T_MS);
      } finally {
        await setClock(srv.url, { real: true });
        hook.server.close();
      }
    });
  });
}

describe('virtual clock: stored in the database [sqlite]', () => {
  test('the setting survives a restart; real time again after {real: true}', async () => {
    const first = await startTestServer({ adminToken: ADMIN_TOKEN }, 'sqlite');
    const config = first.config;
    try {
      await setClock(first.url, { frozen_at: T });
      await first.server.close();
      const { startServer } = await import('../../src/server.js');
      const second = await startServer(config);
      try {
        const answer = await admin(second.url, '/clock');
        assert.deepEqual({ now: answer.body.now, frozen: answer.body.frozen }, { now: T, frozen: true });
        await setClock(second.url, { real: true });
      } finally {
        await second.close();
      }
      const third = await startServer(config);
      try {
        assert.equal((await admin(third.url, '/clock')).body.real, true);
      } finally {
        await third.close();
      }
    } finally {
      await first.close();
    }
  });
});

describe('virtual clock: command line and programmatic twins', () => {
  let server: Awaited<ReturnType<typeof startProgrammatic>>;
  before(async () => {
    server = await startProgrammatic();
  });
  after(async () => {
    await server.close();
  });

  test('admin.clock() reads and moves the clock', async () => {
    const frozen = await server.admin.clock({ frozen_at: T });
    assert.deepEqual(
      { now: frozen.now, frozen: frozen.frozen, real: frozen.real },
      { now: T, frozen: true, real: false },
    );
    assert.equal((await server.admin.clock({ advance_seconds: 3600 })).now, '2030-01-01T13:00:00Z');
    assert.equal((await server.admin.clock()).now, '2030-01-01T13:00:00Z');
    await assert.rejects(server.admin.clock({ frozen_at: 'soon' }), (error: any) => {
      assert.equal(error.status, 400);
      assert.equal(error.code, 'invalid_request');
      return true;
    });
    assert.equal((await server.admin.clock({ real: true })).real, true);
  });

  test('order-inbox admin clock [freeze|advance|run|real]', async () => {
    const target = ['--url', server.url, '--token', server.admin.token];
    const run = async (...args: string[]) => {
      const result = await runCliAsync(['admin', 'clock', ...args, ...target]);
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout);
    };
    assert.equal((await run()).real, true);
    const frozen = await run('freeze', T);
    assert.deepEqual(
      { now: frozen.now, frozen: frozen.frozen, real: frozen.real, offset: typeof frozen.offset_seconds },
      { now: T, frozen: true, real: false, offset: 'number' },
    );
    assert.equal((await run('advance', '90')).now, '2030-01-01T12:01:30Z');
    assert.equal((await run('advance', '2h')).now, '2030-01-01T14:01:30Z');
    assert.equal((await run('advance', '1.5d')).now, '2030-01-03T02:01:30Z');
    assert.equal((await run('advance', '15m')).now, '2030-01-03T02:16:30Z');
    const back = await runCliAsync(['admin', 'clock', 'advance', ...target, '--', '-30s']);
    assert.equal(back.status, 0, back.stderr);
    assert.equal(JSON.parse(back.stdout).now, '2030-01-03T02:16:00Z');
    const running = await run('run');
    assert.equal(running.frozen, false);
    assert.equal(running.real, false);
    const frozenHere = await run('freeze');
    assert.equal(frozenHere.frozen, true);
    assert.equal((await run()).now, frozenHere.now);
    assert.equal((await run('real')).real, true);

    const bad = await runCliAsync(['admin', 'clock', 'freeze', '2030-01-01', ...target]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /400 invalid_request: body\/frozen_at must be an RFC 3339 date-time/);
    const badDuration = await runCliAsync(['admin', 'clock', 'advance', 'soon', ...target]);
    assert.equal(badDuration.status, 1);
    assert.match(
      badDuration.stderr,
      /the duration must be seconds, or a number with s, m, h or d \(got "soon"\)/,
    );
    assert.equal((await server.admin.clock()).real, true);
  });
});

describe('virtual clock: off with the admin API [sqlite]', () => {
  test('a server without an admin token runs on real time, whatever setting is stored', async () => {
    const first = await startTestServer({ adminToken: ADMIN_TOKEN }, 'sqlite');
    try {
      await setClock(first.url, { frozen_at: T });
      const t = await createTenant(first.url);
      await first.server.close();
      const { startServer } = await import('../../src/server.js');
      const plain = await startServer({ ...first.config, adminToken: null });
      try {
        const pushed = await call(`${plain.url}/api/v2/integrations/${t.integrationId}/shipments`, {
          auth: t.basic,
          body: [minimalOrder({ external_order_id: 'real-1' })],
        });
        assert.equal(pushed.status, 200, pushed.text);
        const listed = await call(`${plain.url}/api/v2/integrations/${t.integrationId}/shipments`, {
          auth: t.basic,
        });
        assert.equal(listed.body.results.length, 1);
        assert.ok(listed.body.results[0].created_at < '2030', listed.body.results[0].created_at);
        assert.equal((await admin(plain.url, '/clock')).status, 404);
      } finally {
        await plain.close();
      }
    } finally {
      await first.close();
    }
  });
});

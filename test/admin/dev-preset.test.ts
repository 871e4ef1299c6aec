/**
 * The `--dev` preset: each thing it sets is stated in the banner and takes effect — rate limits off,
 * webhook retries in seconds, readable logs — and each setting given explicitly still wins.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config.js';
import { serve } from '../helpers/cli.js';
import type { ServeProcess } from '../helpers/cli.js';
import { receiver } from '../helpers/webhook-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'order-inbox-dev-preset-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const database = () => join(dir, `dev-${n++}.db`);

async function stop(proc: ServeProcess): Promise<void> {
  proc.child.kill('SIGTERM');
  await proc.exited;
}

/** The first start's `export …` line, as the tenant's credentials. */
function tenantOf(output: string): { basic: string; integrationId: string } {
  const match = /PUBLIC=(\S+) SECRET=(\S+) INTEGRATION_ID=(\d+)/.exec(output);
  assert.ok(match, output);
  const [, key, secret, integrationId] = match as unknown as [string, string, string, string];
  return { basic: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`, integrationId };
}

/** 120 unsafe requests in a row: past both of Sendcloud's unsafe limits (15/s, 100/min). */
async function burst(proc: ServeProcess): Promise<{ status: number; body: string }[]> {
  const { basic, integrationId } = tenantOf(proc.output());
  const answers: { status: number; body: string }[] = [];
  for (let i = 0; i < 120; i++) {
    const answer = await fetch(`${proc.url}/api/v2/integrations/${integrationId}/shipments/delete`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: JSON.stringify({ external_order_id: `none-${i}`, external_shipment_id: null }),
    });
    answers.push({ status: answer.status, body: await answer.text() });
  }
  return answers;
}

describe('serve --dev preset', () => {
  test('the banner states each part of the preset', async () => {
    const proc = await serve(['--dev', '--database', database()], { RATE_LIMIT: '' });
    try {
      const output = proc.output();
      for (const line of [
        'dev mode (--dev); a setting given explicitly wins over each of these:',
        '  rate limits          off',
        '  failed-auth limits   none: no lockout after failed logins, in any mode; a wrong admin token is answered after 250 ms',
        '  webhooks             captured, never sent',
        '  webhook retries      first after 1 s, then doubling, at most 12 s apart',
        '  admin token          generated, printed below',
        '  logs                 human-readable (pino-pretty)',
      ]) {
        assert.ok(output.includes(`${line}\n`), `${line}\nin\n${output}`);
      }
      assert.match(output, /rate limits: off; failed logins lock nothing out/);
    } finally {
      await stop(proc);
    }
  });

  test('every explicit setting wins over the preset, and the banner says what is in force', async () => {
    const proc = await serve(['--dev', '--database', database()], {
      RATE_LIMIT: 'on',
      WEBHOOK_DELIVERY: 'send',
      WEBHOOK_RETRY_BASE_MS: '60000',
      ADMIN_TOKEN: 'a-given-admin-token-0123456789',
      LOG_FORMAT: 'json',
    });
    try {
      const output = proc.output();
      for (const line of [
        '  rate limits          on (RATE_LIMIT=on)',
        '  webhooks             sent (WEBHOOK_DELIVERY=send)',
        '  webhook retries      first after 1 min, then doubling, at most 12 min apart',
        '  admin token          given (--admin-token or ADMIN_TOKEN), not printed',
        '  logs                 JSON, one object a line (LOG_FORMAT=json)',
      ]) {
        assert.ok(output.includes(`${line}\n`), `${line}\nin\n${output}`);
      }
      // The rate limits are on indeed: 120 unsafe requests in a row meet 429s.
      const answers = await burst(proc);
      const limited = answers.filter((a) => a.status === 429);
      assert.ok(limited.length >= 20, `${limited.length} of 120 limited`);
      assert.ok(limited.every((a) => a.body === ''));
    } finally {
      await stop(proc);
    }
  });

  test('rate limits off: 120 unsafe requests in a row, none is 429', async () => {
    const proc = await serve(['--dev', '--database', database()], { RATE_LIMIT: '' });
    try {
      const answers = await burst(proc);
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([404]));
      assert.ok(
        answers.every((a) => JSON.parse(a.body).error.message === 'No ShipmentBlob matches the given query.'),
      );
    } finally {
      await stop(proc);
    }
  });

  test('webhook retries in seconds: a failed delivery is retried while the test waits', async () => {
    const hook = await receiver(1);
    const proc = await serve(['--dev', '--database', database()], { WEBHOOK_DELIVERY: 'send' });
    try {
      const token = /ORDER_INBOX_ADMIN_TOKEN=(\S+)/.exec(proc.output())?.[1] as string;
      const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const created = await fetch(`${proc.url}/__admin/tenants`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ integrations: [{ webhook_url: hook.url, webhook_active: true }] }),
      });
      assert.equal(created.status, 201);
      const { integration_id } = (await created.json()) as { integration_id: number };
      // The first attempt gets 500; the retry, 1 s later rather than 5 minutes, gets 200.
      for (let i = 0; i < 300 && hook.received.length === 0; i++) await sleep(100);
      assert.equal(hook.received.length, 1);
      const listed = await fetch(`${proc.url}/__admin/webhooks?integration_id=${integration_id}`, {
        headers: admin,
      });
      const { deliveries } = (await listed.json()) as {
        deliveries: { status: string; attempts: { outcome: string; status_code: number }[] }[];
      };
      assert.equal(deliveries[0]?.status, 'delivered');
      assert.deepEqual(
        deliveries[0]?.attempts.map((a) => [a.outcome, a.status_code]),
        [
          ['retry', 500],
          ['delivered', 200],
        ],
      );
    } finally {
      await stop(proc);
      hook.server.close();
    }
  });

  test('logs are human-readable lines under --dev, JSON without it', async () => {
    const dev = await serve(['--dev', '--database', database()], { LOG_LEVEL: 'info' });
    const plain = await serve(['--database', database()], { LOG_LEVEL: 'info' });
    try {
      for (const proc of [dev, plain]) await (await fetch(`${proc.url}/api/v2/integrations`)).text();
      // The access log's line leaves within the buffer's 200 ms flush.
      await sleep(1000);
      await stop(dev);
      await stop(plain);
      const devLine = dev
        .output()
        .split('\n')
        .find((line) => line.includes('INFO') && line.includes('request'));
      assert.ok(devLine, dev.output());
      assert.doesNotMatch(dev.output(), /"level":30/);
      const plainLine = plain
        .output()
        .split('\n')
        .find((line) => line.includes('"level":30'));
      assert.ok(plainLine, plain.output());
      assert.equal((JSON.parse(plainLine) as { status?: number; msg: string }).msg, 'request');
    } finally {
      if (dev.child.exitCode === null) await stop(dev);
      if (plain.child.exitCode === null) await stop(plain);
    }
  });

  test('the preset as configuration: defaults under ORDER_INBOX_DEV, each overridden on its own', () => {
    const dev = loadConfig({ ORDER_INBOX_DEV: 'on' });
    assert.equal(dev.rateLimit, false);
    assert.equal(dev.webhookRetryBaseMs, 1000);
    assert.equal(dev.webhookDelivery, 'capture');
    assert.equal(dev.logFormat, 'pretty');
    assert.equal(dev.adminTokenGenerated, true);
    const overridden = loadConfig({
      ORDER_INBOX_DEV: 'on',
      RATE_LIMIT: 'on',
      WEBHOOK_RETRY_BASE_MS: '5000',
      LOG_FORMAT: 'json',
    });
    assert.equal(overridden.rateLimit, true);
    assert.equal(overridden.webhookRetryBaseMs, 5000);
    assert.equal(overridden.logFormat, 'json');
    const plain = loadConfig({});
    assert.equal(plain.rateLimit, true);
    assert.equal(plain.webhookRetryBaseMs, 300_000);
    assert.equal(plain.logFormat, 'json');
    assert.deepEqual(plain.logDestination, { kind: 'stdout' });
    assert.deepEqual(loadConfig({ LOG_DESTINATION: 'stderr' }).logDestination, { kind: 'stderr' });
    assert.deepEqual(loadConfig({ LOG_DESTINATION: './stdout' }).logDestination, {
      kind: 'file',
      path: './stdout',
    });
  });
});

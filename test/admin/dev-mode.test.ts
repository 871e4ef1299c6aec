/**
 * `serve --dev`: the admin API on with a token the server makes and prints (the one place it is
 * shown), webhooks captured by default, and a warning when the address is not a loopback one. The
 * built command line runs as a child process, as a user runs it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '../helpers/cli.js';
import type { ServeProcess } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'order-inbox-dev-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function stop(proc: ServeProcess): Promise<void> {
  proc.child.kill('SIGTERM');
  await proc.exited;
}

/** The `export …` line dev mode prints for the admin API, as a map of its variables. */
function adminExports(output: string): Record<string, string> {
  const line = output.split('\n').find((l) => l.includes('ORDER_INBOX_ADMIN_TOKEN='));
  assert.ok(line, output);
  return Object.fromEntries(
    [...line.matchAll(/(ORDER_INBOX_ADMIN_\w+)=(\S+)/g)].map((m) => [
      m[1],
      (m[2] ?? '').replace(/^'|'$/g, ''),
    ]),
  );
}

describe('serve --dev', () => {
  test('turns the admin API on with a printed, generated token; webhooks are captured', async () => {
    const proc = await serve(['--dev', '--database', join(dir, 'dev.db')]);
    try {
      const output = proc.output();
      const vars = adminExports(output);
      const token = vars.ORDER_INBOX_ADMIN_TOKEN ?? '';
      assert.ok(token.length >= 32, output);
      assert.equal(vars.ORDER_INBOX_ADMIN_URL, `${proc.url}/__admin`);
      assert.match(output, /webhooks: captured, never sent/);
      assert.doesNotMatch(output, /warning: --dev/);

      const accounts = await fetch(`${proc.url}/__admin/accounts`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(accounts.status, 200);
      const body = (await accounts.json()) as { accounts: { account_id: number }[] };
      assert.equal(body.accounts.length, 1, 'the first start made one account');
      const refused = await fetch(`${proc.url}/__admin/accounts`, {
        headers: { authorization: 'Bearer wrong' },
      });
      assert.equal(refused.status, 401);
    } finally {
      await stop(proc);
    }
  });

  test('a given token wins and is never printed; WEBHOOK_DELIVERY=send wins over the default', async () => {
    const given = 'a-given-admin-token-0123456789';
    const proc = await serve(['--dev', '--database', join(dir, 'given.db')], {
      ADMIN_TOKEN: given,
      WEBHOOK_DELIVERY: 'send',
    });
    try {
      const output = proc.output();
      assert.doesNotMatch(output, new RegExp(given));
      assert.doesNotMatch(output, /ORDER_INBOX_ADMIN_TOKEN=/);
      assert.doesNotMatch(output, /webhooks: captured/);
      const accounts = await fetch(`${proc.url}/__admin/accounts`, {
        headers: { authorization: `Bearer ${given}` },
      });
      assert.equal(accounts.status, 200);
    } finally {
      await stop(proc);
    }
  });

  test('off a loopback address it warns', async () => {
    const proc = await serve(['--dev', '--host', '0.0.0.0', '--database', join(dir, 'wide.db')]);
    try {
      // The warning leaves on standard error, which may arrive after the listening line.
      for (let i = 0; i < 100 && !proc.output().includes('warning: --dev'); i++) await sleep(50);
      assert.match(
        proc.output(),
        /order-inbox: warning: --dev on 0\.0\.0\.0, which is not a loopback address: the admin API, which can read and wipe every account, is reachable from other machines/,
      );
    } finally {
      await stop(proc);
    }
  });

  test('without --dev the admin API stays off', async () => {
    const proc = await serve(['--database', join(dir, 'plain.db')]);
    try {
      assert.doesNotMatch(proc.output(), /admin API/);
      const answer = await fetch(`${proc.url}/__admin/accounts`);
      assert.equal(answer.status, 404);
      await answer.arrayBuffer();
    } finally {
      await stop(proc);
    }
  });
});

/**
 * `order-inbox exec -- <command>`: the built command line runs a real command (a `node -e` script)
 * against the server it starts, as a CI step does. What the command sees is what it prints.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'order-inbox-exec-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let made = 0;
/** A folder of its own: the TMPDIR exec's temporary database goes into, so the test can see it. */
const freshDir = (): string => mkdtempSync(join(root, `t${made++}-`));

interface Run {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
}

function exec(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [CLI, 'exec', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { pid: child.pid as number, exited, stdout: () => stdout, stderr: () => stderr };
}

/** A script for `node -e`: reads the exported settings and calls both APIs with them. */
const probe = `
const env = process.env;
const basic = 'Basic ' + Buffer.from(env.SENDCLOUD_PUBLIC_KEY + ':' + env.SENDCLOUD_SECRET_KEY).toString('base64');
(async () => {
  const integration = await fetch(env.SENDCLOUD_BASE_URL + '/integrations/' + env.SENDCLOUD_INTEGRATION_ID, { headers: { authorization: basic } });
  const accounts = await fetch(env.ORDER_INBOX_ADMIN_URL + '/accounts', { headers: { authorization: 'Bearer ' + env.ORDER_INBOX_ADMIN_TOKEN } });
  const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
  const tmp = fs.readdirSync(os.tmpdir()).map((d) => [d, fs.readdirSync(path.join(os.tmpdir(), d))]);
  const names = Object.keys(env).filter((k) => /^(SENDCLOUD_|ORDER_INBOX_)/.test(k)).sort();
  console.log(JSON.stringify({
    env: Object.fromEntries(names.map((k) => [k, env[k]])),
    passed_through: env.SHOP_SETTING,
    integration: { status: integration.status, body: await integration.json() },
    accounts: { status: accounts.status, body: await accounts.json() },
    tmp,
  }));
  process.exit(Number(process.argv[1]));
})();
`;

/** A command that records its pid and the server's URL, then waits to be ended. */
const waiter = (file: string, onTerm = '') => `
const fs = require('node:fs');
${onTerm}
fs.writeFileSync(${JSON.stringify(file)}, JSON.stringify({ pid: process.pid, url: process.env.ORDER_INBOX_URL }));
setInterval(() => {}, 1000);
`;

async function waitForFile(file: string): Promise<{ pid: number; url: string }> {
  for (let i = 0; i < 400; i++) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (text !== '') return JSON.parse(text) as { pid: number; url: string };
    }
    await sleep(50);
  }
  throw new Error(`${file} never appeared`);
}

/** True when nothing listens at `url` any more. */
async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/api/v2/integrations`);
    return false;
  } catch {
    return true;
  }
}

describe('order-inbox exec', () => {
  test("passes the environment and the command's exit code through; its output is the command's alone", async () => {
    const tmp = freshDir();
    const run = exec(['--', 'node', '-e', probe, '7'], {
      TMPDIR: tmp,
      SHOP_SETTING: 'kept',
      // A CI job's own database and port are the shop's: exec does not take them.
      DATABASE_URL: 'postgres://shop@127.0.0.1:1/shop',
      PORT: '1',
    });
    const { code } = await run.exited;
    assert.equal(code, 7, run.stderr());
    assert.equal(run.stderr(), '', 'nothing of the server on standard error');
    const seen = JSON.parse(run.stdout()) as {
      env: Record<string, string>;
      passed_through: string;
      integration: { status: number; body: { id: number; system: string } };
      accounts: { status: number; body: { accounts: { account_id: number }[] } };
      tmp: [string, string[]][];
    };
    const { env } = seen;
    assert.deepEqual(Object.keys(env), [
      'ORDER_INBOX_ACCOUNT_ID',
      'ORDER_INBOX_ADMIN_TOKEN',
      'ORDER_INBOX_ADMIN_URL',
      'ORDER_INBOX_URL',
      'ORDER_INBOX_WEBHOOK_SIGNATURE_KEY',
      'SENDCLOUD_BASE_URL',
      'SENDCLOUD_INTEGRATION_ID',
      'SENDCLOUD_PUBLIC_KEY',
      'SENDCLOUD_SECRET_KEY',
      'SENDCLOUD_V3_BASE_URL',
    ]);
    assert.match(env.ORDER_INBOX_URL as string, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(env.SENDCLOUD_BASE_URL, `${env.ORDER_INBOX_URL}/api/v2`);
    assert.equal(env.SENDCLOUD_V3_BASE_URL, `${env.ORDER_INBOX_URL}/api/v3`);
    assert.equal(env.ORDER_INBOX_ADMIN_URL, `${env.ORDER_INBOX_URL}/__admin`);
    assert.ok((env.ORDER_INBOX_ADMIN_TOKEN as string).length >= 32);
    assert.equal(seen.passed_through, 'kept');
    assert.equal(seen.integration.status, 200);
    assert.equal(seen.integration.body.id, Number(env.SENDCLOUD_INTEGRATION_ID));
    assert.equal(seen.integration.body.system, 'api');
    assert.equal(seen.accounts.status, 200);
    assert.deepEqual(
      seen.accounts.body.accounts.map((a) => a.account_id),
      [Number(env.ORDER_INBOX_ACCOUNT_ID)],
      'one tenant, in a database of its own',
    );
    // While the command ran, the database was a fresh SQLite file in a folder of its own…
    assert.equal(seen.tmp.length, 1);
    assert.match(seen.tmp[0]?.[0] as string, /^order-inbox-exec-/);
    assert.ok(seen.tmp[0]?.[1].includes('order-inbox.db'));
    // …removed once it had ended, and nothing listens any more.
    assert.deepEqual(readdirSync(tmp), []);
    assert.ok(await refused(env.ORDER_INBOX_URL as string));
  });

  test('a command that fails still has its temporary database removed', async () => {
    const tmp = freshDir();
    const run = exec(['--', 'node', '-e', 'process.exit(1)'], { TMPDIR: tmp });
    assert.equal((await run.exited).code, 1);
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('a command killed by a signal: exit 128 + its number, the server stopped, the database removed', async () => {
    const tmp = freshDir();
    const file = join(root, `killed-${made}.json`);
    const run = exec(['--', 'node', '-e', waiter(file)], { TMPDIR: tmp });
    const { pid, url } = await waitForFile(file);
    assert.equal(await refused(url), false, 'the server answers while the command runs');
    process.kill(pid, 'SIGKILL');
    const { code } = await run.exited;
    assert.equal(code, 128 + 9);
    assert.ok(await refused(url));
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('SIGTERM to exec is passed on; the server serves until the command has exited', async () => {
    const tmp = freshDir();
    const file = join(root, `term-${made}.json`);
    const seenFile = join(root, `term-seen-${made}.json`);
    // On SIGTERM the command calls the server once more, records the answer and exits 5.
    const onTerm = `process.on('SIGTERM', async () => {
      const r = await fetch(process.env.SENDCLOUD_BASE_URL + '/integrations');
      fs.writeFileSync(${JSON.stringify(seenFile)}, JSON.stringify({ status: r.status }));
      process.exit(5);
    });`;
    const run = exec(['--', 'node', '-e', waiter(file, onTerm)], { TMPDIR: tmp });
    const { url } = await waitForFile(file);
    process.kill(run.pid, 'SIGTERM');
    const { code, signal } = await run.exited;
    assert.equal(signal, null, 'exec was not killed by the signal: it waited for the command');
    assert.equal(code, 5, "the command's own exit code");
    assert.deepEqual(JSON.parse(readFileSync(seenFile, 'utf8')), { status: 401 });
    assert.ok(await refused(url));
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('SIGINT to exec, a command that dies of it: 130', async () => {
    const tmp = freshDir();
    const file = join(root, `int-${made}.json`);
    const run = exec(['--', 'node', '-e', waiter(file)], { TMPDIR: tmp });
    const { url } = await waitForFile(file);
    process.kill(run.pid, 'SIGINT');
    assert.equal((await run.exited).code, 128 + 2);
    assert.ok(await refused(url));
    assert.deepEqual(readdirSync(tmp), []);
  });

  test("--server-output shows the server's banner and log on standard error", async () => {
    const run = exec(['--server-output', '--', 'node', '-e', 'console.log("from the command")'], {
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
    assert.equal((await run.exited).code, 0);
    assert.equal(run.stdout(), 'from the command\n');
    const stderr = run.stderr();
    assert.match(
      stderr,
      /order-inbox exec: order-inbox \S+ on SQLite database \S+order-inbox\.db, listening on http:\/\/127\.0\.0\.1:\d+\n/,
    );
    assert.match(stderr, /order-inbox exec: tenant: account 1, integration 1\n/);
    assert.match(stderr, /order-inbox exec: node exited with 0; server stopped\n/);
    // The access log line of the tenant exec made, as JSON.
    const logLine = stderr.split('\n').find((line) => line.includes('"admin_createTenant"'));
    assert.ok(logLine, stderr);
    assert.equal((JSON.parse(logLine) as { status: number }).status, 201);
  });

  test('--server-log appends the log to a file; the terminal stays the command’s', async () => {
    const log = join(freshDir(), 'server.log');
    const run = exec(['--server-log', log, '--', 'node', '-e', ''], { LOG_LEVEL: 'info' });
    assert.equal((await run.exited).code, 0);
    assert.equal(run.stdout() + run.stderr(), '');
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.ok(
      lines.some((line) => line.includes('"admin_createTenant"')),
      lines.join('\n'),
    );
  });

  test('a command that does not exist: 127; a server that cannot start: 125, the command not run', async () => {
    const tmp = freshDir();
    const missing = exec(['--', 'order-inbox-no-such-command'], { TMPDIR: tmp });
    assert.equal((await missing.exited).code, 127);
    assert.match(missing.stderr(), /order-inbox exec: cannot run order-inbox-no-such-command: /);
    assert.deepEqual(readdirSync(tmp), []);

    const marker = join(root, 'never-run');
    const bad = exec([
      '--database',
      'mysql://x/y',
      '--',
      'node',
      '-e',
      `require('fs').writeFileSync('${marker}', '')`,
    ]);
    assert.equal((await bad.exited).code, 125);
    assert.match(
      bad.stderr(),
      /order-inbox exec: invalid configuration: --database has an unknown scheme "mysql:"/,
    );
    assert.equal(existsSync(marker), false);
  });

  test('--database keeps the database: a second run sees the first run’s tenant', async () => {
    const database = join(freshDir(), 'kept.db');
    const count = `fetch(process.env.ORDER_INBOX_ADMIN_URL + '/accounts', { headers: { authorization: 'Bearer ' + process.env.ORDER_INBOX_ADMIN_TOKEN } }).then((r) => r.json()).then((b) => console.log(b.accounts.length))`;
    const first = exec(['--database', database, '--', 'node', '-e', count]);
    assert.equal((await first.exited).code, 0, first.stderr());
    assert.equal(first.stdout(), '1\n');
    assert.ok(existsSync(database));
    const second = exec(['--database', database, '--', 'node', '-e', count]);
    assert.equal((await second.exited).code, 0, second.stderr());
    assert.equal(second.stdout(), '2\n', 'each run makes its own tenant');
  });
});

/**
 * `serve --ready-json` and `serve --port-file`: what a tool that starts the server itself reads to
 * know it is ready and where. The built command line runs as a child process.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { CLI } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'order-inbox-ready-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ready {
  ready: true;
  version: string;
  pid: number;
  url: string;
  port: number;
  api_v2_url: string;
  ops_url: string | null;
  admin_url: string | null;
  admin_token: string | null;
  database: string;
  tenant: { account_id: number; public_key: string; secret_key: string; integration_id: number } | null;
}

interface Started {
  ready: Ready;
  line: string;
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `serve --port 0 --ready-json …`, resolved with the first line of its stdout, parsed. */
async function startReady(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--ready-json', ...args], {
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    child.once('exit', () => reject(new Error(`serve exited:\n${stderr}`)));
  });
  return {
    ready: JSON.parse(line) as Ready,
    line,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  };
}

describe('serve --ready-json and --port-file', () => {
  test('one JSON line on stdout, the banner and logs on stderr; the port file holds the port until exit', async () => {
    const portFile = join(dir, 'sub.port');
    const database = join(dir, 'ready.db');
    const { ready, line, child, stdout, stderr, exited } = await startReady(
      ['--port-file', portFile, '--database', database],
      { LOG_LEVEL: 'info' },
    );
    assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(ready.port, Number(new URL(ready.url).port));
    assert.equal(ready.pid, child.pid);
    assert.equal(ready.api_v2_url, `${ready.url}/api/v2`);
    assert.equal(ready.database, 'sqlite');
    assert.equal(ready.ops_url, null);
    assert.equal(ready.admin_url, null, 'no admin token, no admin API');
    assert.equal(ready.admin_token, null);
    assert.ok(ready.tenant, 'a first start reports the tenant it made');
    assert.equal(readFileSync(portFile, 'utf8'), `${ready.port}\n`);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.includes('port')),
      ['sub.port'],
      'written by a rename: no temporary file left',
    );

    // The credentials in the line work; the access log of the call goes to stderr, not stdout.
    const basic = Buffer.from(`${ready.tenant.public_key}:${ready.tenant.secret_key}`).toString('base64');
    const answer = await fetch(`${ready.api_v2_url}/integrations/${ready.tenant.integration_id}`, {
      headers: { authorization: `Basic ${basic}` },
    });
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as { id: number }).id, ready.tenant.integration_id);

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(existsSync(portFile), false, 'removed on exit');
    assert.equal(stdout(), `${line}\n`, 'the ready line is all there is on stdout');
    assert.match(stderr(), /listening on http:\/\/127\.0\.0\.1:\d+\n/, 'the banner, on stderr');
    assert.match(stderr(), /secret key {6}\S+/, "the first start's credentials, on stderr");
    assert.match(stderr(), /"status":200/, 'the access log, on stderr');
  });

  test('with --dev: the admin URL and the generated token; a later start reports no tenant', async () => {
    const database = join(dir, 'dev.db');
    const first = await startReady(['--dev', '--database', database], { LOG_FORMAT: 'json' });
    let ready = first.ready;
    assert.equal(ready.admin_url, `${ready.url}/__admin`);
    assert.ok(ready.admin_token !== null && ready.admin_token.length >= 32);
    const accounts = await fetch(`${ready.admin_url}/accounts`, {
      headers: { authorization: `Bearer ${ready.admin_token}` },
    });
    assert.equal(accounts.status, 200);
    assert.equal(((await accounts.json()) as { accounts: unknown[] }).accounts.length, 1);
    first.child.kill('SIGTERM');
    await first.exited;

    const given = 'a-given-admin-token-0123456789';
    const second = await startReady(['--dev', '--database', database], {
      ADMIN_TOKEN: given,
      LOG_FORMAT: 'json',
    });
    ready = second.ready;
    assert.equal(ready.tenant, null);
    assert.equal(ready.admin_url, `${ready.url}/__admin`);
    assert.equal(ready.admin_token, null, 'a given token is never printed');
    second.child.kill('SIGTERM');
    await second.exited;
    assert.doesNotMatch(second.stdout() + second.stderr(), new RegExp(given));
  });
});

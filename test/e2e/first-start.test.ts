import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, serve } from '../helpers/cli.js';
import { sendcloudClient } from '../helpers/typed-client.js';

const takePort = (): Promise<Server> =>
  new Promise((resolve) => {
    const holder = createServer();
    holder.listen(0, '127.0.0.1', () => resolve(holder));
  });
const portOf = (server: Server): number => (server.address() as { port: number }).port;

describe('first start and start-up errors of the built command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'order-inbox-first-start-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a port in use: one line naming it, exit 1, no account made; then a free port prints the secret that works', async () => {
    const database = join(dir, 'first.db');
    const holder = await takePort();
    const port = portOf(holder);
    let refused;
    try {
      refused = await runCli(['serve', '--port', String(port), '--database', database], {
        LOG_LEVEL: 'info',
      });
    } finally {
      holder.close();
    }
    assert.equal(refused.status, 1);
    assert.equal(
      refused.stderr,
      `order-inbox: cannot listen on 127.0.0.1:${port}: the port is already in use (--port chooses another)\n`,
    );
    assert.doesNotMatch(refused.stdout, /secret|listening/);
    // Nothing was created: the next start is still the first one.
    const listed = await runCli(['credentials', 'list', '--json', '--database', database]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(listed.stdout, '');

    const started = await serve(['--database', database], { LOG_LEVEL: 'info' });
    try {
      const out = started.output();
      const exported =
        /^ {2}export ORDER_INBOX_URL=(http:\/\/127\.0\.0\.1:\d+) PUBLIC=([0-9a-f]{32}) SECRET=([A-Za-z0-9_-]{43}) INTEGRATION_ID=(\d+)$/m.exec(
          out,
        );
      assert.ok(exported, out);
      const [, url, publicKey, secret, integrationId] = exported as unknown as string[];
      assert.equal(url, started.url);
      assert.match(out, new RegExp(`^ {2}secret key {6}${secret}$`, 'm'));
      assert.match(out, new RegExp(`^documentation: ${started.url}/api/v2/docs$`, 'm'));
      assert.match(out, new RegExp(`^listening on ${started.url}$`, 'm'));
      const sendcloud = sendcloudClient(url as string, {
        publicKey: publicKey as string,
        secretKey: secret as string,
      });
      const answer = await sendcloud.GET('/integrations/{id}/shipments', {
        params: { path: { id: Number(integrationId) } },
      });
      assert.equal(answer.response.status, 200);
      assert.deepEqual(answer.data, { next: null, previous: null, results: [] });
    } finally {
      started.child.kill('SIGTERM');
      assert.equal(await started.exited, 0);
    }
    // One "listening" line: Fastify's own log line of the same event is left out. Read once the
    // process has ended, so that every buffered log line is in the output.
    const all = started.output();
    assert.equal(all.match(/listening/gi)?.length, 1, all);
    assert.match(all, /"msg":"request"/, 'the log lines are in the output');
  });

  const failures: {
    name: string;
    args: string[];
    env?: Record<string, string>;
    status: number;
    line: string;
  }[] = [
    {
      name: 'an unknown DATABASE_URL scheme lists the accepted forms',
      args: [],
      env: { DATABASE_URL: 'mysql://root:hunter2@localhost/shop' },
      status: 2,
      line: 'invalid configuration: DATABASE_URL has an unknown scheme "mysql:" (got "mysql://root@localhost/shop"); use an SQLite file path, sqlite://PATH, file:PATH, postgres://… or postgresql://…',
    },
    {
      name: 'a refused PostgreSQL connection names the database without its password',
      args: ['--database', 'postgres://inbox:hunter2@127.0.0.1:1/inbox'],
      status: 1,
      line: 'cannot open the PostgreSQL database postgres://inbox@127.0.0.1:1/inbox (--database): connect ECONNREFUSED 127.0.0.1:1',
    },
    {
      name: 'an SQLite path that cannot be opened names it',
      args: [],
      env: { DATABASE_URL: 'DIR/a-directory.db' },
      status: 1,
      line: 'cannot write the SQLite database DIR/a-directory.db (DATABASE_URL): unable to open database file (SQLITE_CANTOPEN)',
    },
    {
      name: '--port abc is reported as the flag',
      args: ['--port', 'abc'],
      status: 2,
      line: 'invalid configuration: --port must be a whole number from 0 to 65535 (got "abc")',
    },
    {
      name: 'PORT=abc is reported as the variable',
      args: [],
      env: { PORT: 'abc' },
      status: 2,
      line: 'invalid configuration: PORT must be a whole number from 0 to 65535 (got "abc")',
    },
  ];
  for (const failure of failures) {
    test(`${failure.name}: one line, no stack trace, exit ${failure.status}`, async () => {
      const directory = join(dir, 'a-directory.db');
      mkdirSync(directory, { recursive: true });
      const env = Object.fromEntries(
        Object.entries({ DATABASE_URL: join(dir, 'unused.db'), ...failure.env }).map(([k, v]) => [
          k,
          v.replace('DIR', dir),
        ]),
      );
      const result = await runCli(['serve', ...failure.args], env);
      assert.equal(result.stderr, `order-inbox: ${failure.line.replace('DIR', dir)}\n`);
      assert.equal(result.status, failure.status);
      assert.equal(result.stdout, '');
    });
  }
});

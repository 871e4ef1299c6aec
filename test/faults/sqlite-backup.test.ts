/**
 * `order-inbox backup FILE` while the server runs and writers keep writing: the copy opens, passes
 * `PRAGMA integrity_check`, and holds every write acknowledged before the backup started; a server
 * starts on it. On PostgreSQL the command says to use pg_dump.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, runCli, serve } from '../helpers/cli.js';
import { basicHeader, minimalOrder } from '../helpers/server.js';
import { inspect } from './sqlite-kit.js';

const run = promisify(execFile);

describe('order-inbox backup', () => {
  test('a consistent copy while writers run: integrity ok, every write acknowledged before it began', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-inbox-backup-'));
    const database = join(dir, 'live.db');
    const copy = join(dir, 'copies', 'copy.db');
    try {
      const boot = await runCli(['bootstrap', '--json', '--database', database]);
      assert.equal(boot.status, 0, boot.stderr);
      const tenant = JSON.parse(boot.stdout) as Record<string, string | number>;
      const auth = basicHeader(String(tenant.public_key), String(tenant.secret_key));
      const server = await serve(['--database', database]);
      try {
        const url = `${server.url}/api/v2/integrations/${tenant.integration_id}/shipments`;
        const acknowledged: string[] = [];
        let writing = true;
        let serial = 0;
        const writers = Array.from({ length: 4 }, async () => {
          while (writing) {
            const ids = Array.from({ length: 10 }, () => `b-${++serial}`);
            const response = await fetch(url, {
              method: 'POST',
              headers: { authorization: auth, 'content-type': 'application/json' },
              body: JSON.stringify(
                ids.map((id) => minimalOrder({ external_order_id: id, order_number: id })),
              ),
            });
            assert.equal(response.status, 200);
            await response.arrayBuffer();
            acknowledged.push(...ids);
          }
        });
        while (acknowledged.length < 500) await new Promise((r) => setTimeout(r, 20));

        const before = [...acknowledged];
        mkdirSync(join(dir, 'copies'));
        const backup = await run(process.execPath, [CLI, 'backup', copy, '--database', database]);
        const during = acknowledged.length;
        writing = false;
        await Promise.all(writers);
        assert.match(backup.stdout, new RegExp(`^backed up ${database} to ${copy} \\(\\d+ pages\\)\\n$`));
        assert.equal(backup.stderr, '');
        assert.ok(during > before.length, 'the writers went on while the backup ran');
        assert.deepEqual(readdirSync(join(dir, 'copies')), ['copy.db'], 'one file, no temporary file left');

        const state = inspect(copy, before);
        assert.equal(state.integrity, 'ok');
        assert.equal(state.present.size, before.length, 'every write acknowledged before the backup');

        // Restoring is starting on the copy.
        const restored = await serve(['--database', copy]);
        try {
          const list = await fetch(`${restored.url}/api/v2/integrations/${tenant.integration_id}`, {
            headers: { authorization: auth },
          });
          assert.equal(list.status, 200);
          assert.equal(((await list.json()) as { id: number }).id, tenant.integration_id);
        } finally {
          restored.child.kill('SIGTERM');
          assert.equal(await restored.exited, 0);
        }
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('on PostgreSQL it names pg_dump, in one line, with a non-zero exit', async () => {
    const result = await runCli([
      'backup',
      join(tmpdir(), 'never.db'),
      '--database',
      'postgres://nobody@127.0.0.1:1/none',
    ]);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      'order-inbox: backup copies an SQLite database; on PostgreSQL use pg_dump (README: Backups)\n',
    );
  });
});

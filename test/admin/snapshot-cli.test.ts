/**
 * Snapshots from the built command line: `serve --export-on-exit` writes a whole, valid file on SIGTERM
 * (atomically: no temporary file left), `serve --import` starts from it, a bad file stops the start
 * naming the JSON pointer, and `admin snapshot export/import` work over HTTP and on the database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { serve } from '../helpers/cli.js';
import { call, minimalOrder } from '../helpers/server.js';
import { ADMIN_TOKEN, admin, createTenant, runCliAsync } from './helpers.js';

describe('snapshots from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'order-inbox-snapshot-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--export-on-exit on SIGTERM, --import at start, a refused file, admin snapshot export/import', async () => {
    const snapshot = join(dir, 'state.json');
    const first = await serve([
      '--database',
      join(dir, 'first.db'),
      '--admin-token',
      ADMIN_TOKEN,
      '--export-on-exit',
      snapshot,
    ]);
    const t = await createTenant(first.url);
    const pushed = await call(`${first.url}/api/v2/integrations/${t.integrationId}/shipments`, {
      auth: t.basic,
      body: [minimalOrder({ external_order_id: 'X1' }), minimalOrder({ external_order_id: 'X2' })],
    });
    assert.equal(pushed.status, 200, pushed.text);
    const listedBefore = await call(`${first.url}/api/v2/integrations/${t.integrationId}/shipments`, {
      auth: t.basic,
    });
    const exported = await admin(first.url, '/snapshot');
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());
    assert.match(first.output(), new RegExp(`snapshot written to ${snapshot}`));

    // The whole state as of the stop, owner-only, and nothing half-written beside it.
    const text = readFileSync(snapshot, 'utf8');
    assert.equal(text, exported.text);
    assert.ok(!text.includes(t.secretKey));
    assert.equal(statSync(snapshot).mode & 0o777, 0o600);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.endsWith('.tmp')),
      [],
    );
    const doc = JSON.parse(text);
    assert.deepEqual(
      doc.accounts.map((account: { id: number }) => account.id),
      [1, t.accountId],
    );

    // A fresh database started from the file serves the same answers to the same key pair.
    const second = await serve([
      '--database',
      join(dir, 'second.db'),
      '--admin-token',
      ADMIN_TOKEN,
      '--import',
      snapshot,
      '--port',
      new URL(first.url).port,
    ]);
    try {
      assert.doesNotMatch(second.output(), /First start/);
      const listed = await call(`${second.url}/api/v2/integrations/${t.integrationId}/shipments`, {
        auth: t.basic,
      });
      assert.equal(listed.text, listedBefore.text);

      // The twins over HTTP: the printed document and the --out file are the export's bytes.
      const target = ['--url', second.url, '--token', ADMIN_TOKEN];
      const printed = await runCliAsync(['admin', 'snapshot', 'export', ...target]);
      assert.equal(printed.status, 0, printed.stderr);
      assert.equal(printed.stdout, text);
      const out = join(dir, 'account.json');
      const written = await runCliAsync([
        'admin',
        'snapshot',
        'export',
        ...target,
        '--account',
        String(t.accountId),
        '--out',
        out,
      ]);
      assert.equal(written.status, 0, written.stderr);
      assert.equal(
        readFileSync(out, 'utf8'),
        (await admin(second.url, `/snapshot?account_id=${t.accountId}`)).text,
      );
      const imported = await runCliAsync(['admin', 'snapshot', 'import', out, ...target]);
      assert.equal(imported.status, 0, imported.stderr);
      assert.equal(JSON.parse(imported.stdout).imported.shipments, 2);

      const bad = join(dir, 'bad.json');
      const broken = structuredClone(doc);
      broken.accounts[1].integrations[0].webhook_url = 'nowhere';
      writeFileSync(bad, JSON.stringify(broken));
      const refused = await runCliAsync(['admin', 'snapshot', 'import', bad, ...target]);
      assert.equal(refused.status, 1);
      assert.match(
        refused.stderr,
        /400 invalid_request: body\/accounts\/1\/integrations\/0\/webhook_url must be a valid URL\./,
      );
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0, second.output());
    }

    // On the database directly, no server: import into a new file, export it back.
    const third = join(dir, 'third.db');
    const direct = await runCliAsync(['admin', 'snapshot', 'import', snapshot, '--database', third]);
    assert.equal(direct.status, 0, direct.stderr);
    assert.equal(JSON.parse(direct.stdout).imported.accounts, 2);
    const back = await runCliAsync(['admin', 'snapshot', 'export', '--database', third]);
    assert.equal(back.status, 0, back.stderr);
    assert.deepEqual({ ...JSON.parse(back.stdout), accounts: [] }, { ...doc, accounts: [] });
    assert.deepEqual(
      JSON.parse(back.stdout).accounts.map((a: { credentials: unknown }) => a.credentials),
      doc.accounts.map((a: { credentials: unknown }) => a.credentials),
    );

    // A file that does not pass stops the start with one line naming the file and the pointer.
    const bad = join(dir, 'bad-start.json');
    writeFileSync(bad, JSON.stringify({ ...doc, accounts: [{ ...doc.accounts[0], partner: 'yes' }] }));
    const stopped = await runCliAsync([
      'serve',
      '--port',
      '0',
      '--database',
      join(dir, 'fourth.db'),
      '--import',
      bad,
    ]);
    assert.equal(stopped.status, 1);
    assert.match(stopped.stderr, new RegExp(`--import: ${bad}/accounts/0/partner must be boolean\\.`));
  });
});

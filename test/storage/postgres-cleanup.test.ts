/**
 * Interrupted test runs leave their databases behind; the next run drops those, and only those: old
 * enough not to belong to a suite running beside it, and with nobody connected.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  createThrowawayDatabase,
  dropAbandonedDatabases,
  postgresSkipMessage,
  testPostgresUrl,
} from '../helpers/postgres.js';

const HOUR = 3600;
const probe = await createThrowawayDatabase();

function timedName(secondsAgo: number): string {
  return `oi_test_${Math.floor(Date.now() / 1000) - secondsAgo}_${randomBytes(4).toString('hex')}`;
}

if (probe === null) {
  test('dropping the databases of interrupted test runs', { skip: postgresSkipMessage() }, () => undefined);
} else {
  describe('dropping the databases of interrupted test runs', () => {
    const admin = new pg.Client({ connectionString: testPostgresUrl() });
    let holder: pg.Client;
    const names = {
      oldTimed: timedName(2 * HOUR),
      youngTimed: timedName(60),
      oldConnected: timedName(2 * HOUR),
      legacy: `oi_test_${randomBytes(6).toString('hex')}`,
      other: `oi_test_other_${randomBytes(6).toString('hex')}`,
    };
    const mine = new Set<string>(Object.values(names));
    const only = (name: string): boolean => mine.has(name);

    async function existing(): Promise<string[]> {
      const { rows } = await admin.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname',
        [[...mine]],
      );
      return rows.map((row) => row.datname);
    }

    before(async () => {
      await admin.connect();
      for (const name of mine) await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(testPostgresUrl());
      url.pathname = `/${names.oldConnected}`;
      holder = new pg.Client({ connectionString: url.toString() });
      await holder.connect();
    });
    after(async () => {
      await holder.end();
      for (const name of mine) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      await probe.drop();
    });

    test('new databases carry their creation time in their name', () => {
      const name = new URL(probe.url).pathname.slice(1);
      assert.match(name, /^oi_test_\d{10}_[0-9a-f]{8}$/);
      const created = Number(name.split('_')[2]);
      assert.ok(Math.abs(Date.now() / 1000 - created) < HOUR, `${name} was made just now`);
    });

    test('an hour-old database nobody is connected to is dropped; a young one and a connected one stay', async () => {
      assert.deepEqual(await dropAbandonedDatabases(testPostgresUrl(), { only }), [names.oldTimed]);
      assert.deepEqual(
        await existing(),
        [names.legacy, names.oldConnected, names.other, names.youngTimed].sort(),
      );
    });

    test("an old-style name is aged by its database's directory; names of other shapes are never touched", async () => {
      // Two hours on, the legacy database and the young one are old; the connected one still stays.
      const later = Date.now() + 2 * HOUR * 1000;
      const dropped = await dropAbandonedDatabases(testPostgresUrl(), { only, now: later });
      assert.deepEqual(dropped.sort(), [names.legacy, names.youngTimed].sort());
      assert.deepEqual(await existing(), [names.oldConnected, names.other].sort());
    });
  });
}

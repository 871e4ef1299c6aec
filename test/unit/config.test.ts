import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, describeDatabase, loadConfig, parseDatabase } from '../../src/config.js';

describe('DATABASE_URL and the names in configuration errors', () => {
  test('SQLite paths of every form, and PostgreSQL URLs, are taken', () => {
    const cases: [string, ReturnType<typeof parseDatabase>][] = [
      ['./data/order-inbox.db', { kind: 'sqlite', path: './data/order-inbox.db' }],
      ['data/x.db', { kind: 'sqlite', path: 'data/x.db' }],
      ['/var/lib/order-inbox/x.db', { kind: 'sqlite', path: '/var/lib/order-inbox/x.db' }],
      [':memory:', { kind: 'sqlite', path: ':memory:' }],
      ['C:\\data\\x.db', { kind: 'sqlite', path: 'C:\\data\\x.db' }],
      ['D:/data/x.db', { kind: 'sqlite', path: 'D:/data/x.db' }],
      ['sqlite://./x.db', { kind: 'sqlite', path: './x.db' }],
      ['file:x.db', { kind: 'sqlite', path: 'x.db' }],
      ['postgres://inbox@db/inbox', { kind: 'postgres', url: 'postgres://inbox@db/inbox' }],
      ['postgresql://inbox@db/inbox', { kind: 'postgres', url: 'postgresql://inbox@db/inbox' }],
    ];
    for (const [value, expected] of cases) assert.deepEqual(parseDatabase(value), expected, value);
  });

  test('another scheme is refused, naming the setting, without the password, listing the accepted forms', () => {
    for (const [env, overrides, line] of [
      [
        { DATABASE_URL: 'mysql://root:hunter2@db/shop' },
        {},
        'invalid configuration: DATABASE_URL has an unknown scheme "mysql:" (got "mysql://root@db/shop"); use an SQLite file path, sqlite://PATH, file:PATH, postgres://… or postgresql://…',
      ],
      [
        {},
        { database: 'http://example.com/x.db' },
        'invalid configuration: --database has an unknown scheme "http:" (got "http://example.com/x.db"); use an SQLite file path, sqlite://PATH, file:PATH, postgres://… or postgresql://…',
      ],
    ] as const) {
      assert.throws(
        () => loadConfig(env, overrides),
        (error: unknown) => error instanceof ConfigError && error.message === line,
      );
    }
  });

  test('a flag is named as the flag, a variable as the variable, one line each', () => {
    assert.throws(
      () => loadConfig({ PAGE_SIZE: 'many', RATE_LIMIT: 'sometimes' }, { port: 'abc' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          [
            'invalid configuration: --port must be a whole number from 0 to 65535 (got "abc")',
            'invalid configuration: PAGE_SIZE must be a whole number from 1 to 1000 (got "many")',
            'invalid configuration: RATE_LIMIT must be on or off (got "sometimes")',
          ].join('\n'),
    );
    assert.throws(
      () => loadConfig({}, { rateLimit: 'sometimes' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === 'invalid configuration: --rate-limit must be on or off (got "sometimes")',
    );
  });

  test('a database is described without its password', () => {
    assert.equal(
      describeDatabase({ kind: 'postgres', url: 'postgres://inbox:hunter2@db:5432/inbox' }),
      'PostgreSQL database postgres://inbox@db:5432/inbox',
    );
    assert.equal(describeDatabase({ kind: 'sqlite', path: './x.db' }), 'SQLite database ./x.db');
  });
});

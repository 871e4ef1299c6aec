/**
 * The errors node-postgres raises when it cannot reach a server at all, each produced for real (no
 * PostgreSQL needed): every one must read as "database unavailable" (a 503), and `readiness()` must
 * say unready with that reason. A server that accepts the connection and then says nothing is bounded
 * by the statement timeout, so a request never hangs on it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

/** The store's reason for the error `ping()` fails with, and what `readiness()` answers. */
async function failure(url: string): Promise<{ reason: string | null; readiness: unknown }> {
  const store = new PostgresStore({ url, statementTimeoutMs: 300 });
  try {
    const error = await store.ping().then(
      () => null,
      (e: unknown) => e,
    );
    assert.notEqual(error, null, `ping() succeeded against ${url}`);
    return { reason: store.unavailableReason(error), readiness: await store.readiness() };
  } finally {
    await store.close();
  }
}

describe('PostgreSQL out of reach: each driver error reads as unavailable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'order-inbox-pg-unreachable-'));
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('nothing listens on the port: ECONNREFUSED', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const { reason, readiness } = await failure(`postgres://postgres@127.0.0.1:${port}/postgres`);
    assert.equal(reason, `PostgreSQL ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}`);
    assert.deepEqual(readiness, { ready: false, reason });
  });

  test('a socket folder with no server in it: ENOENT on connect', async () => {
    const { reason, readiness } = await failure(
      `postgres://postgres@/postgres?host=${encodeURIComponent(dir)}`,
    );
    assert.equal(reason, `PostgreSQL ENOENT: connect ENOENT ${dir}/.s.PGSQL.5432`);
    assert.deepEqual(readiness, { ready: false, reason });
  });

  test('a server that accepts and never answers: the connection times out', async () => {
    const port = await listen(silent);
    const { reason, readiness } = await failure(`postgres://postgres@127.0.0.1:${port}/postgres`);
    assert.equal(reason, 'PostgreSQL: Connection terminated due to connection timeout');
    assert.deepEqual(readiness, { ready: false, reason });
  });
});

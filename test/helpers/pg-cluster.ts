/**
 * A throwaway PostgreSQL cluster that one test owns, so that it may stop and start it: the shared
 * server at `TEST_POSTGRES_URL` is never stopped. Debian's `initdb`/`pg_ctl` from
 * `/usr/lib/postgresql/<version>/bin`, in a temporary folder, on a free port of its own, with its
 * socket in that folder (`-k`). They refuse to run as root, so as root they run as the `postgres` user
 * through `runuser`, in a folder that user owns. `destroy()` stops it and removes the folder; a process
 * that exits without calling it still stops the cluster on its way out.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_ROOT = '/usr/lib/postgresql';
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'];

interface Tools {
  bin: string;
  /** The command prefix that runs a binary as the cluster's owner (empty when not root). */
  asOwner: string[];
  /** uid and gid the folder must belong to (null when not root: the current user owns it). */
  owner: { uid: number; gid: number } | null;
}

/** The tools, or why this machine cannot make a cluster. */
function findTools(): Tools | string {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter(
          (v) =>
            existsSync(join(PG_ROOT, v, 'bin', 'initdb')) && existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')),
        )
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions[0];
  if (version === undefined)
    return `no PostgreSQL server binaries (initdb, pg_ctl) under ${PG_ROOT}/<version>/bin`;
  const bin = join(PG_ROOT, version, 'bin');
  if (process.getuid?.() !== 0) return { bin, asOwner: [], owner: null };
  const runuser = RUNUSER.find((path) => existsSync(path));
  if (runuser === undefined) return 'runuser is missing (needed to run initdb/pg_ctl as the postgres user)';
  const id = (flag: string): number | null => {
    const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    return result.status === 0 ? Number(result.stdout.trim()) : null;
  };
  const uid = id('-u');
  const gid = id('-g');
  if (uid === null || gid === null) return 'there is no postgres user to run initdb/pg_ctl as';
  return { bin, asOwner: [runuser, '-u', 'postgres', '--'], owner: { uid, gid } };
}

/**
 * False when a cluster can be made here, else the reason a test prints when it skips. With `CI` set a
 * machine that cannot make one fails the run instead.
 */
export function pgClusterSkip(): string | false {
  const tools = findTools();
  if (typeof tools !== 'string') return false;
  const reason = `cannot make a throwaway PostgreSQL cluster: ${tools}; the PostgreSQL restart tests did not run`;
  if (process.env.CI) throw new Error(`${reason} (CI requires them)`);
  return reason;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PgCluster {
  /** Connection URL of the cluster's `postgres` database over TCP on 127.0.0.1. */
  url: string;
  port: number;
  /** Starts the server and waits until it accepts connections. */
  start(): void;
  /** A fast shutdown (sessions are ended, as on a restart) and waits until it is down. */
  stop(): void;
  /** Stops it if running and removes its folder; safe to call twice. */
  destroy(): void;
}

export async function createPgCluster(): Promise<PgCluster> {
  const tools = findTools();
  if (typeof tools === 'string') throw new Error(tools);
  const dir = mkdtempSync(join(tmpdir(), 'order-inbox-pgcluster-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  if (tools.owner !== null) chownSync(dir, tools.owner.uid, tools.owner.gid);
  const port = await freePort();

  const run = (binary: string, args: string[], timeoutMs = 60_000): void => {
    const argv = [...tools.asOwner, join(tools.bin, binary), ...args];
    const result = spawnSync(argv[0] as string, argv.slice(1), {
      encoding: 'utf8',
      timeout: timeoutMs,
      cwd: dir,
    });
    if (result.status !== 0) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
      throw new Error(
        `${binary} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}\n${log}`,
      );
    }
  };

  let running = false;
  let destroyed = false;
  const pgCtl = (args: string[]) => run('pg_ctl', ['-D', data, ...args]);
  const stopQuietly = (mode: 'fast' | 'immediate'): void => {
    if (!running) return;
    try {
      pgCtl(['-m', mode, '-w', 'stop']);
    } catch {
      // Already down.
    }
    running = false;
  };
  const onExit = (): void => cluster.destroy();

  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start() {
      pgCtl([
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=40`,
        '-l',
        logFile,
        '-w',
        '-t',
        '60',
        'start',
      ]);
      running = true;
    },
    stop() {
      pgCtl(['-m', 'fast', '-w', 'stop']);
      running = false;
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      process.off('exit', onExit);
      stopQuietly('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };

  process.on('exit', onExit);
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    cluster.start();
  } catch (error) {
    cluster.destroy();
    throw error;
  }
  return cluster;
}

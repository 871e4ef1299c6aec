import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the commit
 * that crosses the threshold, copying pages into the database file and flushing it while every
 * request waits. The server connection turns it off (`wal_autocheckpoint = 0`) and this worker thread,
 * on a connection of its own, checkpoints in the background instead. PASSIVE never waits for readers or
 * writers, so it cannot stall the server either.
 *
 * PASSIVE alone does not bound the WAL: SQLite starts writing the WAL from its beginning again only when
 * a write transaction begins with every frame already copied, and under a steady stream of commits the
 * checkpoint never quite catches up, so the file grows for as long as the stream lasts. `restart()`
 * runs a RESTART checkpoint: it copies what is left and waits (up to `restartWaitMs`) until no reader
 * still needs the WAL, so that the next write transaction starts the WAL over. The store asks for it
 * while it holds its own writes back, so the checkpoint has no writer of ours to wait for.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 0');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick tries again */ }
};
const restart = () => {
  try {
    db.pragma('busy_timeout = ' + workerData.restartWaitMs);
    const [row] = db.pragma('wal_checkpoint(RESTART)');
    return { busy: row.busy === 1, log: row.log, checkpointed: row.checkpointed };
  } catch (error) {
    return { busy: true, log: -1, checkpointed: -1, error: String(error && error.message) };
  } finally {
    db.pragma('busy_timeout = 0');
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'restart') {
    parentPort.postMessage({ restarted: restart() });
  } else if (message === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.postMessage('stopped');
  }
});
`;

/** What a RESTART checkpoint did: `busy` when a reader or another writer kept it from finishing. */
export interface RestartResult {
  busy: boolean;
  log: number;
  checkpointed: number;
  error?: string;
}

export class Checkpointer {
  private readonly worker: Worker;
  private restarting: Promise<RestartResult> | null = null;

  constructor(path: string, options: { intervalMs?: number; restartWaitMs?: number } = {}) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver,
        path,
        intervalMs: options.intervalMs ?? 250,
        restartWaitMs: options.restartWaitMs ?? 1000,
      },
    });
    // A short-lived command (the CLI) must be able to exit without stopping it first.
    this.worker.unref();
    this.worker.on('error', () => undefined);
  }

  /** One RESTART checkpoint on the worker's connection (one at a time; callers share it). */
  restart(): Promise<RestartResult> {
    this.restarting ??= new Promise<RestartResult>((resolve) => {
      const onMessage = (message: unknown) => {
        if (typeof message !== 'object' || message === null || !('restarted' in message)) return;
        done((message as { restarted: RestartResult }).restarted);
      };
      const onExit = () => done({ busy: true, log: -1, checkpointed: -1, error: 'checkpointer stopped' });
      const done = (result: RestartResult) => {
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
        this.restarting = null;
        resolve(result);
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', onExit);
      this.worker.postMessage('restart');
    });
    return this.restarting;
  }

  private stopped: Promise<void> | null = null;

  /** Runs one last checkpoint, closes the worker's connection and ends the thread (once). */
  stop(): Promise<void> {
    this.stopped ??= this.stopOnce();
    return this.stopped;
  }

  private async stopOnce(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      const onMessage = (message: unknown) => {
        if (message !== 'stopped') return;
        this.worker.off('message', onMessage);
        resolve();
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', () => resolve());
    });
    // Waiting for its answer must keep the process alive, or it could exit with the close unfinished.
    this.worker.ref();
    this.worker.postMessage('stop');
    await stopped;
    await this.worker.terminate();
  }
}

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the request path (issue 5). SQLite's automatic checkpoint runs inside the commit
 * that crosses the threshold, copying pages into the database file and flushing it while every
 * request waits. The server connection turns it off (`wal_autocheckpoint = 0`) and this worker thread,
 * on a connection of its own, checkpoints in the background instead. PASSIVE never waits for readers or
 * writers, so it cannot stall the server either; the WAL restarts from its beginning once a checkpoint
 * has caught up.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 0');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick tries again */ }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.postMessage('stopped');
  }
});
`;

export class Checkpointer {
  private readonly worker: Worker;

  constructor(path: string, intervalMs = 250) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs } });
    // A short-lived command (the CLI) must be able to exit without stopping it first.
    this.worker.unref();
    this.worker.on('error', () => undefined);
  }

  private stopped: Promise<void> | null = null;

  /** Runs one last checkpoint, closes the worker's connection and ends the thread (once). */
  stop(): Promise<void> {
    this.stopped ??= this.stopOnce();
    return this.stopped;
  }

  private async stopOnce(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.once('exit', () => resolve());
    });
    // Waiting for its answer must keep the process alive, or it could exit with the close unfinished.
    this.worker.ref();
    this.worker.postMessage('stop');
    await stopped;
    await this.worker.terminate();
  }
}

import pino from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { systemClock } from './domain/clock.js';
import { openStore } from './storage/open-store.js';
import type { Store } from './storage/store.js';
import type { FastifyInstance } from 'fastify';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  close(): Promise<void>;
}

/** The process entry's work: config → store → app → listen, and a graceful close. */
export async function startServer(config: Config, store?: Store): Promise<RunningServer> {
  const logger = pino({
    level: config.logLevel,
    // Belt and braces: nothing logs headers, but if anything ever does, credentials are cut out.
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.secret_key', '*.client_secret'],
      censor: '[redacted]',
    },
  });
  const db = store ?? (await openStore(config));
  const app = await buildApp({ config, store: db, clock: systemClock, logger });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | null = null;
  return {
    app,
    store: db,
    url: `http://${host}:${port}`,
    close: () =>
      (closing ??= (async () => {
        // Stop accepting, let in-flight requests finish (their writes commit), then close the database.
        await app.close();
        await db.close();
      })()),
  };
}

import pg from 'pg';
import type { PoolClient } from 'pg';
import { REAL_TIME } from '../../domain/clock.js';
import type { ClockSetting, StoredClockSetting } from '../../domain/clock.js';
import { num } from '../rows.js';
import type { Row } from '../rows.js';

/** The channel a clock change is announced on, to every instance on the database. */
export const CLOCK_CHANNEL = 'order_inbox_clock';

const SELECT = 'SELECT frozen_at_us, offset_us, version FROM clock_setting WHERE id = 1';

const versioned = (row: Row | undefined): StoredClockSetting =>
  row === undefined
    ? { setting: REAL_TIME, version: 0 }
    : {
        setting: {
          frozenAtUs: row.frozen_at_us === null ? null : num(row.frozen_at_us),
          offsetUs: num(row.offset_us),
        },
        version: num(row.version),
      };

export async function readClock(db: pg.Pool | pg.Client): Promise<StoredClockSetting> {
  return versioned((await db.query<Row>(SELECT)).rows[0]);
}

/** Writes the setting and, in the same transaction, announces it (NOTIFY goes out at commit). */
export async function writeClock(client: PoolClient, setting: ClockSetting): Promise<StoredClockSetting> {
  const row = (
    await client.query<Row>(
      `INSERT INTO clock_setting (id, frozen_at_us, offset_us, version) VALUES (1, $1, $2, 1)
       ON CONFLICT (id) DO UPDATE SET frozen_at_us = excluded.frozen_at_us, offset_us = excluded.offset_us,
         version = clock_setting.version + 1
       RETURNING frozen_at_us, offset_us, version`,
      [setting.frozenAtUs, setting.offsetUs],
    )
  ).rows[0];
  const written = versioned(row);
  await client.query('SELECT pg_notify($1, $2)', [CLOCK_CHANNEL, JSON.stringify(written)]);
  return written;
}

const MAX_RECONNECT_MS = 30_000;

/**
 * Follows the setting other instances write: one connection of its own LISTENs, so no request pays a
 * database round trip for the time. When that connection is lost it reconnects (1 s, doubling to
 * 30 s) and reads the setting again, so a change announced meanwhile is not missed.
 */
export function watchClock(
  url: string,
  types: pg.CustomTypesConfig,
  onSetting: (heard: StoredClockSetting) => void,
): () => Promise<void> {
  let stopped = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let delayMs = 1_000;

  const connect = async (): Promise<void> => {
    // Named, so an operator can tell it from the pool's connections in pg_stat_activity.
    const next = new pg.Client({ connectionString: url, types, application_name: 'order-inbox clock' });
    client = next;
    // A lost connection is retried, never an unhandled 'error' that would end the process.
    const lost = (): void => {
      if (client !== next) return;
      client = null;
      void next.end().catch(() => undefined);
      if (stopped) return;
      timer = setTimeout(() => {
        timer = null;
        void connect();
      }, delayMs);
      timer.unref();
      delayMs = Math.min(delayMs * 2, MAX_RECONNECT_MS);
    };
    next.on('error', lost);
    next.on('end', lost);
    next.on('notification', (message) => {
      if (message.channel !== CLOCK_CHANNEL || message.payload === undefined) return;
      onSetting(JSON.parse(message.payload) as StoredClockSetting);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CLOCK_CHANNEL}`);
      onSetting(await readClock(next));
      delayMs = 1_000;
    } catch {
      lost();
    }
  };

  void connect();
  return async () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    const last = client;
    client = null;
    await last?.end().catch(() => undefined);
  };
}

import type { Database } from 'better-sqlite3';
import { REAL_TIME } from '../../domain/clock.js';
import type { ClockSetting, StoredClockSetting } from '../../domain/clock.js';
import { num } from '../rows.js';
import type { Row } from '../rows.js';

/** The virtual clock's one row (`clock_setting`); no row is real time, as is a row without a frozen instant or offset. */
export class SqliteClock {
  private readonly select;
  private readonly upsert;

  constructor(db: Database) {
    this.select = db.prepare('SELECT frozen_at_us, offset_us, version FROM clock_setting WHERE id = 1');
    this.upsert = db.prepare(
      `INSERT INTO clock_setting (id, frozen_at_us, offset_us, version) VALUES (1, ?, ?, 1)
       ON CONFLICT (id) DO UPDATE SET frozen_at_us = excluded.frozen_at_us, offset_us = excluded.offset_us,
         version = clock_setting.version + 1`,
    );
  }

  read(): StoredClockSetting {
    const row = this.select.get() as Row | undefined;
    if (row === undefined) return { setting: REAL_TIME, version: 0 };
    return {
      setting: {
        frozenAtUs: row.frozen_at_us === null ? null : num(row.frozen_at_us),
        offsetUs: num(row.offset_us),
      },
      version: num(row.version),
    };
  }

  /** In the caller's transaction: the new setting, one version up. */
  write(setting: ClockSetting): StoredClockSetting {
    this.upsert.run(setting.frozenAtUs, setting.offsetUs);
    return this.read();
  }
}

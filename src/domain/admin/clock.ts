import type { Store } from '../../storage/store.js';
import { REAL_TIME } from '../clock.js';
import type { ClockSetting, StoredClockSetting, VirtualClock } from '../clock.js';
import { formatDateTime, parseDateTime } from '../drf/time.js';
import { adminErrors } from './errors.js';

/** One change asked of the clock (`PUT /__admin/clock`): exactly one of these. */
export type ClockCommand =
  | { kind: 'freeze_at'; instant: string }
  | { kind: 'advance'; seconds: number }
  | { kind: 'real' }
  | { kind: 'freeze' }
  | { kind: 'run' };

export interface ClockView {
  nowUs: number;
  frozen: boolean;
  real: boolean;
  /** The virtual time minus the real one, in µs, at the moment of the answer. */
  offsetUs: number;
}

/**
 * The clock stays where every part of the server can hold its time exactly: from the epoch (the store
 * keeps µs since 1970, and no timestamp before it exists) to the start of 2200 (µs stay exact integers
 * in a double until 2255).
 */
export const CLOCK_MIN_US = 0;
export const CLOCK_END_US = Date.UTC(2200, 0, 1) * 1000;

/** RFC 3339: a full date, a time, and a zone — `Z` or an offset; never a naive time. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const outOfRange = (field: 'frozen_at' | 'advance_seconds') =>
  adminErrors.invalidRequest(
    `body/${field} would move the clock outside ${formatDateTime(CLOCK_MIN_US)} to ${formatDateTime(CLOCK_END_US)} (the end excluded).`,
  );

/**
 * The virtual clock's controls (docs/behaviour.md, "Virtual clock"): a change is stored first, so every
 * instance on the database and a restart read the same setting, then applied here, and answered once
 * the clock's listeners are done (the webhook deliveries it made due have been attempted).
 */
export class ClockControl {
  /** The latest stored version this process applied: a change heard late and older is ignored. */
  private version = -1;
  /** The last application of a setting, which a later adopter of the same version waits for. */
  private applying: Promise<void> = Promise.resolve();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly clock: VirtualClock,
    private readonly store: Pick<Store, 'readClockSetting' | 'saveClockSetting' | 'watchClockSetting'>,
  ) {}

  view(): ClockView {
    // One read of real time, so the offset of a clock at real time is exactly 0.
    const realUs = this.clock.realNowUs();
    const { frozenAtUs, offsetUs } = this.clock.setting;
    const nowUs = frozenAtUs ?? realUs + offsetUs;
    return { nowUs, frozen: frozenAtUs !== null, real: this.clock.isReal, offsetUs: nowUs - realUs };
  }

  /** Reads the stored setting and moves the clock to it (at start). */
  async load(): Promise<void> {
    await this.adopt(await this.store.readClockSetting());
  }

  /** Follows the changes other instances store, where the engine tells of them; returns the stop. */
  follow(): (() => Promise<void>) | null {
    return this.store.watchClockSetting?.((stored) => void this.adopt(stored)) ?? null;
  }

  /** Applies one command; changes run one after another, each from where the last one left. */
  change(command: ClockCommand): Promise<ClockView> {
    const next = this.queue.then(async () => {
      const setting = this.settingFor(command);
      await this.adopt(await this.store.saveClockSetting(setting));
      return this.view();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Moves the clock to a stored setting once. On PostgreSQL the instance's own NOTIFY can arrive before
   * its save's answer, so the watch may adopt a version first: the change then waits for that same
   * application (and the webhook flush it starts) instead of answering before it is done.
   */
  private adopt(stored: StoredClockSetting): Promise<void> {
    if (stored.version <= this.version) return this.applying;
    this.version = stored.version;
    this.applying = this.clock.apply(stored.setting);
    return this.applying;
  }

  private settingFor(command: ClockCommand): ClockSetting {
    const { frozenAtUs, offsetUs } = this.clock.setting;
    const realUs = this.clock.realNowUs();
    const nowUs = this.clock.nowUs();
    const check = (us: number, field: 'frozen_at' | 'advance_seconds'): number => {
      if (!Number.isSafeInteger(us) || us < CLOCK_MIN_US || us >= CLOCK_END_US) throw outOfRange(field);
      return us;
    };
    switch (command.kind) {
      case 'real':
        return REAL_TIME;
      case 'freeze':
        return { frozenAtUs: nowUs, offsetUs: 0 };
      case 'run':
        // Runs on from where it stands: the offset is what the frozen instant is ahead of real time.
        return frozenAtUs === null
          ? { frozenAtUs, offsetUs }
          : { frozenAtUs: null, offsetUs: frozenAtUs - realUs };
      case 'freeze_at': {
        const parsed = RFC3339.test(command.instant) ? parseDateTime(command.instant) : null;
        if (parsed === null || !parsed.ok)
          throw adminErrors.invalidRequest(
            'body/frozen_at must be an RFC 3339 date-time with a time zone, e.g. "2030-01-01T00:00:00Z".',
          );
        return { frozenAtUs: check(parsed.us, 'frozen_at'), offsetUs: 0 };
      }
      case 'advance': {
        const deltaUs = Math.round(command.seconds * 1_000_000);
        const toUs = check(nowUs + deltaUs, 'advance_seconds');
        return frozenAtUs === null
          ? { frozenAtUs: null, offsetUs: offsetUs + (toUs - nowUs) }
          : { frozenAtUs: toUs, offsetUs: 0 };
      }
    }
  }
}

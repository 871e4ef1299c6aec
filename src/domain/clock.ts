/** The one source of time for the server, the limiter and the store; tests pass their own. */
export interface Clock {
  /** Microseconds since the Unix epoch (DRF keeps microseconds; so do we). */
  nowUs(): number;
}

/** Wall-clock time at millisecond resolution: what Sendcloud's own timestamps show (`…12.152000Z`). */
export const systemClock: Clock = {
  nowUs: () => Date.now() * 1000,
};

/**
 * Where the virtual clock stands: frozen at an instant, or running with the real clock shifted by an
 * offset (0: real time). Stored as is, so every instance on one database reads the same setting.
 */
export interface ClockSetting {
  /** The frozen instant in µs since the epoch; null while the clock runs. */
  frozenAtUs: number | null;
  /** Added to the real clock while it runs; 0 with the real clock. */
  offsetUs: number;
}

/** A setting as stored, with how many changes led to it: of two heard out of order, the later wins. */
export interface StoredClockSetting {
  setting: ClockSetting;
  version: number;
}

export const REAL_TIME: ClockSetting = Object.freeze({ frozenAtUs: null, offsetUs: 0 });

export const sameSetting = (a: ClockSetting, b: ClockSetting): boolean =>
  a.frozenAtUs === b.frozenAtUs && a.offsetUs === b.offsetUs;

/** One change of the clock: the settings, and the time it read just before and just after. */
export interface ClockChange {
  before: ClockSetting;
  after: ClockSetting;
  fromUs: number;
  toUs: number;
}

/** Told of every change; a promise is awaited by whoever made the change. */
export type ClockListener = (change: ClockChange) => void | Promise<void>;

const readAt = (setting: ClockSetting, realUs: number): number =>
  setting.frozenAtUs ?? realUs + setting.offsetUs;

/**
 * The server's clock: real time until a test freezes, sets or advances it (`/__admin/clock`). Reading
 * it is two field reads and the base clock, so it stays on every request's way at no cost.
 */
export class VirtualClock implements Clock {
  private current: ClockSetting = REAL_TIME;
  private readonly listeners = new Set<ClockListener>();

  /** `base` is "real time" (a test may pass a clock of its own). */
  constructor(private readonly base: Clock = systemClock) {}

  nowUs(): number {
    const { frozenAtUs, offsetUs } = this.current;
    return frozenAtUs ?? this.base.nowUs() + offsetUs;
  }

  /** What the clock read `elapsedUs` of real time ago: a frozen clock read the same then. */
  readAgo(elapsedUs: number): number {
    const { frozenAtUs, offsetUs } = this.current;
    return frozenAtUs ?? this.base.nowUs() + offsetUs - elapsedUs;
  }

  /** The base clock's time, whatever the setting. */
  realNowUs(): number {
    return this.base.nowUs();
  }

  get setting(): ClockSetting {
    return this.current;
  }

  get isReal(): boolean {
    return sameSetting(this.current, REAL_TIME);
  }

  /** Moves to `setting` and resolves once every listener has (a no-op when nothing changes). */
  async apply(setting: ClockSetting): Promise<void> {
    const before = this.current;
    if (sameSetting(before, setting)) return;
    this.current = Object.freeze({ frozenAtUs: setting.frozenAtUs, offsetUs: setting.offsetUs });
    const realUs = this.base.nowUs();
    const change = {
      before,
      after: this.current,
      fromUs: readAt(before, realUs),
      toUs: readAt(this.current, realUs),
    };
    await Promise.allSettled([...this.listeners].map(async (listener) => listener(change)));
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  onChange(listener: ClockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The clock as a controllable one: the same object when it already is, otherwise one over it. */
export const virtualClockOver = (clock: Clock): VirtualClock =>
  clock instanceof VirtualClock ? clock : new VirtualClock(clock);

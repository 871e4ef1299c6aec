/** The one source of time for the server, the limiter and the store; tests pass their own. */
export interface Clock {
  /** Microseconds since the Unix epoch (DRF keeps microseconds; so do we). */
  nowUs(): number;
}

/** Wall-clock time at millisecond resolution: what Sendcloud's own timestamps show (`…12.152000Z`). */
export const systemClock: Clock = {
  nowUs: () => Date.now() * 1000,
};

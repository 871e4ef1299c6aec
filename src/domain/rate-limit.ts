/**
 * Sendcloud's published rate limits, per account (docs/behaviour.md): safe methods 1,000 a minute; unsafe
 * methods 100 a minute and at most 15 a second. Like DRF's SimpleRateThrottle this is a sliding log:
 * a request is accepted when fewer than `limit` requests were accepted in the last `window`, and only
 * accepted requests are recorded — a 429 uses up no budget, so a client retrying every second gets
 * through as soon as the window allows.
 */
export interface RateRule {
  limit: number;
  windowUs: number;
}

export type RateClass = 'safe' | 'unsafe';

export const SENDCLOUD_RATE_RULES: Readonly<Record<RateClass, readonly RateRule[]>> = {
  safe: [{ limit: 1000, windowUs: 60_000_000 }],
  unsafe: [
    { limit: 100, windowUs: 60_000_000 },
    { limit: 15, windowUs: 1_000_000 },
  ],
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const rateClassOf = (method: string): RateClass => (SAFE_METHODS.has(method) ? 'safe' : 'unsafe');

export interface RateLimiter {
  /** Records the request if it is within every rule; otherwise answers the seconds to wait. */
  take(accountId: number, rateClass: RateClass, nowUs: number): Promise<number | null>;
  /** Forgets requests recorded after `nowUs` (the clock was moved back before them). */
  forgetAfter?(nowUs: number): Promise<void>;
  close?(): Promise<void>;
}

/** The last `limit` accepted times of one rule, oldest first, in a ring. */
class Ring {
  private readonly times: Float64Array;
  private start = 0;
  private size = 0;

  constructor(readonly rule: RateRule) {
    this.times = new Float64Array(rule.limit);
  }

  /** Microseconds until one more request fits, 0 if it fits now. */
  waitUs(nowUs: number): number {
    if (this.size < this.rule.limit) return 0;
    const oldest = this.times[this.start] as number;
    return Math.max(0, oldest + this.rule.windowUs - nowUs);
  }

  push(nowUs: number): void {
    const limit = this.rule.limit;
    if (this.size < limit) {
      this.times[(this.start + this.size) % limit] = nowUs;
      this.size++;
    } else {
      this.times[this.start] = nowUs;
      this.start = (this.start + 1) % limit;
    }
  }

  /** Keeps only the times at or before `nowUs`, in their order. */
  forgetAfter(nowUs: number): void {
    const kept: number[] = [];
    for (let i = 0; i < this.size; i++) {
      const at = this.times[(this.start + i) % this.rule.limit] as number;
      if (at <= nowUs) kept.push(at);
    }
    this.start = 0;
    this.size = kept.length;
    kept.forEach((at, i) => (this.times[i] = at));
  }

  idleSince(nowUs: number): boolean {
    if (this.size === 0) return true;
    const newest = this.times[(this.start + this.size - 1) % this.rule.limit] as number;
    return newest + this.rule.windowUs <= nowUs;
  }
}

/** One process's limiter: exact for a single instance (SQLite, or one server on PostgreSQL). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly rings = new Map<string, Ring[]>();
  private takes = 0;

  constructor(
    private readonly rules: Readonly<Record<RateClass, readonly RateRule[]>> = SENDCLOUD_RATE_RULES,
  ) {}

  async take(accountId: number, rateClass: RateClass, nowUs: number): Promise<number | null> {
    return this.takeSync(`${rateClass}:${accountId}`, rateClass, nowUs);
  }

  takeSync(key: string, rateClass: RateClass, nowUs: number): number | null {
    let rings = this.rings.get(key);
    if (rings === undefined) {
      rings = this.rules[rateClass].map((rule) => new Ring(rule));
      this.rings.set(key, rings);
    }
    let waitUs = 0;
    for (const ring of rings) waitUs = Math.max(waitUs, ring.waitUs(nowUs));
    if (waitUs > 0) return Math.max(1, Math.ceil(waitUs / 1_000_000));
    for (const ring of rings) ring.push(nowUs);
    if (++this.takes % 10_000 === 0) this.sweep(nowUs);
    return null;
  }

  async forgetAfter(nowUs: number): Promise<void> {
    for (const rings of this.rings.values()) for (const ring of rings) ring.forgetAfter(nowUs);
  }

  /** Forgets accounts whose every window has passed, so memory follows the active accounts only. */
  private sweep(nowUs: number): void {
    for (const [key, rings] of this.rings) if (rings.every((r) => r.idleSince(nowUs))) this.rings.delete(key);
  }
}

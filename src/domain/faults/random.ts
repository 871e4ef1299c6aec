import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A source of numbers uniform in [0, 1): Math.random by default, a seeded generator for a rule with a `seed`. */
export type RandomSource = () => number;

/** The same seed gives the same draws, run after run: what a test asserting on a probability needs. */
export function seededRandom(seed: number): RandomSource {
  const rng = xoroshiro128plus(seed);
  return () => uniformFloat64(rng);
}

/** The longest delay one fault adds, whatever a log-normal's tail draws. */
export const MAX_LATENCY_MS = 60_000;

/**
 * A log-normal delay: `median · e^(sigma · Z)` with Z standard normal (Box–Muller), so half the draws
 * fall below the median and `sigma` widens the tail — the shape measured latencies usually have.
 */
export function lognormalMs(medianMs: number, sigma: number, random: RandomSource): number {
  const u1 = 1 - random(); // (0, 1]: the logarithm stays finite
  const u2 = random();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.min(MAX_LATENCY_MS, Math.round(medianMs * Math.exp(sigma * z)));
}

import type pg from 'pg';
import type { RateClass, RateLimiter, RateRule } from '../../domain/rate-limit.js';
import { SENDCLOUD_RATE_RULES } from '../../domain/rate-limit.js';

const CLASS_CODE: Record<RateClass, number> = { safe: 0, unsafe: 1 };
/** The first key of the two-key advisory lock: "oi" — order-inbox's namespace. */
const LOCK_NAMESPACE = 0x6f69;

const integer = (value: number): string => {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
};

/**
 * Rate limits shared by every instance on one PostgreSQL: the same sliding log as the
 * in-process limiter, kept in an UNLOGGED table. Per account and class, one transaction takes an
 * advisory lock, reads the time of the `limit`-th latest accepted request for each rule, records this
 * one if every rule allows it, and prunes what no window can see any more. One round trip: the whole
 * transaction is one simple query, with only integers this process produced inlined. The commit is not
 * waited on (`synchronous_commit = off`): a crash forgets at most a moment of budget.
 *
 * PostgreSQL rather than Redis: it is already there, and one more service to run is a cost every
 * deployment pays, while a limiter round trip is paid only with limits on.
 */
export class PgRateLimiter implements RateLimiter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly rules: Readonly<Record<RateClass, readonly RateRule[]>> = SENDCLOUD_RATE_RULES,
  ) {}

  async forgetAfter(nowUs: number): Promise<void> {
    await this.pool.query('DELETE FROM rate_events WHERE at_us > $1', [integer(nowUs)]);
  }

  async take(accountId: number, rateClass: RateClass, nowUs: number): Promise<number | null> {
    const rules = this.rules[rateClass];
    const account = integer(accountId);
    const klass = CLASS_CODE[rateClass];
    const now = integer(nowUs);
    const longest = Math.max(...rules.map((r) => r.windowUs));
    const key = `account_id = ${account} AND rate_class = ${klass}`;
    const nth = rules.map(
      (rule, i) =>
        `(SELECT at_us FROM rate_events WHERE ${key} ORDER BY at_us DESC OFFSET ${integer(rule.limit - 1)} LIMIT 1) AS r${i}`,
    );
    const allowed = rules.map((rule, i) => `(r${i} IS NULL OR r${i} <= ${now} - ${integer(rule.windowUs)})`);
    const sql = `BEGIN;
SET LOCAL synchronous_commit = off;
SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${integer((accountId * 2 + klass) | 0)});
WITH nth AS (SELECT ${nth.join(', ')}),
  accepted AS (INSERT INTO rate_events (account_id, rate_class, at_us)
    SELECT ${account}, ${klass}, ${now} FROM nth WHERE ${allowed.join(' AND ')} RETURNING 1),
  pruned AS (DELETE FROM rate_events WHERE ${key} AND at_us <= ${now} - ${integer(longest)} RETURNING 1)
SELECT *, (SELECT count(*) FROM accepted) AS accepted FROM nth;
COMMIT;`;
    const results = (await this.pool.query(sql)) as unknown as pg.QueryResult[];
    const row = results[3]?.rows[0] as Record<string, unknown> | undefined;
    if (row === undefined) throw new Error('rate limiter: no answer');
    if (Number(row.accepted) === 1) return null;
    let waitUs = 0;
    rules.forEach((rule, i) => {
      const at = row[`r${i}`];
      if (at !== null && at !== undefined) waitUs = Math.max(waitUs, Number(at) + rule.windowUs - nowUs);
    });
    return Math.max(1, Math.ceil(waitUs / 1_000_000));
  }
}

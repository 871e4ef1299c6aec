import type { Command } from 'commander';

/**
 * `order-inbox admin faults …`: the fault rules' command-line twins (`POST`, `GET`, `DELETE
 * /__admin/faults`), so a shell script or a CI step can make the server fail for one test.
 */
interface Target {
  url?: string;
  token?: string;
}

type Call = (
  options: Target,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
) => Promise<void>;

interface AddFlags extends Target {
  operation: string;
  testId?: string;
  account?: string;
  integration?: string;
  status?: string;
  body?: string;
  error?: string;
  applyThenFail?: boolean;
  latencyMs?: string;
  latencyMedianMs?: string;
  latencySigma?: string;
  close?: string;
  retryAfter?: string;
  times?: string;
  probability?: string;
  seed?: string;
  json?: string;
}

const integer = (value: string, flag: string): number => {
  if (!/^[0-9]{1,15}$/.test(value)) throw new Error(`${flag} must be a whole number (got "${value}")`);
  return Number(value);
};

const decimal = (value: string, flag: string): number => {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number))
    throw new Error(`${flag} must be a number (got "${value}")`);
  return number;
};

/** `--body`: JSON when it parses as an object or array, else the error's message text. */
function bodyValue(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') return parsed;
  } catch {
    // Not JSON: a message.
  }
  return text;
}

/** The rule's body from the flags; the server checks it (and names what is wrong). */
export function faultRuleFromFlags(flags: AddFlags): Record<string, unknown> {
  if (flags.json !== undefined) {
    try {
      return JSON.parse(flags.json) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`--json is not JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  const effect: Record<string, unknown> = {};
  if (flags.status !== undefined) effect.status = integer(flags.status, '--status');
  if (flags.body !== undefined) effect.body = bodyValue(flags.body);
  if (flags.error !== undefined) effect.error = flags.error;
  if (flags.applyThenFail) effect.apply_then_fail = true;
  if (flags.latencyMs !== undefined) effect.latency_ms = integer(flags.latencyMs, '--latency-ms');
  if (flags.latencyMedianMs !== undefined || flags.latencySigma !== undefined) {
    effect.latency_lognormal = {
      median_ms: decimal(flags.latencyMedianMs ?? '', '--latency-median-ms'),
      sigma: decimal(flags.latencySigma ?? '', '--latency-sigma'),
    };
  }
  if (flags.close !== undefined) effect.close = flags.close;
  if (flags.retryAfter !== undefined) effect.retry_after = integer(flags.retryAfter, '--retry-after');
  return {
    operation: flags.operation,
    ...(flags.testId !== undefined ? { test_id: flags.testId } : {}),
    ...(flags.account !== undefined ? { account_id: integer(flags.account, '--account') } : {}),
    ...(flags.integration !== undefined
      ? { integration_id: integer(flags.integration, '--integration') }
      : {}),
    effect,
    ...(flags.times !== undefined ? { times: integer(flags.times, '--times') } : {}),
    ...(flags.probability !== undefined ? { probability: decimal(flags.probability, '--probability') } : {}),
    ...(flags.seed !== undefined ? { seed: integer(flags.seed, '--seed') } : {}),
  };
}

export function registerFaultCommands(
  admin: Command,
  target: (command: Command) => Command,
  call: Call,
): void {
  const faults = admin
    .command('faults')
    .description(
      'fault rules: make the API fail the way Sendcloud fails, for one test, account or integration',
    );
  target(
    faults
      .command('add')
      .description('add a rule; prints it with its id')
      .option('--operation <name>', 'the operation (e.g. upsert_shipments; `faults operations` lists them)')
      .option('--test-id <id>', 'only requests sending this X-Order-Inbox-Test header')
      .option('--account <id>', "only this account's requests")
      .option('--integration <id>', 'only requests on this integration')
      .option(
        '--status <status>',
        "answer this status (400-599) with Sendcloud's body for it, not running the request",
      )
      .option('--body <text-or-json>', 'with --status: the message, or a JSON body sent as is')
      .option('--error <name>', "one of the operation's documented errors by name")
      .option('--apply-then-fail', 'run the request, then answer the error (default 500) or close')
      .option('--latency-ms <ms>', 'wait this long first')
      .option('--latency-median-ms <ms>', 'wait a log-normal time with this median (with --latency-sigma)')
      .option('--latency-sigma <sigma>', "the log-normal's spread")
      .option(
        '--close <when>',
        'before_answer (no answer at all) or after_headers (headers, then a cut body)',
      )
      .option('--retry-after <seconds>', 'Retry-After of a 429 or 503 (default 1)')
      .option('--times <n>', 'only the next N matching requests')
      .option('--probability <p>', 'each matching request with this probability, 0 to 1')
      .option('--seed <n>', "seed the rule's random source (same draws every run)")
      .option('--json <rule>', 'the whole rule as JSON, instead of the flags'),
  ).action((options: AddFlags) => {
    if (options.json === undefined && options.operation === undefined)
      throw new Error('--operation is needed');
    return call(options, 'POST', '/faults', faultRuleFromFlags(options));
  });
  target(faults.command('list').description('every rule, in the order they are tried and consumed')).action(
    (options: Target) => call(options, 'GET', '/faults'),
  );
  target(
    faults
      .command('clear')
      .description("remove one test's rules, or all of them")
      .option('--test-id <id>', "only this test's rules"),
  ).action((options: Target & { testId?: string }) =>
    call(
      options,
      'DELETE',
      options.testId === undefined
        ? '/faults'
        : `/faults?${new URLSearchParams({ test_id: options.testId })}`,
    ),
  );
  target(faults.command('remove').description('remove one rule').argument('<id>')).action(
    (id: string, options: Target) => call(options, 'DELETE', `/faults/${integer(id, 'the rule id')}`),
  );
  target(
    faults.command('operations').description('the operations rules may name, with their named errors'),
  ).action((options: Target) => call(options, 'GET', '/faults/operations'));
}

import type { Command } from 'commander';
import type { Config, ConfigOverrides } from '../config.js';
import { SnapshotService, snapshotText } from '../domain/admin/snapshot.js';
import { openStore } from '../storage/open-store.js';
import { importSnapshotFile, readSnapshotFile, writeFileAtomically } from './snapshot-file.js';
import { registerFaultCommands } from './admin-faults.js';

/**
 * `order-inbox admin …`: the admin API's command-line twins. They talk to a running server over HTTP
 * (`--url`, `--token`, or ADMIN_TOKEN), print the answer's JSON and exit 1 with the admin error's
 * message when it fails — so a shell script or a CI step can do what a test suite does over HTTP.
 */
interface Target {
  url?: string;
  token?: string;
}

/** The running server's admin base: `--url`, else this machine's configuration (the ops port with OPS_PORT). */
function baseUrl(options: Target, config: Config): string {
  if (options.url !== undefined) return options.url.replace(/\/+$/, '');
  const [host, port] =
    config.opsPort === null ? [config.host, config.port] : [config.opsHost, config.opsPort];
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** One admin call, its answer printed as indented JSON. */
async function adminCall(...call: Parameters<typeof adminRequest>): Promise<void> {
  process.stdout.write(`${JSON.stringify(await adminRequest(...call), null, 2)}\n`);
}

/** One admin call; its answer's JSON, or an error carrying the admin error's message. */
async function adminRequest(
  configFrom: (overrides: ConfigOverrides) => Config,
  options: Target,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const config = configFrom({ adminToken: options.token });
  if (config.adminToken === null) throw new Error('an admin token is needed: --token or ADMIN_TOKEN');
  const headers: Record<string, string> = { authorization: `Bearer ${config.adminToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const url = `${baseUrl(options, config)}/__admin${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(`cannot reach ${url}: ${(error as Error).cause ?? (error as Error).message}`, {
      cause: error,
    });
  }
  const text = await response.text();
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${url} answered ${response.status} without JSON: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const error = (answer as { error?: { code?: string; message?: string } }).error;
    throw new Error(`${response.status} ${error?.code ?? ''}: ${error?.message ?? text}`);
  }
  return answer;
}

const whole = (value: string, flag: string): number => {
  if (!/^[0-9]{1,15}$/.test(value) || Number(value) === 0)
    throw new Error(`${flag} must be a positive whole number (got "${value}")`);
  return Number(value);
};

export function registerAdminCommands(
  program: Command,
  configFrom: (overrides: ConfigOverrides) => Config,
): void {
  const admin = program
    .command('admin')
    .description('the admin API of a running server (tenants, accounts, reset) over HTTP');
  const target = (command: Command): Command =>
    command
      .option('--url <url>', 'the server (default: http://HOST:PORT, or OPS_HOST:OPS_PORT with OPS_PORT)')
      .option('--token <token>', 'the admin token (env ADMIN_TOKEN)');

  const tenants = admin.command('tenants').description('test tenants');
  target(
    tenants
      .command('create')
      .description('create an account, a key pair and integrations; prints the secrets (shown only now)')
      .option('--non-partner', 'a non-partner account (403 on pushing shipments)')
      .option('--oauth-only', 'the key pair works only through OAuth2 tokens')
      .option('--public-key <key>', 'a chosen public key (refused if taken)')
      .option('--secret-key <key>', 'a chosen secret key, 16 to 256 characters')
      .option('--integration-id <id>', 'a chosen id for the integration (refused if taken)')
      .option('--shop-name <name>', "the integration's shop name")
      .option('--shop-url <url>', "the integration's shop URL")
      .option('--webhook-url <url>', 'where webhooks for the integration go (turns them on)')
      .option(
        '--body <json>',
        'the whole request body as JSON (several integrations); no other tenant flags',
      ),
  ).action(
    async (
      options: Target & {
        nonPartner?: boolean;
        oauthOnly?: boolean;
        publicKey?: string;
        secretKey?: string;
        integrationId?: string;
        shopName?: string;
        shopUrl?: string;
        webhookUrl?: string;
        body?: string;
      },
    ) => {
      let body: unknown;
      if (options.body !== undefined) {
        try {
          body = JSON.parse(options.body);
        } catch (error) {
          throw new Error(`--body is not JSON: ${(error as Error).message}`, { cause: error });
        }
      } else {
        const integration = {
          ...(options.integrationId !== undefined
            ? { id: whole(options.integrationId, '--integration-id') }
            : {}),
          ...(options.shopName !== undefined ? { shop_name: options.shopName } : {}),
          ...(options.shopUrl !== undefined ? { shop_url: options.shopUrl } : {}),
          ...(options.webhookUrl !== undefined
            ? { webhook_url: options.webhookUrl, webhook_active: true }
            : {}),
        };
        body = {
          ...(options.nonPartner ? { partner: false } : {}),
          ...(options.oauthOnly ? { oauth_only: true } : {}),
          ...(options.publicKey !== undefined ? { public_key: options.publicKey } : {}),
          ...(options.secretKey !== undefined ? { secret_key: options.secretKey } : {}),
          ...(Object.keys(integration).length > 0 ? { integrations: [integration] } : {}),
        };
      }
      await adminCall(configFrom, options, 'POST', '/tenants', body);
    },
  );

  const accounts = admin
    .command('accounts')
    .description('accounts (public keys and integrations, never secrets)');
  target(accounts.command('list').description('every account')).action((options: Target) =>
    adminCall(configFrom, options, 'GET', '/accounts'),
  );
  target(accounts.command('show').description('one account').argument('<id>')).action(
    (id: string, options: Target) =>
      adminCall(configFrom, options, 'GET', `/accounts/${whole(id, 'the account id')}`),
  );
  target(
    accounts.command('delete').description('delete an account and everything it owns').argument('<id>'),
  ).action((id: string, options: Target) =>
    adminCall(configFrom, options, 'DELETE', `/accounts/${whole(id, 'the account id')}`),
  );

  target(
    admin
      .command('reset')
      .description('wipe shipments, logs and webhook deliveries (and accounts) of one account or of all')
      .option('--account <id>', 'only this account')
      .option('--keep-accounts', 'keep accounts, key pairs and integrations'),
  ).action((options: Target & { account?: string; keepAccounts?: boolean }) =>
    adminCall(configFrom, options, 'POST', '/reset', {
      ...(options.account !== undefined ? { account_id: whole(options.account, '--account') } : {}),
      ...(options.keepAccounts ? { keep_accounts: true } : {}),
    }),
  );

  const snapshot = admin
    .command('snapshot')
    .description('the whole state or one account as one JSON document (as sensitive as the database)');
  const onDatabase = (command: Command): Command =>
    target(command).option(
      '--database <path-or-url>',
      'work on this database directly, no server needed (SQLite file path or postgres:// URL)',
    );
  onDatabase(
    snapshot
      .command('export')
      .description('print the snapshot, or write it atomically to --out')
      .option('--account <id>', 'only this account')
      .option('--out <file>', 'write here (temporary file, fsync, rename) instead of printing'),
  ).action(async (options: Target & { account?: string; out?: string; database?: string }) => {
    const accountId = options.account === undefined ? null : whole(options.account, '--account');
    let text: string;
    if (options.database !== undefined) {
      const store = await openStore(configFrom({ database: options.database }));
      try {
        text = snapshotText(await new SnapshotService(store).export(accountId));
      } finally {
        await store.close();
      }
    } else {
      const query = accountId === null ? '' : `?account_id=${accountId}`;
      text = `${JSON.stringify(await adminRequest(configFrom, options, 'GET', `/snapshot${query}`), null, 2)}\n`;
    }
    if (options.out === undefined) process.stdout.write(text);
    else writeFileAtomically(options.out, text);
  });
  onDatabase(
    snapshot
      .command('import')
      .description('import a snapshot file, all or nothing (replaces what it holds)')
      .argument('<file>'),
  ).action(async (file: string, options: Target & { database?: string }) => {
    if (options.database !== undefined) {
      const store = await openStore(configFrom({ database: options.database }));
      try {
        const imported = await importSnapshotFile(store, file);
        process.stdout.write(`${JSON.stringify({ imported }, null, 2)}\n`);
      } finally {
        await store.close();
      }
      return;
    }
    await adminCall(configFrom, options, 'POST', '/snapshot', readSnapshotFile(file));
  });

  target(
    admin
      .command('webhooks')
      .description('outgoing webhook deliveries, newest first, with body, signature and attempts')
      .option('--account <id>', "only this account's")
      .option('--integration <id>', "only this integration's")
      .option('--limit <n>', 'at most this many (1 to 1000, default 100)'),
  ).action((options: Target & { account?: string; integration?: string; limit?: string }) => {
    const query = new URLSearchParams();
    if (options.account !== undefined) query.set('account_id', String(whole(options.account, '--account')));
    if (options.integration !== undefined)
      query.set('integration_id', String(whole(options.integration, '--integration')));
    if (options.limit !== undefined) query.set('limit', String(whole(options.limit, '--limit')));
    const search = query.size > 0 ? `?${query.toString()}` : '';
    return adminCall(configFrom, options, 'GET', `/webhooks${search}`);
  });

  const journal = target(
    admin
      .command('journal')
      .description(
        'what the server was sent and answered on the Sendcloud API, newest first (secrets redacted)',
      )
      .option('--account <id>', 'only this account')
      .option('--integration <id>', 'only this integration')
      .option('--operation <name>', 'only this operation (e.g. upsert_shipments, not_found)')
      .option('--status <status>', 'only this status (404) or class (4xx)')
      .option('--test-id <id>', 'only requests that sent this X-Order-Inbox-Test header')
      .option('--since <time>', 'only requests received at or after this ISO 8601 time')
      .option('--until <time>', 'only requests received before this ISO 8601 time')
      .option('--text <text>', 'only entries whose request or response body contains this text')
      .option('--limit <n>', 'how many entries (default 100, at most 1000)')
      .option('--oldest-first', 'oldest first')
      .option('--json', 'the whole entries, with headers and bodies, as JSON'),
  ).action(async (options: Target & JournalFlags) => {
    const query = new URLSearchParams();
    for (const [flag, name] of JOURNAL_FILTERS) {
      const value = options[flag];
      if (typeof value === 'string') query.set(name, value);
    }
    if (options.oldestFirst) query.set('order', 'asc');
    const path = `/journal${query.size > 0 ? `?${query}` : ''}`;
    const answer = (await adminRequest(configFrom, options, 'GET', path)) as { entries: JournalLine[] };
    process.stdout.write(
      options.json ? `${JSON.stringify(answer, null, 2)}\n` : answer.entries.map(journalLine).join(''),
    );
  });
  target(journal.command('clear').description('forget every journal entry of the server')).action(
    // `--url` and `--token` are also `journal`'s own options, which Commander gives to the parent.
    (_options: Target, command: Command) =>
      adminCall(configFrom, command.optsWithGlobals<Target>(), 'DELETE', '/journal'),
  );

  registerClockCommands(admin, target, configFrom);
  registerFaultCommands(admin, target, (options, method, path, body) =>
    adminCall(configFrom, options, method, path, body),
  );

  target(
    admin
      .command('coverage')
      .description('documented operations x statuses, and how often each was answered since the last reset')
      .option('--json', 'the whole answer as JSON'),
  ).action(async (options: Target & { json?: boolean }) => {
    const answer = (await adminRequest(configFrom, options, 'GET', '/coverage')) as Coverage;
    process.stdout.write(options.json ? `${JSON.stringify(answer, null, 2)}\n` : coverageText(answer));
  });
}

/** `90`, `1.5`, `-30`, or with a unit: `90s`, `15m`, `2h`, `3d`: the seconds it names. */
export function durationSeconds(text: string): number {
  const match = /^(-?[0-9]+(?:\.[0-9]+)?)([smhd]?)$/.exec(text.trim());
  if (match === null)
    throw new Error(`the duration must be seconds, or a number with s, m, h or d (got "${text}")`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** `order-inbox admin clock …`: the virtual clock's twins of `GET` and `PUT /__admin/clock`. */
function registerClockCommands(
  admin: Command,
  target: (command: Command) => Command,
  configFrom: (overrides: ConfigOverrides) => Config,
): void {
  const clock = target(
    admin.command('clock').description("the server's virtual clock: show it (no subcommand), or move it"),
  ).action((options: Target) => adminCall(configFrom, options, 'GET', '/clock'));
  // `--url` and `--token` are also `clock`'s own options, which Commander gives to the parent.
  const put = (command: Command, body: unknown) =>
    adminCall(configFrom, command.optsWithGlobals<Target>(), 'PUT', '/clock', body);
  target(
    clock
      .command('freeze')
      .description('stop the clock where it stands, or at an RFC 3339 instant (2030-01-01T00:00:00Z)')
      .argument('[instant]'),
  ).action((instant: string | undefined, _options: Target, command: Command) =>
    put(command, instant === undefined ? { frozen: true } : { frozen_at: instant }),
  );
  target(
    clock
      .command('advance')
      .description('move the clock by a duration: 90, 1.5, 15m, 2h, 3d (back in time: advance -- -30)')
      .argument('<duration>'),
  ).action((duration: string, _options: Target, command: Command) =>
    put(command, { advance_seconds: durationSeconds(duration) }),
  );
  target(clock.command('run').description('let a frozen clock run on from where it stands')).action(
    (_options: Target, command: Command) => put(command, { frozen: false }),
  );
  target(clock.command('real').description('back to real time')).action(
    (_options: Target, command: Command) => put(command, { real: true }),
  );
}

interface JournalFlags {
  account?: string;
  integration?: string;
  operation?: string;
  status?: string;
  testId?: string;
  since?: string;
  until?: string;
  text?: string;
  limit?: string;
  oldestFirst?: boolean;
  json?: boolean;
}

const JOURNAL_FILTERS: [keyof JournalFlags, string][] = [
  ['account', 'account_id'],
  ['integration', 'integration_id'],
  ['operation', 'operation'],
  ['status', 'status'],
  ['testId', 'test_id'],
  ['since', 'since'],
  ['until', 'until'],
  ['text', 'q'],
  ['limit', 'limit'],
];

interface JournalLine {
  id: number;
  at: string;
  method: string;
  path: string;
  query: string;
  operation: string;
  status: number;
  duration_ms: number;
  test_id: string | null;
  near_misses?: { method: string; path: string; operation: string }[];
}

/** One line a person reads per entry; near-misses below it. */
function journalLine(entry: JournalLine): string {
  const query = entry.query === '' ? '' : `?${entry.query}`;
  const test = entry.test_id === null ? '' : `  test=${entry.test_id}`;
  const head = `${entry.at}  #${entry.id}  ${entry.status}  ${entry.method} ${entry.path}${query}  ${entry.operation}  ${entry.duration_ms} ms${test}\n`;
  const near = (entry.near_misses ?? []).map(
    (m) => `    did you mean ${m.method} ${m.path} (${m.operation})?\n`,
  );
  return head + near.join('');
}

interface Coverage {
  operations: {
    operation: string;
    method: string;
    path: string;
    statuses: { status: number; documented: boolean; answered: number }[];
  }[];
  unmatched: { operation: string; status: number; answered: number }[];
  totals: { documented: number; answered: number };
}

/** Per operation, its statuses with their counts; a status never answered reads `-`. */
function coverageText(coverage: Coverage): string {
  const lines = coverage.operations.map((op) => {
    const statuses = op.statuses
      .map((s) => `${s.status}${s.documented ? '' : '(undocumented)'}:${s.answered === 0 ? '-' : s.answered}`)
      .join(' ');
    return `${op.method} ${op.path}  ${op.operation}  ${statuses}\n`;
  });
  for (const other of coverage.unmatched)
    lines.push(`${other.operation}  ${other.status}:${other.answered}\n`);
  lines.push(
    `${coverage.totals.answered} of ${coverage.totals.documented} documented operation x status pairs answered\n`,
  );
  return lines.join('');
}

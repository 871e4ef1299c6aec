import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { Option } from 'commander';
import spawn from 'cross-spawn';
import { ConfigError, describeDatabase, loadConfig } from '../config.js';
import type { Config, ConfigOverrides } from '../config.js';
import { launchWithTenant, temporaryDatabase } from '../programmatic/start.js';
import type { LaunchedServer, TemporaryDatabase } from '../programmatic/start.js';
import { devPresetLines } from './banner.js';

/**
 * `order-inbox exec [options] -- <command …>`: a server started for one command, as a CI step needs
 * it. The server runs inside this process (so it cannot outlive it), the command as a child with the
 * terminal inherited and the tenant's settings in its environment; the exit code is the command's.
 */
interface ExecOptions {
  dev?: boolean;
  database?: string;
  port?: string;
  serverOutput?: boolean;
  serverLog?: string;
}

/** exec's own failure (the server could not start), apart from any code the command may exit with. */
export const EXEC_FAILED = 125;
const NOT_EXECUTABLE = 126;
const NOT_FOUND = 127;

/** The signals passed on to the command; the server stops once the command has exited. */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

const note = (text: string): void => {
  process.stderr.write(`order-inbox exec: ${text}\n`);
};

/** The variables the command gets, beside the environment exec was given. */
export function commandEnvironment(launched: LaunchedServer): Record<string, string> {
  const { running, admin, tenant } = launched;
  return {
    SENDCLOUD_BASE_URL: `${running.url}/api/v2`,
    SENDCLOUD_V3_BASE_URL: `${running.url}/api/v3`,
    SENDCLOUD_PUBLIC_KEY: tenant.public_key,
    SENDCLOUD_SECRET_KEY: tenant.secret_key,
    SENDCLOUD_INTEGRATION_ID: String(tenant.integration_id),
    ORDER_INBOX_URL: running.url,
    ORDER_INBOX_ACCOUNT_ID: String(tenant.account_id),
    ORDER_INBOX_WEBHOOK_SIGNATURE_KEY: tenant.webhook_signature_key,
    ORDER_INBOX_ADMIN_URL: admin.url,
    ORDER_INBOX_ADMIN_TOKEN: admin.token,
  };
}

/** The shell's convention: a command ended by signal N exits 128 + N. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
}

/**
 * The configuration: the environment's settings as `serve` reads them, except where to listen and
 * which database — DATABASE_URL, PORT and HOST in a CI job are usually the shop's own, not ours.
 */
function execConfig(options: ExecOptions, databasePath: string | null): Config {
  const overrides: ConfigOverrides = {
    host: '127.0.0.1',
    port: options.port ?? '0',
    database: options.database ?? (databasePath as string),
    dev: options.dev ? 'on' : undefined,
  };
  // The server's log is kept out of the command's output unless asked for.
  if (options.serverLog !== undefined) overrides.logDestination = options.serverLog;
  else if (options.serverOutput) overrides.logDestination = 'stderr';
  else overrides.logLevel = 'silent';
  const config = loadConfig(process.env, overrides);
  // The admin API is always on: the command gets its URL and token.
  return config.adminToken !== null
    ? config
    : loadConfig(process.env, { ...overrides, adminToken: randomBytes(24).toString('base64url') });
}

async function runExec(command: string[], options: ExecOptions, version: string): Promise<never> {
  // Handlers stay in place until exec exits: a signal while the server starts or stops does not cut
  // the clean-up short. One that comes before the command runs ends exec once the server has stopped.
  let child: ReturnType<typeof spawn> | null = null;
  let early: NodeJS.Signals | null = null;
  const forward = (signal: NodeJS.Signals) => {
    if (child === null) early ??= signal;
    else if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);

  let temporary: TemporaryDatabase | null = null;
  let launched: LaunchedServer;
  let config: Config;
  try {
    temporary = options.database === undefined ? await temporaryDatabase('order-inbox-exec-') : null;
    config = execConfig(options, temporary?.path ?? null);
    launched = await launchWithTenant(config, temporary);
  } catch (error) {
    await temporary?.remove();
    const message =
      error instanceof ConfigError
        ? error.message.replaceAll('\n', '\norder-inbox exec: ')
        : `the server could not start: ${(error as Error).message}`;
    note(message);
    process.exit(EXEC_FAILED);
  }

  const env = commandEnvironment(launched);
  if (options.serverOutput) {
    note(
      `order-inbox ${version} on ${describeDatabase(config.database)}, listening on ${launched.running.url}`,
    );
    if (config.dev)
      for (const line of devPresetLines(config, launched.running.logFormat, 'given to the command'))
        note(line);
    note(`tenant: account ${launched.tenant.account_id}, integration ${launched.tenant.integration_id}`);
    note(`running: ${command.join(' ')}`);
  }

  if (early !== null) {
    await launched.close().catch(() => undefined);
    process.exit(exitCodeOf(null, early));
  }
  const running = spawn(command[0] as string, command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  child = running;
  const code = await new Promise<number>((resolve) => {
    running.once('error', (error: NodeJS.ErrnoException) => {
      note(`cannot run ${command[0]}: ${error.message}`);
      resolve(error.code === 'ENOENT' ? NOT_FOUND : NOT_EXECUTABLE);
    });
    running.once('exit', (exitCode, signal) => resolve(exitCodeOf(exitCode, signal)));
  });
  try {
    await launched.close();
  } catch (error) {
    note(`error while stopping the server: ${(error as Error).message}`);
  }
  if (options.serverOutput) {
    note(`${command[0]} exited with ${code}; server stopped`);
  }
  process.exit(code);
}

export function registerExecCommand(program: Command, version: string): void {
  program.enablePositionalOptions();
  program
    .command('exec')
    .description(
      'run a command against a server started for it: a temporary database, one tenant, its credentials in SENDCLOUD_* variables; exits with the command’s code',
    )
    .usage('[options] -- <command> [args…]')
    .option('--dev', 'the dev preset (rate limits off, webhooks captured, retries in seconds, …)')
    .addOption(
      new Option(
        '--database <path-or-url>',
        'use this database, kept afterwards (default: a new SQLite file, removed afterwards)',
      ),
    )
    .option('--port <port>', 'port to listen on (default 0: any free port)')
    .option('--server-output', "the server's banner and log on standard error (default: kept out)")
    .option('--server-log <file>', "append the server's log to this file")
    .argument('<command...>', 'the command and its arguments')
    .passThroughOptions()
    .action((command: string[], options: ExecOptions) => runExec(command, options, version));
}

#!/usr/bin/env node
import { readFileSync, rmSync } from 'node:fs';
import { Command, Option } from 'commander';
import { SecretHasher } from '../auth/secrets.js';
import { ConfigError, describeDatabase, loadConfig, settingName } from '../config.js';
import type { Config, ConfigOverrides } from '../config.js';
import { AccountService } from '../domain/accounts.js';
import { systemClock } from '../domain/clock.js';
import { isValidUrl } from '../domain/drf/url.js';
import { formatDateTime } from '../domain/drf/time.js';
import type { Integration } from '../domain/types.js';
import { DOCS_PATH } from '../http/openapi.js';
import { startServer } from '../server.js';
import { registerAdminCommands } from './admin.js';
import { devPresetLines } from './banner.js';
import { registerExecCommand } from './exec.js';
import { exportSnapshotFile, importSnapshotFile, writeFileAtomically } from './snapshot-file.js';
import { openStore } from '../storage/open-store.js';
import { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import { UnwritableDatabaseError } from '../storage/store.js';
import type { Store } from '../storage/store.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Human-facing text goes to the terminal directly, never through the logger (secrets are printed). */
const sayOnStdout = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const sayOnStderr = (text: string): void => {
  process.stderr.write(`${text}\n`);
};
const say = sayOnStdout;

/** The port of a `http://host:port` URL. */
const portOf = (url: string): number => Number(new URL(url).port);

/** `serve --ready-json`'s one line; the README documents each field. */
interface ReadyLine {
  ready: true;
  version: string;
  pid: number;
  url: string;
  port: number;
  api_v2_url: string;
  ops_url: string | null;
  admin_url: string | null;
  /** Only a token the server generated (dev mode); a given one is never printed. */
  admin_token: string | null;
  database: 'sqlite' | 'postgres';
  /** The tenant a first start made, with the one showing of its secret; null on later starts. */
  tenant: { account_id: number; public_key: string; secret_key: string; integration_id: number } | null;
}

interface DbOptions {
  database?: string;
  json?: boolean;
}

/** A start-up error: one line that names what it is about, no stack trace, a non-zero exit. */
function fail(line: string, code = 1): never {
  process.stderr.write(`order-inbox: ${line}\n`);
  process.exit(code);
}

/** The text of an error; a connection refused on every address of a host is an AggregateError. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return [...new Set(error.errors.map(reasonOf))].join('; ');
  }
  if (error instanceof Error) return error.message || ((error as { code?: string }).code ?? error.name);
  return String(error);
}

function configFrom(overrides: ConfigOverrides): Config {
  try {
    return loadConfig(process.env, overrides);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message.replaceAll('\n', '\norder-inbox: '), 2);
    throw error;
  }
}

/** Opens (and migrates) the database; a failure names the database, without its password. */
async function openStoreNamed(config: Config, overrides: ConfigOverrides): Promise<Store> {
  try {
    return await openStore(config);
  } catch (error) {
    const setting = settingName('database', overrides);
    if (error instanceof UnwritableDatabaseError) {
      fail(`cannot write the SQLite database ${error.database} (${setting}): ${error.reason}`);
    }
    fail(`cannot open the ${describeDatabase(config.database)} (${setting}): ${reasonOf(error)}`);
  }
}

/** Why a listen failed, naming the setting (flag or variable) that chose the address or the port. */
function listenProblem(error: unknown, config: Config, overrides: ConfigOverrides): string {
  const { code, port } = error as { code?: string; port?: number };
  const ops = config.opsPort !== null && port === config.opsPort && port !== config.port;
  const host = ops ? config.opsHost : config.host;
  const where = `${host.includes(':') ? `[${host}]` : host}:${ops ? config.opsPort : config.port}`;
  const portSetting = ops ? settingName('opsPort') : settingName('port', overrides);
  const hostSetting = ops ? settingName('opsHost') : settingName('host', overrides);
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use (${portSetting} chooses another)`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied for this port (${portSetting})`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: no such address on this machine (${hostSetting})`;
    default:
      return `cannot listen on ${where} (${hostSetting}, ${portSetting}): ${reasonOf(error)}`;
  }
}

async function withStore<T>(
  options: DbOptions,
  run: (store: Store, accounts: AccountService, config: Config) => Promise<T>,
): Promise<T> {
  const overrides = { database: options.database };
  const config = configFrom(overrides);
  const store = await openStoreNamed(config, overrides);
  try {
    return await run(
      store,
      new AccountService(store, new SecretHasher(config.secretPepper), systemClock),
      config,
    );
  } finally {
    await store.close();
  }
}

/** A value as a shell word: single-quoted unless it is plainly safe. */
const shellWord = (value: string): string =>
  /^[A-Za-z0-9_./:@%+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;

function accountId(value: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`--account must be a number (got "${value}")`);
  return Number(value);
}

const program = new Command('order-inbox')
  .description("A self-hostable server that speaks Sendcloud's Integrations API v2")
  .version(pkg.version, '-v, --version');

const databaseOption = () =>
  new Option('--database <path-or-url>', 'SQLite file path or postgres:// URL (env DATABASE_URL)');

type ServeOptions = {
  port?: string;
  host?: string;
  database?: string;
  rateLimit?: string;
  adminToken?: string;
  dev?: boolean;
  import?: string;
  exportOnExit?: string;
  portFile?: string;
  readyJson?: boolean;
};

/** Addresses only this machine can reach; `--dev` anywhere else earns a warning. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

program
  .command('serve')
  .description('start the HTTP server')
  .option('--port <port>', 'port to listen on, 0 for any free port (env PORT, default 3000)')
  .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
  .addOption(databaseOption())
  .addOption(new Option('--rate-limit <on|off>', 'Sendcloud rate limits (env RATE_LIMIT, default on)'))
  .option('--admin-token <token>', 'turn the admin API on with this bearer token (env ADMIN_TOKEN)')
  .option(
    '--dev',
    'development and CI: rate limits off, webhooks captured and retried in seconds, admin API on with a generated token (printed), readable logs (env ORDER_INBOX_DEV)',
  )
  .option('--import <file>', 'import this snapshot before listening (replaces what it holds)')
  .option('--export-on-exit <file>', 'write a snapshot of the whole state here on SIGTERM/SIGINT')
  .option('--port-file <file>', 'once listening, write the port to this file (removed on exit)')
  .option(
    '--ready-json',
    'once ready, print one JSON line on stdout (url, port, admin API, …); the banner and logs go to stderr',
  )
  .action(async (options: ServeOptions) => {
    const overrides: ConfigOverrides = {
      port: options.port,
      host: options.host,
      database: options.database,
      rateLimit: options.rateLimit,
      adminToken: options.adminToken,
      dev: options.dev ? 'on' : undefined,
    };
    const loaded = configFrom(overrides);
    // With --ready-json standard output carries that one line: logs move to standard error (a file
    // named by LOG_DESTINATION stays), and so does the banner.
    const config: Config =
      options.readyJson && loaded.logDestination.kind === 'stdout'
        ? { ...loaded, logDestination: { kind: 'stderr' } }
        : loaded;
    const say = options.readyJson ? sayOnStderr : sayOnStdout;
    if (config.dev && !isLoopback(config.host)) {
      process.stderr.write(
        `order-inbox: warning: --dev on ${config.host}, which is not a loopback address: the admin API, which can read and wipe every account, is reachable from other machines\n`,
      );
    }
    const store = await openStoreNamed(config, overrides);
    if (options.import !== undefined) {
      await importSnapshotFile(store, options.import).catch(async (error: unknown) => {
        await store.close().catch(() => undefined);
        fail(`--import: ${reasonOf(error)}`);
      });
    }
    // The port is bound before anything is created: a start that cannot listen loses no secret.
    const server = await startServer(config, store).catch(async (error: unknown) => {
      await store.close().catch(() => undefined);
      const { syscall } = error as { syscall?: string };
      if (syscall !== 'listen' && syscall !== 'getaddrinfo') throw error;
      return fail(listenProblem(error, config, overrides));
    });
    const firstStart = (await store.countAccounts()) === 0;
    const tenant = firstStart
      ? await new AccountService(store, new SecretHasher(config.secretPepper), systemClock).bootstrap()
      : null;
    say(`order-inbox ${pkg.version} on ${describeDatabase(config.database)}`);
    say(
      `rate limits: ${config.rateLimit ? 'on (Sendcloud: 1000/min safe, 100/min and 15/s unsafe)' : 'off'}; failed logins lock nothing out`,
    );
    say(`documentation: ${server.ops?.url ?? server.url}${DOCS_PATH}`);
    if (config.dev) for (const line of devPresetLines(config, server.logFormat)) say(line);
    say('');
    if (tenant !== null) {
      const publicKey = tenant.issued.credential.publicKey;
      say(
        'First start: created an account, an API key pair and one integration. The secret is shown only now.',
      );
      say(`  public key      ${publicKey}`);
      say(`  secret key      ${tenant.issued.secretKey}`);
      say(`  integration id  ${tenant.integration.id}`);
      say('');
      say("Paste into a shell for the README's examples:");
      say(
        `  export ORDER_INBOX_URL=${shellWord(server.url)} PUBLIC=${shellWord(publicKey)} SECRET=${shellWord(tenant.issued.secretKey)} INTEGRATION_ID=${tenant.integration.id}`,
      );
      say('  curl -u "$PUBLIC:$SECRET" "$ORDER_INBOX_URL/api/v2/integrations/$INTEGRATION_ID/shipments"');
    } else {
      say(`  export ORDER_INBOX_URL=${shellWord(server.url)}`);
      say(
        'More credentials: npx order-inbox credentials create --account <id>  (or bootstrap --json for a new account)',
      );
    }
    if (config.adminToken !== null) {
      const where = `${server.ops?.url ?? server.url}/__admin`;
      // Dev mode shows the token it made (the one place it exists); a token that was given stays unshown.
      if (config.adminTokenGenerated) {
        say(`admin API: ${where} (dev mode; generated token below)`);
        say(
          `  export ORDER_INBOX_ADMIN_URL=${shellWord(where)} ORDER_INBOX_ADMIN_TOKEN=${shellWord(config.adminToken)}`,
        );
      } else {
        say(`admin API: ${where} (bearer token)`);
      }
    }
    if (config.panel)
      say(`panel: ${server.ops?.url ?? server.url}/panel (sign in with a key pair or the admin token)`);
    if (config.webhookDelivery === 'capture')
      say('webhooks: captured, never sent (WEBHOOK_DELIVERY=capture); see GET /__admin/webhooks');
    say('');
    if (options.portFile !== undefined) {
      const portFile = options.portFile;
      writeFileAtomically(portFile, `${portOf(server.url)}\n`);
      // Removed however the process ends, so a stale file never names a port nobody listens on.
      process.once('exit', () => rmSync(portFile, { force: true }));
    }
    if (options.readyJson) {
      const adminUrl = config.adminToken === null ? null : `${server.ops?.url ?? server.url}/__admin`;
      const ready: ReadyLine = {
        ready: true,
        version: pkg.version,
        pid: process.pid,
        url: server.url,
        port: portOf(server.url),
        api_v2_url: `${server.url}/api/v2`,
        ops_url: server.ops?.url ?? null,
        admin_url: adminUrl,
        admin_token: config.adminTokenGenerated ? config.adminToken : null,
        database: config.database.kind,
        tenant:
          tenant === null
            ? null
            : {
                account_id: tenant.accountId,
                public_key: tenant.issued.credential.publicKey,
                secret_key: tenant.issued.secretKey,
                integration_id: tenant.integration.id,
              },
      };
      sayOnStdout(JSON.stringify(ready));
    }
    say(`listening on ${server.url}`);
    const stop = (signal: string) => {
      say(`${signal}: finishing in-flight requests and closing the database`);
      // The snapshot is read once every request has been answered and the database closed, from the
      // database as it was left, so it holds every acknowledged write.
      const exportOnExit = options.exportOnExit;
      server
        .close()
        .then(async () => {
          if (exportOnExit === undefined) return;
          const last = await openStore(config);
          try {
            await exportSnapshotFile(last, exportOnExit);
            say(`snapshot written to ${exportOnExit}`);
          } finally {
            await last.close();
          }
        })
        .then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`order-inbox: error while closing: ${String(error)}\n`);
            process.exit(1);
          },
        );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

program
  .command('migrate')
  .description('apply pending database migrations (serve does this too)')
  .addOption(databaseOption())
  .action(async (options: DbOptions) => {
    const overrides = { database: options.database };
    const store = await openStoreNamed(configFrom(overrides), overrides);
    await store.close();
    say('migrations applied');
  });

program
  .command('bootstrap')
  .description('create an account with one API key pair and one "api" integration')
  .addOption(databaseOption())
  .option('--json', 'print one JSON object')
  .option('--non-partner', 'make the account a non-partner (403 on pushing shipments)')
  .action(async (options: DbOptions & { nonPartner?: boolean }) => {
    await withStore(options, async (_store, accounts) => {
      const tenant = await accounts.bootstrap(!options.nonPartner);
      const out = {
        account_id: tenant.accountId,
        public_key: tenant.issued.credential.publicKey,
        secret_key: tenant.issued.secretKey,
        integration_id: tenant.integration.id,
        webhook_signature_key: tenant.integration.webhookSignatureKey,
      };
      if (options.json) say(JSON.stringify(out));
      else for (const [key, value] of Object.entries(out)) say(`${key.padEnd(22)} ${value}`);
    });
  });

const onOff = (value: string, flag: string): boolean => {
  if (['on', 'true', 'yes', '1'].includes(value.toLowerCase())) return true;
  if (['off', 'false', 'no', '0'].includes(value.toLowerCase())) return false;
  throw new Error(`${flag} must be on or off (got "${value}")`);
};

const integrationJson = (i: Integration) => ({
  id: i.id,
  account_id: i.accountId,
  shop_name: i.shopName,
  shop_url: i.shopUrl,
  system: i.system,
  webhook_active: i.webhookActive,
  webhook_url: i.webhookUrl,
  webhook_signature_key: i.webhookSignatureKey,
});

const integrations = program.command('integrations').description('manage integrations');
integrations
  .command('create')
  .description('create an integration for an account (fires integration_connected when its webhook is on)')
  .requiredOption('--account <id>', 'the account id')
  .option('--shop-name <name>', 'shop name', 'My webshop')
  .option('--shop-url <url>', 'shop URL')
  .option('--system <system>', 'shop system', 'api')
  .option('--webhook-url <url>', 'where webhooks are sent')
  .option('--webhook-active <on|off>', 'send webhooks', 'off')
  .addOption(databaseOption())
  .option('--json', 'print JSON')
  .action(
    async (
      options: DbOptions & {
        account: string;
        shopName: string;
        shopUrl?: string;
        system: string;
        webhookUrl?: string;
        webhookActive: string;
      },
    ) => {
      await withStore(options, async (store, accounts) => {
        const id = accountId(options.account);
        if ((await store.getAccount(id)) === null) throw new Error(`no account ${id}`);
        const webhookActive = onOff(options.webhookActive, '--webhook-active');
        if (webhookActive && !options.webhookUrl) throw new Error('--webhook-active on needs --webhook-url');
        for (const [flag, url] of [
          ['--shop-url', options.shopUrl],
          ['--webhook-url', options.webhookUrl],
        ] as const) {
          if (url !== undefined && !isValidUrl(url))
            throw new Error(`${flag} must be a valid URL (got "${url}")`);
        }
        const integration = await accounts.createIntegration(id, {
          shopName: options.shopName,
          shopUrl: options.shopUrl ?? null,
          system: options.system,
          webhookActive,
          webhookUrl: options.webhookUrl ?? null,
        });
        if (options.json) say(JSON.stringify(integrationJson(integration)));
        else {
          say(`created integration ${integration.id} for account ${id}`);
          say(`webhook signature key  ${integration.webhookSignatureKey}`);
        }
      });
    },
  );
integrations
  .command('list')
  .description('list integrations, of one account or of all')
  .option('--account <id>', 'only this account')
  .addOption(databaseOption())
  .option('--json', 'print JSON lines')
  .action(async (options: DbOptions & { account?: string }) => {
    await withStore(options, async (store) => {
      const list = await store.listIntegrations(
        options.account === undefined ? null : accountId(options.account),
      );
      for (const i of list) {
        say(
          options.json
            ? JSON.stringify(integrationJson(i))
            : `${String(i.id).padStart(6)}  account ${String(i.accountId).padEnd(6)} ${i.system.padEnd(10)} ${i.shopName}`,
        );
      }
    });
  });

const credentials = program.command('credentials').description('manage API key pairs');
credentials
  .command('create')
  .description('create an API key pair for an account; the secret is printed only now')
  .requiredOption('--account <id>', 'the account id')
  .option('--oauth-only', 'refuse Basic authentication with this pair: OAuth2 tokens only')
  .addOption(databaseOption())
  .option('--json', 'print JSON')
  .action(async (options: DbOptions & { account: string; oauthOnly?: boolean }) => {
    await withStore(options, async (store, accounts) => {
      const id = accountId(options.account);
      if ((await store.getAccount(id)) === null) throw new Error(`no account ${id}`);
      const issued = await accounts.issueCredential(id, options.oauthOnly === true);
      const out = {
        account_id: id,
        public_key: issued.credential.publicKey,
        secret_key: issued.secretKey,
        oauth_only: issued.credential.oauthOnly,
      };
      if (options.json) say(JSON.stringify(out));
      else for (const [key, value] of Object.entries(out)) say(`${key.padEnd(12)} ${value}`);
    });
  });
credentials
  .command('list')
  .description('list API key pairs (public keys only: secrets are never stored)')
  .option('--account <id>', 'only this account')
  .addOption(databaseOption())
  .option('--json', 'print JSON lines')
  .action(async (options: DbOptions & { account?: string }) => {
    await withStore(options, async (store) => {
      const list = await store.listCredentials(
        options.account === undefined ? null : accountId(options.account),
      );
      for (const c of list) {
        const out = {
          account_id: c.accountId,
          public_key: c.publicKey,
          oauth_only: c.oauthOnly,
          created_at: formatDateTime(c.createdAtUs),
          revoked_at: c.revokedAtUs === null ? null : formatDateTime(c.revokedAtUs),
        };
        say(
          options.json
            ? JSON.stringify(out)
            : `${c.publicKey}  account ${String(c.accountId).padEnd(6)} ${c.revokedAtUs === null ? 'active ' : 'revoked'}${c.oauthOnly ? '  oauth2-only' : ''}`,
        );
      }
    });
  });
credentials
  .command('revoke')
  .description('revoke an API key pair and its tokens; a running server refuses them on the next request')
  .requiredOption('--public-key <key>', 'the public key')
  .addOption(databaseOption())
  .option('--json', 'print JSON')
  .action(async (options: DbOptions & { publicKey: string }) => {
    await withStore(options, async (store) => {
      const revoked = await store.revokeCredential(options.publicKey, systemClock.nowUs());
      if (options.json) say(JSON.stringify({ public_key: options.publicKey, revoked }));
      else say(revoked ? `revoked ${options.publicKey}` : `no active credential ${options.publicKey}`);
      if (!revoked) process.exitCode = 1;
    });
  });
credentials
  .command('oauth-only')
  .description('make a key pair OAuth2-only (Basic answers 401) or allow Basic again')
  .requiredOption('--public-key <key>', 'the public key')
  .argument('<on|off>')
  .addOption(databaseOption())
  .option('--json', 'print JSON')
  .action(async (value: string, options: DbOptions & { publicKey: string }) => {
    const oauthOnly = onOff(value, 'oauth-only');
    await withStore(options, async (store) => {
      const changed = await store.setCredentialOauthOnly(options.publicKey, oauthOnly);
      if (!changed) throw new Error(`no credential ${options.publicKey}`);
      say(
        options.json
          ? JSON.stringify({ public_key: options.publicKey, oauth_only: oauthOnly })
          : `oauth-only ${value}`,
      );
    });
  });

program
  .command('accounts')
  .description('manage accounts')
  .command('partner')
  .description('mark an account as a Sendcloud partner (may push shipments) or not')
  .requiredOption('--account <id>', 'the account id')
  .argument('<on|off>')
  .addOption(databaseOption())
  .option('--json', 'print JSON')
  .action(async (value: string, options: DbOptions & { account: string }) => {
    const partner = onOff(value, 'partner');
    await withStore(options, async (store) => {
      const id = accountId(options.account);
      if (!(await store.setAccountPartner(id, partner))) throw new Error(`no account ${id}`);
      say(options.json ? JSON.stringify({ account_id: id, partner }) : `account ${id} partner ${value}`);
    });
  });

program
  .command('backup')
  .description('a consistent copy of the SQLite database, taken while the server runs')
  .argument('<file>', 'where the copy goes (written to a temporary file beside it, then renamed)')
  .addOption(databaseOption())
  .action(async (file: string, options: DbOptions) => {
    const config = configFrom({ database: options.database });
    if (config.database.kind !== 'sqlite') {
      throw new Error('backup copies an SQLite database; on PostgreSQL use pg_dump (README: Backups)');
    }
    const store = await SqliteStore.open({
      path: config.database.path,
      synchronous: config.sqliteSynchronous,
      busyTimeoutMs: config.sqliteBusyTimeoutMs,
    });
    try {
      const { pages } = await store.backup(file);
      say(`backed up ${config.database.path} to ${file} (${pages} pages)`);
    } finally {
      await store.close();
    }
  });

registerAdminCommands(program, configFrom);
registerExecCommand(program, pkg.version);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`order-inbox: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

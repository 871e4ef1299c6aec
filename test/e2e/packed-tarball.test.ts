/**
 * The README's CI recipe, tried as a shop would run it: the package as `npm pack` makes it, installed
 * from the tarball as a devDependency of a small example shop, and `npx order-inbox exec -- npm test`
 * running the shop's node:test suite against it. Its own exit code comes through, 0 or not.
 *
 * The install takes the registry's packages from npm's cache (`--prefer-offline`) and skips install
 * scripts: better-sqlite3's addon, already built for this Node in the checkout, is copied rather than
 * compiled again (a compile takes minutes). `dist/` must be built (`npm test` builds first).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'order-inbox-packed-'));
const shop = join(work, 'example-shop');
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * The environment as a CI job has it: without the variable by which this runner tells a child it
 * is one of its test files (the shop's `node --test` would then skip its files).
 */
function shopEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  // One Node for the whole job, as a CI job has: the shop's npm, npx and node are the runner's own, so
  // the native addon copied from this checkout is loaded by the Node it was built for.
  env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`;
  return env;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: shopEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The example shop's suite: push an order with the exported keys, then find it in the list. */
const shopTest = `import assert from 'node:assert/strict';
import { test } from 'node:test';

const base = process.env.SENDCLOUD_BASE_URL;
const id = process.env.SENDCLOUD_INTEGRATION_ID;
const auth = 'Basic ' + Buffer.from(process.env.SENDCLOUD_PUBLIC_KEY + ':' + process.env.SENDCLOUD_SECRET_KEY).toString('base64');

test('an order pushed to Sendcloud is in its list', async () => {
  const now = new Date().toISOString();
  const pushed = await fetch(base + '/integrations/' + id + '/shipments', {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify([{ external_order_id: 'shop-1001', external_shipment_id: null, name: 'John Doe',
      address: 'Stadhuisplein 10', city: 'Eindhoven', postal_code: '5611 EM', country: 'NL',
      order_number: 'ORDER-1001', created_at: now, updated_at: now }]),
  });
  assert.equal(pushed.status, 200);
  const [result] = await pushed.json();
  assert.equal(result.status, 'created');
  const listed = await (await fetch(base + '/integrations/' + id + '/shipments', { headers: { authorization: auth } })).json();
  assert.deepEqual(listed.results.map((s) => s.order_number), [process.env.SHOP_BREAK ? 'ORDER-9999' : 'ORDER-1001']);
});
`;

describe('the CI recipe, with the packed tarball', () => {
  before(async () => {
    assert.ok(existsSync(join(repo, 'dist', 'cli', 'index.js')), 'dist/ is built (npm run build)');
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], repo);
    assert.equal(packed.code, 0, packed.stderr);
    const tarball = readdirSync(work).find((name) => /^order-inbox-.*\.tgz$/.test(name));
    assert.ok(tarball, packed.stdout);

    mkdirSync(join(shop, 'test'), { recursive: true });
    writeFileSync(
      join(shop, 'package.json'),
      JSON.stringify(
        {
          name: 'example-shop',
          version: '1.0.0',
          private: true,
          type: 'module',
          scripts: { test: 'node --test test/push.test.js' },
          devDependencies: { 'order-inbox': `file:../${tarball}` },
        },
        null,
        2,
      ),
    );
    writeFileSync(join(shop, 'test', 'push.test.js'), shopTest);
    // Optional dependencies left out, as `--omit=optional` does: logs then fall back to JSON.
    const installed = await run(
      'npm',
      ['install', '--prefer-offline', '--ignore-scripts', '--omit=optional', '--no-audit', '--no-fund'],
      shop,
    );
    assert.equal(installed.code, 0, installed.stderr);
    const addon = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const version = (dir: string) =>
      (
        JSON.parse(readFileSync(join(dir, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    if (version(shop) === version(repo)) {
      mkdirSync(join(shop, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
      copyFileSync(join(repo, addon), join(shop, addon));
    } else {
      const rebuilt = await run('npm', ['rebuild', 'better-sqlite3'], shop);
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
    }
  });

  test('npx order-inbox exec -- npm test: the shop suite passes against it, exit code 0', async () => {
    const result = await run(
      'npx',
      ['order-inbox', 'exec', '--dev', '--server-output', '--', 'npm', 'test'],
      shop,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /# pass 1\n/);
    assert.match(result.stdout, /# fail 0\n/);
    assert.ok(existsSync(join(shop, 'node_modules', 'pino-pretty')) === false);
    assert.match(
      result.stderr,
      /logs {17}JSON, one object a line \(pino-pretty, an optional dependency, is not installed\)/,
    );
  });

  test("a failing shop suite: exec exits with npm test's non-zero code", async () => {
    const result = await run('npx', ['order-inbox', 'exec', '--', 'npm', 'test'], shop, { SHOP_BREAK: '1' });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /# fail 1\n/);
    assert.match(result.stdout, /ORDER-9999/);
  });
});

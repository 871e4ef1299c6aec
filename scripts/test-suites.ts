/**
 * Runs the test files with Node's test runner, in two groups, and fails if either group fails
 * (both always run):
 *
 * - the isolated files, two at a time: each makes its own throwaway PostgreSQL database and its own
 *   SQLite files in a fresh temporary folder, listens on port 0, changes nothing server-wide, and waits
 *   only with deadlines far above what it needs;
 * - the serial files, one at a time: the suites below SERIAL, which restart or cut PostgreSQL, fill
 *   and remount filesystems, kill processes at chosen moments, bound times or memory under load, hold
 *   webhook leases, drive a browser or install the packed tarball. Run beside another file, their load
 *   and their faults would be the other file's too.
 *
 *   node --import tsx scripts/test-suites.ts [test files…]
 *
 * Without arguments it runs every `*.test.ts` under `test/`; with some, only those (in their groups).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';

/** Folders and files (prefixes of a path below `test/`) that run one file at a time. */
const SERIAL = [
  'test/faults/',
  'test/reliability/',
  'test/e2e/',
  'test/webhooks/',
  'test/panel/panel-browser.test.ts',
] as const;

/** Two cores on the machines CI runs on: one file per core. */
const CONCURRENCY = 2;

function isSerial(file: string): boolean {
  return SERIAL.some((prefix) => file.startsWith(prefix));
}

function allTestFiles(): string[] {
  return readdirSync('test', { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `test/${name}`);
}

/** `./test/x.test.ts`, an absolute path or `test/x.test.ts`: one spelling, for SERIAL's prefixes. */
function normalized(file: string): string {
  return relative(process.cwd(), resolve(file)).split(sep).join('/');
}

function run(files: string[], concurrency: number): boolean {
  if (files.length === 0) return true;
  console.log(`\n${files.length} test files, ${concurrency} at a time\n`);
  const { status, signal } = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-timeout=300000',
      '--test-reporter=spec',
      ...files,
    ],
    { stdio: 'inherit' },
  );
  return status === 0 && signal === null;
}

const files = (process.argv.length > 2 ? process.argv.slice(2) : allTestFiles()).map(normalized).sort();
const isolatedOk = run(
  files.filter((file) => !isSerial(file)),
  CONCURRENCY,
);
const serialOk = run(files.filter(isSerial), 1);
process.exitCode = isolatedOk && serialOk ? 0 : 1;

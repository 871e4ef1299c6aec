import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Stream } from './ids.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** One load run: a fixed number of connections for a fixed time, one request stream. */
export interface LoadSpec {
  /** Absolute URL of the path every request goes to. */
  url: string;
  method: 'GET' | 'POST' | 'DELETE';
  authorization: string;
  stream: Stream;
  connections: number;
  durationS: number;
  /** Core the load generator is pinned to. */
  core: number;
  /** Where the stream's upsert template is written for wrk. */
  scratchDir: string;
}

/** What the load generator saw. `sent - completed` requests were on the wire when it stopped. */
export interface LoadResult {
  sent: number;
  completed: number;
  ok: number;
  other: number;
  statuses: Record<string, number>;
  socketErrors: number;
  durationS: number;
  p50Ms: number;
  p99Ms: number;
}

export type LoadGenerator = 'wrk' | 'autocannon';

/** wrk when installed (as the anchors were measured), else autocannon. */
export function pickLoadGenerator(preferred?: string): LoadGenerator {
  if (preferred === 'wrk' || preferred === 'autocannon') return preferred;
  const inPath = (process.env.PATH ?? '')
    .split(':')
    .some((dir) => dir !== '' && existsSync(join(dir, 'wrk')));
  return inPath ? 'wrk' : 'autocannon';
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${command} exited with ${code}: ${err.trim() || out.trim()}`));
    });
  });
}

function parseResult(output: string): LoadResult {
  const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (line === undefined) throw new Error(`load generator printed no result:\n${output}`);
  const raw = JSON.parse(line.slice('BENCH_RESULT '.length)) as {
    sent: number;
    ok: number;
    other: number;
    completed: number;
    duration_us: number;
    p50_us: number;
    p99_us: number;
    socket_errors: number;
    statuses: Record<string, number>;
  };
  return {
    sent: raw.sent,
    completed: raw.completed,
    ok: raw.ok,
    other: raw.other,
    statuses: raw.statuses,
    socketErrors: raw.socket_errors,
    durationS: raw.duration_us / 1e6,
    p50Ms: raw.p50_us / 1000,
    p99Ms: raw.p99_us / 1000,
  };
}

export async function runLoad(generator: LoadGenerator, spec: LoadSpec): Promise<LoadResult> {
  if (generator === 'wrk') {
    let templatePath = '-';
    if (spec.stream.kind === 'upsert') {
      templatePath = join(spec.scratchDir, 'upsert-template.json');
      writeFileSync(templatePath, spec.stream.template);
    }
    // One thread: the generator has one core, and one Lua state keeps the numbering strictly sequential.
    const output = await run('taskset', [
      '-c',
      String(spec.core),
      'wrk',
      '-t1',
      `-c${spec.connections}`,
      `-d${spec.durationS}s`,
      '--timeout',
      '30s',
      '-s',
      join(HERE, 'wrk', 'stream.lua'),
      spec.url,
      '--',
      spec.stream.kind,
      String(spec.stream.start),
      String(spec.stream.orders),
      templatePath,
      spec.authorization,
      spec.method,
    ]);
    return parseResult(output);
  }
  const output = await run('taskset', [
    '-c',
    String(spec.core),
    process.execPath,
    '--import',
    'tsx',
    join(HERE, 'load-autocannon.ts'),
    JSON.stringify(spec),
  ]);
  return parseResult(output);
}

/**
 * The autocannon driver, run as its own process (pinned by the runner, like wrk). Same stream, same
 * counters and the same one-line result as `wrk/stream.lua`, so the runner reads either.
 */
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { bodyFor, pathFor, perRequest } from './ids.js';
import type { LoadSpec } from './load.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const url = new URL(spec.url);
let n = spec.stream.start;
let sent = 0;
let ok = 0;
let other = 0;
const statuses: Record<string, number> = {};
const headers: Record<string, string> = { authorization: spec.authorization };
if (spec.method === 'POST') headers['content-type'] = 'application/json';

const instance = autocannon(
  {
    url: url.origin,
    connections: spec.connections,
    duration: spec.durationS,
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        method: spec.method,
        path: url.pathname,
        headers,
        setupRequest: (request) => {
          const body = bodyFor(spec.stream, n);
          const path = pathFor(spec.stream, url.pathname, n);
          n += perRequest(spec.stream);
          sent++;
          return body === null ? { ...request, path } : { ...request, path, body };
        },
      },
    ],
  },
  (error, result) => {
    if (error) throw error;
    report(result);
  },
);

instance.on('response', (_client, statusCode) => {
  if (statusCode >= 200 && statusCode < 300) ok++;
  else {
    other++;
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  }
});

function report(result: Result): void {
  const line = {
    sent,
    ok,
    other,
    completed: ok + other,
    duration_us: Math.round(result.duration * 1e6),
    p50_us: Math.round(result.latency.p50 * 1000),
    p99_us: Math.round(result.latency.p99 * 1000),
    socket_errors: result.errors + result.timeouts,
    statuses,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(line)}\n`);
}

/**
 * The ceiling: what bare `node:http` does for a request with no application behind it. It
 * reads the body, parses it as JSON, compares the Authorization header with a constant and answers 204.
 * Every scenario's requests go here too, so each row of the table has its own ceiling.
 */
import { createServer } from 'node:http';

const expected = process.env.BENCH_AUTHORIZATION ?? '';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.headers.authorization !== expected) {
      response.writeHead(401).end();
      return;
    }
    if (chunks.length > 0) {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        response.writeHead(400).end();
        return;
      }
    }
    response.writeHead(204).end();
  });
});

server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

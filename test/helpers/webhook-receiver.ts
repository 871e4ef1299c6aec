import { createServer } from 'node:http';
import type { Server } from 'node:http';

export interface Receiver {
  url: string;
  /** TCP connections accepted, whether or not a request followed. */
  connections: () => number;
  received: { body: string; signature: string | undefined }[];
  server: Server;
}

/** A real webhook receiver on loopback; answers 500 to the first `failures` requests, then 200. */
export async function receiver(failures = 0): Promise<Receiver> {
  const received: Receiver['received'] = [];
  let connections = 0;
  let seen = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen++;
      if (seen <= failures) {
        res.writeHead(500).end();
        return;
      }
      received.push({ body, signature: req.headers['sendcloud-signature'] as string | undefined });
      res.writeHead(200).end();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/sendcloud`,
    connections: () => connections,
    received,
    server,
  };
}

/** What `read` finds once the receiver has got it (a delivery is sent after the answer), or a timeout error. */
export async function until<T>(read: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

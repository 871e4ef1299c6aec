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

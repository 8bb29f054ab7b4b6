import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpTestServer {
  origin: string;
  port: number;
  /** Paths requested so far, in order: proves whether a request reached the server at all. */
  requests: string[];
  /** User agents seen, in order. */
  userAgents: (string | undefined)[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a random port, recording what reached it. */
export async function startHttpTestServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<HttpTestServer> {
  const requests: string[] = [];
  const userAgents: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    userAgents.push(request.headers['user-agent']);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    userAgents,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Routes that never answer keep their sockets open; drop them so close() can finish.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

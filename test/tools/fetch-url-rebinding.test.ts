/**
 * Proves the request connects to the address that was checked, not to a fresh answer from DNS. DNS is scripted
 * to rebind `localhost`: its first answer is a public (documentation-range) address, every later one is the
 * real 127.0.0.1 where the test server listens. A client that resolves again when it connects reaches the
 * server; one pinned to the checked address tries 203.0.113.7, which watchConnections stops before any packet
 * leaves the machine.
 */
import { isIP } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { createFetchUrlTool } from '../../src/tools/builtin/fetch-url.js';
import { startHttpTestServer, type HttpTestServer } from './http-test-server.js';
import { toolContext } from './tool-context.js';
import { watchConnections, type ConnectionWatch } from './watch-connections.js';

/** Host → the answers its next lookups get, one each; once used up, the host resolves for real. */
const scripted = vi.hoisted(() => new Map<string, string[]>());

vi.mock('node:dns/promises', async (importOriginal) => {
  const dns = await importOriginal<typeof import('node:dns/promises')>();
  return {
    ...dns,
    lookup: (host: string, options: { all: true }) => {
      const address = scripted.get(host)?.shift();
      return address ? Promise.resolve([{ address, family: isIP(address) }]) : dns.lookup(host, options);
    },
  };
});

let server: HttpTestServer;
let connections: ConnectionWatch;

beforeAll(async () => {
  server = await startHttpTestServer((request, response) => {
    if (request.url === '/to-rebinding-host') {
      return response.writeHead(302, { location: `http://localhost:${server.port}/secret` }).end();
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end('internal secret');
  });
});

afterAll(() => server.close());

beforeEach(() => {
  connections = watchConnections();
});

afterEach(() => {
  connections.stop();
  scripted.clear();
});

const tool = createFetchUrlTool({ allowPrivateNetworks: false, maxBytes: 10_000, timeoutMs: 5_000, maxRedirects: 5 });

function fetchUrl(url: string) {
  return tool.execute(tool.input.parse({ url }), toolContext());
}

it('connects to the checked address when the host answers 127.0.0.1 on the next lookup', async () => {
  scripted.set('localhost', ['203.0.113.7', '127.0.0.1']);
  const before = server.requests.length;

  await expect(fetchUrl(`http://localhost:${server.port}/secret`)).rejects.toThrow(/connection to 203\.0\.113\.7/);
  expect(connections.lookups).toEqual(['203.0.113.7']);
  expect(server.requests.slice(before)).toEqual([]);
});

it('connects to the checked address on a redirect hop too', async () => {
  // The first hop must pass the check and still reach the test server: its IP literal is checked as public
  // and, being a literal, connected to as written.
  scripted.set('127.0.0.1', ['203.0.113.8']);
  scripted.set('localhost', ['203.0.113.7', '127.0.0.1']);
  const before = server.requests.length;

  await expect(fetchUrl(`${server.origin}/to-rebinding-host`)).rejects.toThrow(/connection to 203\.0\.113\.7/);
  expect(connections.lookups).toEqual(['203.0.113.7']);
  expect(server.requests.slice(before)).toEqual(['/to-rebinding-host']);
});

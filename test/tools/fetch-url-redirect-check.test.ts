/**
 * Proves every redirect hop is checked, not only the first. The first hop has to pass the check and still
 * reach the local test server, so DNS is made to answer a public (documentation-range) address for the test
 * server's IP literal only; the request connects to that literal as written (an IP literal is never resolved
 * again), and every other name resolves for real.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createFetchUrlTool } from '../../src/tools/builtin/fetch-url.js';
import { startHttpTestServer, type HttpTestServer } from './http-test-server.js';
import { toolContext } from './tool-context.js';

const pretendPublic = vi.hoisted(() => new Set<string>());

vi.mock('node:dns/promises', async (importOriginal) => {
  const dns = await importOriginal<typeof import('node:dns/promises')>();
  return {
    ...dns,
    lookup: (host: string, options: { all: true }) =>
      pretendPublic.has(host) ? Promise.resolve([{ address: '203.0.113.7', family: 4 }]) : dns.lookup(host, options),
  };
});

let server: HttpTestServer;

beforeAll(async () => {
  server = await startHttpTestServer((request, response) => {
    if (request.url === '/to-localhost') {
      return response.writeHead(302, { location: `http://localhost:${server.port}/secret` }).end();
    }
    if (request.url === '/to-metadata') {
      return response.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end('public page');
  });
  pretendPublic.add('127.0.0.1');
});

afterAll(() => server.close());

const tool = createFetchUrlTool({ allowPrivateNetworks: false, maxBytes: 10_000, timeoutMs: 5_000, maxRedirects: 5 });

function fetchUrl(url: string) {
  return tool.execute(tool.input.parse({ url }), toolContext());
}

it('fetches a host that resolves to a public address', async () => {
  const result = await fetchUrl(`${server.origin}/hello`);

  expect(result).toMatchObject({ status: 200, text: 'public page' });
});

it.each([
  ['/to-localhost', /refused http:\/\/localhost:\d+: localhost resolves to/],
  ['/to-metadata', /refused http:\/\/169\.254\.169\.254: .*169\.254\.169\.254/],
])('refuses a redirect (%s) to an internal address before following it', async (path, message) => {
  const before = server.requests.length;

  await expect(fetchUrl(`${server.origin}${path}`)).rejects.toThrow(message);
  expect(server.requests.slice(before)).toEqual([path]);
});

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createFetchUrlTool, type FetchUrlOptions } from '../../src/tools/builtin/fetch-url.js';
import { startHttpTestServer, type HttpTestServer } from './http-test-server.js';
import { toolContext } from './tool-context.js';
import { watchConnections } from './watch-connections.js';

const PAGE = `<!doctype html>
<html>
  <head><title>Tides &amp; Currents</title><style>p { color: red }</style></head>
  <body>
    <script>window.secret = "do-not-show"</script>
    <h1>Spring tides</h1>
    <p>They follow the <a href="/moon-phases">new and full moon</a>.</p>
    <img src="/chart.png" alt="tide chart">
  </body>
</html>`;

let server: HttpTestServer;

beforeAll(async () => {
  server = await startHttpTestServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://test');
    const hops = /^\/redirect\/(\d+)$/.exec(url.pathname);
    if (hops) {
      const left = Number(hops[1]);
      if (left === 0) return response.writeHead(200, { 'content-type': 'text/plain' }).end('arrived');
      return response.writeHead(302, { location: `/redirect/${left - 1}` }).end();
    }
    switch (url.pathname) {
      case '/page':
        return response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      case '/data':
        return response.writeHead(200, { 'content-type': 'application/json' }).end('{"tide":"high","metres":4.2}');
      case '/big':
        return response.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(500_000));
      case '/missing':
        return response.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
      case '/image':
        return response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(64));
      case '/to-file':
        return response.writeHead(301, { location: 'file:///etc/passwd' }).end();
      case '/hang':
        return; // never answers
      default:
        return response.writeHead(500).end();
    }
  });
});

afterAll(() => server.close());

const OPEN: FetchUrlOptions = { allowPrivateNetworks: true, maxBytes: 100_000, timeoutMs: 5_000, maxRedirects: 3 };

function fetchUrl(url: string, options: Partial<FetchUrlOptions> = {}) {
  const tool = createFetchUrlTool({ ...OPEN, ...options });
  return tool.execute(tool.input.parse({ url }), toolContext());
}

describe('fetch_url against a local server', () => {
  it('turns an HTML page into readable text with its title', async () => {
    const result = await fetchUrl(`${server.origin}/page`);

    expect(result).toMatchObject({
      url: `${server.origin}/page`,
      status: 200,
      contentType: 'text/html',
      title: 'Tides & Currents',
      truncated: false,
    });
    expect(result.text).toContain('Spring tides');
    expect(result.text).toContain('They follow the new and full moon.');
    for (const noise of ['/moon-phases', 'chart.png', 'do-not-show', 'color: red']) {
      expect(result.text).not.toContain(noise);
    }
    expect(server.userAgents.at(-1)).toBe('Longhaul/0.1 (+fetch_url tool)');
  });

  it('returns a JSON body as is', async () => {
    const result = await fetchUrl(`${server.origin}/data`);

    expect(result).toEqual({
      url: `${server.origin}/data`,
      status: 200,
      contentType: 'application/json',
      text: '{"tide":"high","metres":4.2}',
      truncated: false,
    });
  });

  it('reads at most maxBytes and says the text was truncated', async () => {
    const result = await fetchUrl(`${server.origin}/big`, { maxBytes: 1_000 });

    expect(result.truncated).toBe(true);
    expect(result.text).toBe('x'.repeat(1_000));
  });

  it('returns a 404 with its status instead of failing', async () => {
    const result = await fetchUrl(`${server.origin}/missing`);

    expect(result).toMatchObject({ status: 404, text: 'no such page' });
  });

  it('refuses a content type it cannot read', async () => {
    await expect(fetchUrl(`${server.origin}/image`)).rejects.toThrow(/unsupported content type "image\/png"/);
  });

  it('gives up after timeoutMs on a server that never answers', async () => {
    const started = Date.now();

    await expect(fetchUrl(`${server.origin}/hang`, { timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('follows up to maxRedirects redirects and reports the final URL', async () => {
    const result = await fetchUrl(`${server.origin}/redirect/3`);

    expect(result).toMatchObject({ url: `${server.origin}/redirect/0`, status: 200, text: 'arrived' });
  });

  it('fails on a redirect chain longer than maxRedirects', async () => {
    const before = server.requests.length;

    await expect(fetchUrl(`${server.origin}/redirect/4`)).rejects.toThrow(/more than 3 redirects/);
    expect(server.requests.slice(before)).toEqual(['/redirect/4', '/redirect/3', '/redirect/2', '/redirect/1']);
  });

  it('refuses a redirect to a non-http URL', async () => {
    await expect(fetchUrl(`${server.origin}/to-file`)).rejects.toThrow(/non-http URL \(file:\)/);
  });
});

describe('fetch_url address check', () => {
  const STRICT: Partial<FetchUrlOptions> = { allowPrivateNetworks: false };

  it('refuses the local test server before any request reaches it', async () => {
    const connections = watchConnections();
    onTestFinished(connections.stop);
    const before = server.requests.length;

    await expect(fetchUrl(`${server.origin}/page`, STRICT)).rejects.toThrow(/refused .*127\.0\.0\.1/);
    expect(server.requests.length).toBe(before);
    expect(connections.opened).toBe(0);
  });

  it.each([
    ['localhost', 'http://localhost/'],
    ['IPv6 loopback', 'http://[::1]/'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['10/8', 'http://10.0.0.1/'],
    ['172.16/12', 'https://172.31.255.1/'],
    ['192.168/16', 'http://192.168.1.1/'],
    ['CGNAT', 'http://100.64.0.1/'],
    ['unspecified', 'http://0.0.0.0/'],
    ['multicast', 'http://224.0.0.1/'],
    ['decimal loopback', 'http://2130706433/'],
    ['IPv6 unique-local', 'http://[fd00::1]/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['IPv4-mapped metadata', 'http://[::ffff:169.254.169.254]/'],
    ['NAT64 to a private address', 'http://[64:ff9b::10.0.0.1]/'],
  ])('refuses %s (%s) without opening a connection', async (_label, url) => {
    const connections = watchConnections();
    onTestFinished(connections.stop);

    await expect(fetchUrl(url, STRICT)).rejects.toThrow(/fetch_url refused .*internal address/);
    expect(connections.opened).toBe(0);
  });

  it.each([
    ['IPv4-mapped', '[::ffff:127.0.0.1]'],
    ['IPv4-compatible', '[::127.0.0.1]'],
    ['IPv4-translated', '[::ffff:0:127.0.0.1]'],
    ['NAT64 well-known prefix', '[64:ff9b::127.0.0.1]'],
    ['NAT64 local-use prefix', '[64:ff9b:1::127.0.0.1]'],
    ['6to4', '[2002:7f00:1::1]'],
    ['Teredo, as the client', '[2001:0:808:808::80ff:fffe]'],
    ['Teredo, as the server', '[2001:0:7f00:1::f7f7:f7f7]'],
    ['ISATAP', '[2001:db8::5efe:127.0.0.1]'],
    ['ISATAP, u bit set', '[2001:db8::200:5efe:127.0.0.1]'],
  ])('refuses an IPv6 host carrying 127.0.0.1 as %s (%s) without opening a connection', async (_form, host) => {
    const connections = watchConnections();
    onTestFinished(connections.stop);

    await expect(fetchUrl(`http://${host}:${server.port}/page`, { ...STRICT, timeoutMs: 1_000 })).rejects.toThrow(
      /fetch_url refused .*internal address/,
    );
    expect(connections.opened).toBe(0);
  });
});

describe('fetch_url input schema', () => {
  const { input } = createFetchUrlTool(OPEN);

  it.each(['file:///etc/passwd', 'ftp://example.com/', 'javascript:alert(1)', 'example.com/page'])(
    'rejects %s',
    (url) => {
      expect(input.safeParse({ url }).success).toBe(false);
    },
  );

  it('rejects URLs longer than 2048 characters', () => {
    const base = 'https://example.com/';

    expect(input.safeParse({ url: base + 'a'.repeat(2048 - base.length) }).success).toBe(true);
    expect(input.safeParse({ url: base + 'a'.repeat(2049 - base.length) }).success).toBe(false);
  });
});

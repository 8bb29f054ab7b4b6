import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentRegistry } from '../../src/agents/agent-registry.js';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { ConfigError, parseConfig } from '../../src/config.js';
import { createFetchUrlTool } from '../../src/tools/builtin/fetch-url.js';
import { hostAllowed } from '../../src/tools/egress-hosts.js';
import { startHttpTestServer, type HttpTestServer } from './http-test-server.js';
import { toolContext } from './tool-context.js';

describe('egress host patterns', () => {
  const allowed = (url: string, patterns: string[]) => hostAllowed(new URL(url), patterns);

  it('matches exact hosts, subdomains of a wildcard (not the bare domain) and pinned ports', () => {
    expect(allowed('https://example.com/a', ['example.com'])).toBe(true);
    expect(allowed('https://EXAMPLE.com./a', ['example.com'])).toBe(false);
    expect(allowed('https://evil-example.com/', ['example.com'])).toBe(false);
    expect(allowed('https://docs.example.com/', ['*.example.com'])).toBe(true);
    expect(allowed('https://a.b.example.com/', ['*.example.com'])).toBe(true);
    expect(allowed('https://example.com/', ['*.example.com'])).toBe(false);
    expect(allowed('https://example.com.evil.net/', ['*.example.com'])).toBe(false);
    expect(allowed('http://127.0.0.1:8080/', ['127.0.0.1:8080'])).toBe(true);
    expect(allowed('http://127.0.0.1:8081/', ['127.0.0.1:8080'])).toBe(false);
    expect(allowed('https://example.com/', ['example.com:443'])).toBe(true);
    expect(allowed('http://example.com/', ['example.com:443'])).toBe(false);
    expect(allowed('http://[::1]:3000/', ['[::1]'])).toBe(true);
    // WHATWG normalises other spellings of an address or name before the comparison.
    expect(allowed('http://2130706433/', ['127.0.0.1'])).toBe(true);
    expect(allowed('https://BÜCHER.example/', ['xn--bcher-kva.example'])).toBe(true);
    expect(allowed('https://anything.net/', [])).toBe(true);
  });

  it('validates LONGHAUL_FETCH_ALLOWED_HOSTS at start, naming the variable', () => {
    expect(
      parseConfig({ LONGHAUL_FETCH_ALLOWED_HOSTS: ' example.com, *.docs.example.com ,127.0.0.1:8080' })
        .LONGHAUL_FETCH_ALLOWED_HOSTS,
    ).toEqual(['example.com', '*.docs.example.com', '127.0.0.1:8080']);
    expect(parseConfig({}).LONGHAUL_FETCH_ALLOWED_HOSTS).toEqual([]);
    for (const bad of ['https://example.com', 'example.com/path', '*', 'a.*.com', 'example.com:99999']) {
      expect(() => parseConfig({ LONGHAUL_FETCH_ALLOWED_HOSTS: bad }), bad).toThrow(ConfigError);
      expect(() => parseConfig({ LONGHAUL_FETCH_ALLOWED_HOSTS: bad }), bad).toThrow(/LONGHAUL_FETCH_ALLOWED_HOSTS/);
    }
  });

  it('refuses an agent whose allowed hosts are not host patterns', () => {
    const agent = (allowedHosts: string[]) =>
      defineAgent({
        name: 'a',
        version: '1',
        description: 'd',
        tools: [],
        systemPrompt: () => '',
        egress: { allowedHosts },
      });
    expect(() => createAgentRegistry([agent(['https://example.com/'])])).toThrow(
      /agent "a": allowed host "https:\/\/example.com\/"/,
    );
    expect(createAgentRegistry([agent(['*.example.com'])]).get('a')).toBeDefined();
  });
});

describe("fetch_url and the deployment's allowed hosts", () => {
  let target: HttpTestServer;
  let redirector: HttpTestServer;
  beforeAll(async () => {
    target = await startHttpTestServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'text/plain' }).end('there'),
    );
    redirector = await startHttpTestServer((_request, response) =>
      response.writeHead(302, { location: `http://localhost:${target.port}/leak?data=secret` }).end(),
    );
  });
  afterAll(async () => {
    await target.close();
    await redirector.close();
  });

  it('refuses a redirect to a host outside the list before connecting to it', async () => {
    const tool = createFetchUrlTool({
      allowPrivateNetworks: true,
      maxBytes: 10_000,
      timeoutMs: 5_000,
      maxRedirects: 3,
      allowedHosts: ['127.0.0.1'],
    });
    await expect(tool.execute({ url: `${redirector.origin}/go` }, toolContext())).rejects.toThrow(
      /refused http:\/\/localhost:\d+: localhost is not an allowed host/,
    );
    expect(redirector.requests).toEqual(['/go']);
    expect(target.requests).toEqual([]);
  });
});

/**
 * X-Forwarded-For and X-Forwarded-Proto are the client's own words unless a proxy we run wrote them. The API
 * believes them only when LONGHAUL_TRUST_PROXY says proxies sit in front, and of X-Forwarded-For only the
 * entries those proxies appended. A route added after the app's own reports what Koa made of the request (asked
 * with POST: the web app answers every GET path it does not leave to the API).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { ConfigError, parseConfig } from '../../src/config.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startApiBeside } from './api-beside-harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h?.close());

/** What the API takes the caller's address and scheme to be, for a request sent with these forwarding headers. */
async function seenBy(config: Partial<Config>, forwarded: { for: string; proto: string }) {
  const api = await startApiBeside(h, {
    config,
    after: async (ctx, next) => {
      if (ctx.path !== '/test/client') return next();
      ctx.body = { ip: ctx.ip, protocol: ctx.protocol };
    },
  });
  try {
    const response = await fetch(`${api.url}/test/client`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.apiKey}`,
        'x-forwarded-for': forwarded.for,
        'x-forwarded-proto': forwarded.proto,
      },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { ip: string; protocol: string };
  } finally {
    await api.close();
  }
}

describe('LONGHAUL_TRUST_PROXY', () => {
  it('is off unless set, and takes true, false or a number of proxies', () => {
    expect(parseConfig({}).LONGHAUL_TRUST_PROXY).toBe(0);
    expect(parseConfig({ LONGHAUL_TRUST_PROXY: 'false' }).LONGHAUL_TRUST_PROXY).toBe(0);
    expect(parseConfig({ LONGHAUL_TRUST_PROXY: 'true' }).LONGHAUL_TRUST_PROXY).toBe(1);
    expect(parseConfig({ LONGHAUL_TRUST_PROXY: '2' }).LONGHAUL_TRUST_PROXY).toBe(2);
    expect(() => parseConfig({ LONGHAUL_TRUST_PROXY: 'yes' })).toThrow(ConfigError);
    expect(() => parseConfig({ LONGHAUL_TRUST_PROXY: 'yes' })).toThrow(/LONGHAUL_TRUST_PROXY="yes"/);
  });

  it('unset: the client address is the connection’s, whatever X-Forwarded-* say', async () => {
    const seen = await seenBy({}, { for: '203.0.113.9', proto: 'https' });

    expect(seen).toEqual({ ip: '127.0.0.1', protocol: 'http' });
  });

  it('one proxy: the address that proxy appended, not one the client wrote before it', async () => {
    const seen = await seenBy({ LONGHAUL_TRUST_PROXY: 1 }, { for: '198.51.100.1, 203.0.113.9', proto: 'https' });

    expect(seen).toEqual({ ip: '203.0.113.9', protocol: 'https' });
  });

  it('two proxies: the address the outer one appended', async () => {
    const seen = await seenBy(
      { LONGHAUL_TRUST_PROXY: 2 },
      { for: '198.51.100.1, 203.0.113.9, 10.0.0.5', proto: 'https' },
    );

    expect(seen).toEqual({ ip: '203.0.113.9', protocol: 'https' });
  });
});

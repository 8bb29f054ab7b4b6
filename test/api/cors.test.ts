/**
 * CORS for a chat page on another origin: only origins in LONGHAUL_CORS_ORIGINS get CORS headers, on the
 * preflight and on the real response (with the Longhaul headers a browser client reads exposed); every other
 * origin, and every origin when the list is empty (the default), gets none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startApiBeside } from './api-beside-harness.js';

const ALLOWED = 'https://chat.example.test';
const ALSO_ALLOWED = 'http://localhost:5173';
const OTHER = 'https://evil.example.test';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ LONGHAUL_CORS_ORIGINS: `${ALLOWED}, ${ALSO_ALLOWED}` });
});
afterAll(() => h?.close());

const corsHeaders = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

const preflight = (url: string, origin: string) =>
  fetch(`${url}/api/chat`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-longhaul-ui-version',
    },
  });

describe('CORS with an allowlist', () => {
  it('answers a preflight from an allowed origin with what a browser client needs', async () => {
    for (const origin of [ALLOWED, ALSO_ALLOWED]) {
      const response = await preflight(h.apiUrl, origin);

      expect(response.status).toBe(204);
      expect(corsHeaders(response)).toEqual({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET,POST,PATCH,DELETE',
        'access-control-allow-headers': 'authorization,content-type,last-event-id,x-longhaul-ui-version',
        'access-control-max-age': '600',
      });
      expect(response.headers.get('vary')).toMatch(/origin/i);
    }
  });

  it('exposes the Longhaul headers on a real response to an allowed origin, errors included', async () => {
    const ok = await h.api('/v1/threads', { headers: { origin: ALLOWED } });
    expect(ok.status).toBe(200);
    expect(corsHeaders(ok)).toEqual({
      'access-control-allow-origin': ALLOWED,
      'access-control-expose-headers':
        'x-longhaul-thread-id,x-longhaul-completion-id,x-vercel-ai-ui-message-stream,retry-after',
    });

    const refused = await fetch(`${h.apiUrl}/v1/threads`, { headers: { origin: ALLOWED } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('gives an origin not on the list no CORS headers, on the preflight or the response', async () => {
    const refusedPreflight = await preflight(h.apiUrl, OTHER);
    expect(corsHeaders(refusedPreflight)).toEqual({});

    const response = await h.api('/v1/threads', { headers: { origin: OTHER } });
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual({});
  });

  it('matches origins exactly: no prefix, suffix or scheme variants', async () => {
    for (const origin of [`${ALLOWED}.evil.test`, 'http://chat.example.test', `${ALLOWED}:8443`, 'null']) {
      expect(corsHeaders(await preflight(h.apiUrl, origin))).toEqual({});
    }
  });
});

describe('CORS by default', () => {
  it('sends no CORS headers to any origin', async () => {
    const api = await startApiBeside(h, { config: { LONGHAUL_CORS_ORIGINS: [] } });
    try {
      expect(corsHeaders(await preflight(api.url, ALLOWED))).toEqual({});
      const response = await fetch(`${api.url}/v1/threads`, {
        headers: { origin: ALLOWED, authorization: `Bearer ${h.apiKey}` },
      });
      expect(response.status).toBe(200);
      expect(corsHeaders(response)).toEqual({});
    } finally {
      await api.close();
    }
  });

  it('takes exact origins only: no wildcard, path or trailing slash', () => {
    expect(parseConfig({}).LONGHAUL_CORS_ORIGINS).toEqual([]);
    expect(
      parseConfig({ LONGHAUL_CORS_ORIGINS: ' https://a.test ,http://localhost:3000' }).LONGHAUL_CORS_ORIGINS,
    ).toEqual(['https://a.test', 'http://localhost:3000']);
    for (const bad of ['*', 'https://a.test/', 'https://a.test/app', 'a.test', 'https://*.a.test']) {
      expect(() => parseConfig({ LONGHAUL_CORS_ORIGINS: bad })).toThrow(ConfigError);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from '../support/harness.js';
import { WEB_APP_DIR } from '../../src/api/static-app.js';

describe('the API serves the built web app at / without shadowing its own routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const get = (path: string, init: RequestInit = {}) => fetch(`${h.apiUrl}${path}`, init);
  const indexHtml = () => readFileSync(join(WEB_APP_DIR, 'index.html'), 'utf8');

  it('answers / and every app path with index.html, revalidated on each load', async () => {
    for (const path of ['/', '/approvals', '/threads/abc', '/threads/abc/audit']) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toBe(indexHtml());
    }
  });

  it('serves hashed assets for a year, and HEAD without a body', async () => {
    const asset = readdirSync(join(WEB_APP_DIR, 'assets')).find((name) => name.endsWith('.js'))!;
    const response = await get(`/assets/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await response.text()).length).toBeGreaterThan(0);
    const head = await get(`/assets/${asset}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(response.headers.get('content-length'));
    expect(await head.text()).toBe('');
  });

  it('leaves the API’s paths, missing files and other methods to the API', async () => {
    expect((await get('/v1/threads')).status).toBe(401);
    expect((await get('/api/chat/x/stream')).status).toBe(401);
    expect((await get('/v1/nothing-here')).status).toBe(401);
    expect((await get('/ag-ui')).status).toBe(401);
    expect((await get('/healthz')).headers.get('content-type')).toContain('application/json');
    expect((await get('/assets/missing.js')).status).toBe(401);
    expect((await get('/', { method: 'POST' })).status).toBe(401);
    const threads = await h.api('/v1/threads');
    expect(threads.status).toBe(200);
    expect(await threads.json()).toHaveProperty('threads');
  });
});

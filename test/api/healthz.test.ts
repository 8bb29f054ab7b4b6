/**
 * /healthz answers load balancers without a key, so it says only which dependency is down; why (messages that
 * name hosts, ports and roles) goes to callers with a valid API key. The down dependency is a Redis on a port
 * nothing listens on, given to an API of this test's own: the shared services stay up.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { startApiBeside } from './api-beside-harness.js';

let h: Harness;
let downRedis: Redis;
let degraded: Awaited<ReturnType<typeof startApiBeside>>;
let closedPort: number;

/** A port that was free a moment ago and has nothing listening now. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  h = await startHarness();
  closedPort = await unusedPort();
  downRedis = new Redis({ host: '127.0.0.1', port: closedPort, lazyConnect: true, retryStrategy: () => null });
  downRedis.on('error', () => {}); // refused on purpose
  degraded = await startApiBeside(h, { redis: downRedis });
});

afterAll(async () => {
  await degraded?.close();
  downRedis?.disconnect();
  await h?.close();
});

async function healthz(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/healthz`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/healthz with Redis down', () => {
  it('tells a caller without a key which dependency is down and nothing more', async () => {
    const { status, body } = await healthz(degraded.url);

    expect(status).toBe(503);
    expect(body).toEqual({ status: 'degraded', checks: { postgres: 'ok', redis: 'error', temporal: 'ok' } });
  });

  it('tells a caller with an invalid key no more than one without', async () => {
    const { status, body } = await healthz(degraded.url, { authorization: 'Bearer not-a-key' });

    expect(status).toBe(503);
    expect(body).toEqual({ status: 'degraded', checks: { postgres: 'ok', redis: 'error', temporal: 'ok' } });
  });

  it('tells a caller with a valid API key why', async () => {
    const { status, body } = await healthz(degraded.url, { authorization: `Bearer ${h.apiKey}` });

    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'degraded', checks: { postgres: 'ok', redis: 'error', temporal: 'ok' } });
    expect(body.errors).toEqual({ redis: expect.stringMatching(/\S/) });
  });
});

describe('/healthz with every dependency up', () => {
  it('answers ok to a caller without a key', async () => {
    const { status, body } = await healthz(h.apiUrl);

    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok', temporal: 'ok' } });
  });
});

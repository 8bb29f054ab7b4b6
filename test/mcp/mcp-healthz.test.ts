/**
 * /healthz names each MCP server's state. A server that is down leaves the API healthy (200): every replica sees
 * the same server, so pulling replicas out of rotation would turn a missing tool into an outage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestMcpServer, type TestMcpServer } from './mcp-test-server.js';

describe('/healthz and MCP servers', () => {
  let h: Harness;
  let docs: TestMcpServer;
  let late: TestMcpServer | undefined;
  let latePort: number;

  beforeAll(async () => {
    docs = await startTestMcpServer();
    const reserved = await startTestMcpServer();
    latePort = reserved.port;
    await reserved.close();
    h = await startHarness(
      {},
      {
        mcpServers: [
          { name: 'docs', url: docs.url },
          { name: 'late', url: `http://127.0.0.1:${latePort}/mcp` },
        ],
      },
    );
  });
  afterAll(async () => {
    await h?.close();
    await docs?.close();
    await late?.close();
  });

  async function healthz(headers: Record<string, string> = {}) {
    const response = await fetch(`${h.apiUrl}/healthz`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('reports a server that is down at start as down, the API still healthy', async () => {
    const { status, body } = await healthz();
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok', temporal: 'ok' },
      mcpServers: { docs: 'up', late: 'down' },
    });
  });

  it('tells only a caller with a valid key why the server is down', async () => {
    const anonymous = await healthz({ authorization: 'Bearer not-a-key' });
    expect(anonymous.body).not.toHaveProperty('errors');
    const { body } = await healthz({ authorization: `Bearer ${h.apiKey}` });
    expect(body).toMatchObject({ mcpServers: { docs: 'up', late: 'down' } });
    expect(body.errors).toEqual({ 'mcpServers.late': expect.stringMatching(/\S/) });
  });

  it('reports the server up once it answers a refresh', async () => {
    late = await startTestMcpServer(latePort);
    await h.mcp.refresh();
    const { status, body } = await healthz({ authorization: `Bearer ${h.apiKey}` });
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok', temporal: 'ok' },
      mcpServers: { docs: 'up', late: 'up' },
    });
  });
});

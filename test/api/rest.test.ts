import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMetrics } from '../../src/runtime/serve-metrics.js';
import { startHarness, type Harness } from '../support/harness.js';
import { readJson, readValidatedChunks } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';

describe('REST for clients other than useChat', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const json = (method: string, body: unknown) => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('starts a completion with POST /v1/completions (202), lists the thread, and deletes it only when idle', async () => {
    h.model.enqueue({ kind: 'text', chunks: Array.from({ length: 10 }, (_, i) => `p${i} `), delayMs: 60 });
    const started = await h.api('/v1/completions', json('POST', { message: 'Plan my week' }));
    expect(started.status).toBe(202);
    const turn = await readJson(started);
    expect(turn).toMatchObject({
      eventsUrl: `/v1/completions/${turn.completionId}/events`,
      streamUrl: `/api/chat/${turn.threadId}/stream`,
    });

    const busy = await h.api(`/v1/threads/${turn.threadId}`, { method: 'DELETE' });
    expect(busy.status).toBe(409);
    expect((await readJson(busy)).error.code).toBe('completion_running');

    const chunks = await readValidatedChunks(await h.api(turn.eventsUrl));
    expect(chunks.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('')).toBe(
      Array.from({ length: 10 }, (_, i) => `p${i} `).join(''),
    );
    await waitFor(
      async () => (await readJson(await h.api(`/v1/completions/${turn.completionId}`))).status === 'completed',
    );

    const { threads } = await readJson(await h.api('/v1/threads?limit=5'));
    expect(threads[0]).toMatchObject({ id: turn.threadId, title: 'Plan my week', activeCompletionId: null });

    const second = await h.api('/v1/completions', json('POST', { message: 'again', threadId: turn.threadId }));
    expect(second.status).toBe(202);
    await readValidatedChunks(await h.api((await readJson(second)).eventsUrl));
    await waitFor(
      async () => (await readJson(await h.api(`/v1/threads/${turn.threadId}`))).activeCompletionId === null,
    );

    expect((await h.api(`/v1/threads/${turn.threadId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.api(`/v1/threads/${turn.threadId}`)).status).toBe(404);
    expect((await h.api(`/v1/completions/${turn.completionId}`)).status).toBe(404);
    const missing = await h.api('/v1/completions', json('POST', { message: 'hi', threadId: 'no-such-thread' }));
    expect(missing.status).toBe(404);
  });

  it("serves a worker process's metrics on its own port", async () => {
    const server = serveMetrics('127.0.0.1', 0);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('# TYPE longhaul_completions_finished_total counter');
      expect((await fetch(`${base}/other`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

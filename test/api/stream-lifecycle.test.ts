import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis } from '../../src/runtime/connections.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readValidatedChunks, userMessage } from '../support/chat-client.js';

describe('SSE stream lifecycle', () => {
  let h: Harness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_SSE_KEEPALIVE_MS: '200' });
    redis = createRedis(h.config.REDIS_URL, 'test-lifecycle');
  });
  afterAll(async () => {
    await redis?.quit();
    await h?.close();
  });

  const subscribers = async (completionId: string) => {
    const [, count] = (await redis.pubsub('NUMSUB', `lh:completion:${completionId}:live`)) as [string, number];
    return Number(count);
  };

  async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('sends keep-alive comments on a quiet stream and releases the subscription when the client leaves', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['slow ', 'answer ', 'here'], delayMs: 700 });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('hi')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    expect(await subscribers(completionId)).toBe(1);

    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes(': keep-alive')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended before a keep-alive');
      seen += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    await waitFor(async () => (await subscribers(completionId)) === 0);

    // Leaving does not stop the answer: it completes, and its stream can be read again.
    await waitFor(
      async () =>
        (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status ===
        'completed',
      10_000,
    );
    const replay = await readValidatedChunks(await h.api(`/v1/completions/${completionId}/events`));
    expect(replay.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('')).toBe('slow answer here');
  });

  it('ends at once for a finished completion resumed past its last event', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['short'] });
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('hi')],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const all = await response.text();
    const lastSeq = Math.max(...[...all.matchAll(/id: (\d+)/g)].map((m) => Number(m[1])));

    const past = await h.api(`/v1/completions/${completionId}/events`, {
      headers: { 'last-event-id': String(lastSeq + 10) },
    });
    expect(await past.text()).toBe('data: [DONE]\n\n');
  });

  it('closes a live viewer that resumed past the end once the completion is settled', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['a ', 'b ', 'c'], delayMs: 150 });
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('hi')],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const ahead = await h.api(`/v1/completions/${completionId}/events`, { headers: { 'last-event-id': '1000' } });
    await response.text();
    const body = await ahead.text();
    expect(body).not.toContain('data: {');
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(await subscribers(completionId)).toBe(0);
  });
});

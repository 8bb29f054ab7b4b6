import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import {
  postChat,
  readJson,
  readValidatedChunks,
  sendWithUseChatTransport,
  textOf,
  userMessage,
} from '../support/chat-client.js';

describe('conversations persist in Postgres', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('sends the first turn, loaded from Postgres, in the second turn’s provider request', async () => {
    const chatId = `chat-${randomUUID()}`;
    h.model.enqueue({ kind: 'text', chunks: ['Paris ', 'is the capital.'] });
    const first = await sendWithUseChatTransport(h, chatId, [userMessage('Capital of France?')]);
    expect(textOf(first)).toBe('Paris is the capital.');

    h.model.enqueue({ kind: 'text', chunks: ['About 2.1 million.'] });
    // Like useChat, the client sends its whole history, but the server must use its own transcript.
    const second = await sendWithUseChatTransport(h, chatId, [
      userMessage('Capital of France?'),
      first,
      userMessage('How many people live there?'),
    ]);
    expect(textOf(second)).toBe('About 2.1 million.');

    const request = h.model.requests.at(-1);
    expect(request?.vendor).toBe('openai');
    const sent = (request?.body as { messages: { role: string; content: string }[] }).messages.map((m) => ({
      role: m.role,
      content: m.content,
    }));
    expect(sent).toEqual([
      { role: 'system', content: 'You are the Longhaul test agent.' },
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris is the capital.' },
      { role: 'user', content: 'How many people live there?' },
    ]);

    const messages = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect(messages.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages.messages[1].id).toBe(first.id);
    const thread = await readJson(await h.api(`/v1/threads/${chatId}`));
    expect(thread.completions).toHaveLength(2);
    expect(thread.activeCompletionId).toBeNull();
    expect(thread.title).toBe('Capital of France?');
  });

  it('replays after Last-Event-ID exactly the rest of the stream to a late subscriber', async () => {
    const words = Array.from({ length: 20 }, (_, i) => `w${i} `);
    h.model.enqueue({ kind: 'text', chunks: words, delayMs: 20 });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('go')] });
    const completionId = response.headers.get('x-longhaul-completion-id');
    expect(completionId).toBeTruthy();
    const full = await response.text();
    const frames = [...full.matchAll(/id: (\d+)\ndata: (.+)\n\n/g)].map((m) => ({ seq: Number(m[1]), data: m[2] }));
    expect(frames.length).toBeGreaterThan(20);
    const half = frames[Math.floor(frames.length / 2)]!;

    const late = await h.api(`/v1/completions/${completionId}/events`, {
      headers: { 'last-event-id': String(half.seq) },
    });
    expect(late.status).toBe(200);
    const rest = [...(await late.text()).matchAll(/id: (\d+)\ndata: (.+)\n\n/g)].map((m) => ({
      seq: Number(m[1]),
      data: m[2],
    }));
    expect(rest).toEqual(frames.filter((frame) => frame.seq > half.seq));

    const viaQuery = await h.api(`/v1/completions/${completionId}/events?lastEventId=${half.seq}`);
    expect(await readValidatedChunks(viaQuery)).toHaveLength(rest.length);
  });

  it('joins a running completion from the middle and still gets every chunk, once, in order', async () => {
    const words = Array.from({ length: 30 }, (_, i) => `t${i} `);
    h.model.enqueue({ kind: 'text', chunks: words, delayMs: 30 });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('go')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const reader = response.body!.getReader();
    await reader.read();

    const resumed = await h.api(`/api/chat/${chatId}/stream`);
    expect(resumed.status).toBe(200);
    const chunks = await readValidatedChunks(resumed);
    const text = chunks.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('');
    expect(text).toBe(words.join(''));
    expect(chunks[0]?.type).toBe('start');
    await reader.cancel();

    const status = await readJson(await h.api(`/v1/completions/${completionId}`));
    expect(status.status).toBe('completed');
    expect(status.timing.firstTokenAt).not.toBeNull();
    expect((await h.api(`/api/chat/${chatId}/stream`)).status).toBe(204);
  });

  it('rebuilds a finished completion’s stream from Postgres once the Redis log is gone', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['kept ', 'in ', 'Postgres'] });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('go')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await response.text();
    const { createRedis } = await import('../../src/runtime/connections.js');
    const redis = createRedis(h.config.REDIS_URL, 'test-expire');
    await redis.del(`lh:completion:${completionId}:log`);
    await redis.quit();

    const chunks = await readValidatedChunks(await h.api(`/v1/completions/${completionId}/events`));
    expect(chunks.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('')).toBe('kept in Postgres');
    expect(chunks.at(-1)?.type).toBe('finish');
  });
});

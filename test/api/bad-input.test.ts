import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';

describe('bad input gets a 4xx JSON error and writes nothing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_MAX_BODY_BYTES: '20000' });
  });
  afterAll(() => h?.close());

  /** The rows of the harness user's thread of this (client) id. */
  async function rowCounts(threadId: string) {
    const { rows } = await h.pool.query(
      `WITH thread AS (SELECT id FROM threads WHERE client_id = $1 AND user_id = $2)
       SELECT (SELECT count(*) FROM thread)::int AS threads,
              (SELECT count(*) FROM messages WHERE thread_id IN (SELECT id FROM thread))::int AS messages,
              (SELECT count(*) FROM completions WHERE thread_id IN (SELECT id FROM thread))::int AS completions`,
      [threadId, h.userId],
    );
    return rows[0];
  }

  const valid = (threadId: string) => ({
    id: threadId,
    trigger: 'submit-message',
    messages: [userMessage('hello')],
  });

  const cases: [string, (threadId: string) => unknown, number, string][] = [
    ['malformed JSON', () => '{"id": "x", "messages": [', 400, 'invalid_json'],
    [
      'a body over the size limit',
      (id) => ({ ...valid(id), messages: [userMessage('x'.repeat(30_000))] }),
      413,
      'payload_too_large',
    ],
    ['a missing field', (id) => ({ id, messages: [userMessage('hi')] }), 400, 'invalid_request'],
    ['an extra field', (id) => ({ ...valid(id), temperature: 2 }), 400, 'invalid_request'],
    ['an empty message', (id) => ({ ...valid(id), messages: [userMessage('   ')] }), 400, 'invalid_request'],
    ['no messages', (id) => ({ ...valid(id), messages: [] }), 400, 'invalid_request'],
    [
      'a last message that is not from the user',
      (id) => ({ ...valid(id), messages: [{ id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }] }),
      400,
      'invalid_request',
    ],
    ['an unknown provider', (id) => ({ ...valid(id), model: 'mistral:large' }), 400, 'unknown_model'],
    ['a malformed model string', (id) => ({ ...valid(id), model: 'gpt-4o' }), 400, 'unknown_model'],
    ['a thread id with bad characters', () => ({ ...valid('bad id/../x') }), 400, 'invalid_request'],
  ];

  for (const [name, body, status, code] of cases) {
    it(`rejects ${name} with ${status} ${code}`, async () => {
      const threadId = `chat-${randomUUID()}`;
      const requestsBefore = h.model.requests.length;
      const response = await postChat(h, body(threadId));
      expect(response.status).toBe(status);
      const payload = await readJson(response);
      expect(payload.error.code).toBe(code);
      expect(typeof payload.error.message).toBe('string');
      expect(payload.error.message.length).toBeGreaterThan(5);
      expect(await rowCounts(threadId)).toEqual({ threads: 0, messages: 0, completions: 0 });
      expect(h.model.requests.length).toBe(requestsBefore);
    });
  }

  it('rejects a non-JSON content type with 415', async () => {
    const response = await h.api('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(response.status).toBe(415);
    expect((await readJson(response)).error.code).toBe('unsupported_media_type');
  });

  it('answers 401 without a key or with a wrong one', async () => {
    const none = await fetch(`${h.apiUrl}/v1/threads`);
    expect(none.status).toBe(401);
    expect((await readJson(none)).error.code).toBe('unauthorized');
    const wrong = await h.api('/v1/threads', { key: 'lh_not-a-real-key' });
    expect(wrong.status).toBe(401);
  });

  it('gives another user sending to the same thread id a thread of their own, leaving the first untouched', async () => {
    const threadId = `chat-${randomUUID()}`;
    h.model.enqueue({ kind: 'text', chunks: ['mine'] });
    await (await postChat(h, valid(threadId))).text();
    const before = await rowCounts(threadId);

    const intruder = await h.createUser();
    expect((await h.api(`/v1/threads/${threadId}`, { key: intruder.apiKey })).status).toBe(404);
    expect((await h.api(`/v1/threads/${threadId}/messages`, { key: intruder.apiKey })).status).toBe(404);
    expect((await h.api(`/api/chat/${threadId}/stream`, { key: intruder.apiKey })).status).toBe(404);
    h.model.enqueue({ kind: 'text', chunks: ['theirs'] });
    const response = await postChat(h, valid(threadId), intruder.apiKey);
    expect(response.status).toBe(200);
    await response.text();
    expect(await rowCounts(threadId)).toEqual(before);
    const { rows } = await h.pool.query(
      `SELECT c.id FROM completions c JOIN threads t ON t.id = c.thread_id WHERE t.client_id = $1 AND t.user_id = $2`,
      [threadId, h.userId],
    );
    expect((await h.api(`/v1/completions/${rows[0].id}`, { key: intruder.apiKey })).status).toBe(404);
    const theirs = await readJson(await h.api(`/v1/threads/${threadId}/messages`, { key: intruder.apiKey }));
    expect(theirs.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(JSON.stringify(theirs)).not.toContain('mine');
  });

  it('refuses a second message while a completion runs (409) and stays healthy', async () => {
    const threadId = `chat-${randomUUID()}`;
    h.model.enqueue({ kind: 'text', chunks: Array.from({ length: 20 }, () => 'slow '), delayMs: 40 });
    const first = await postChat(h, valid(threadId));
    const second = await postChat(h, { ...valid(threadId), messages: [userMessage('again')] });
    expect(second.status).toBe(409);
    expect((await readJson(second)).error.code).toBe('completion_running');
    await first.text();
    expect(await rowCounts(threadId)).toEqual({ threads: 1, messages: 2, completions: 1 });
    const health = await fetch(`${h.apiUrl}/healthz`);
    expect(health.status).toBe(200);
    expect((await readJson(health)).checks).toEqual({ postgres: 'ok', redis: 'ok', temporal: 'ok' });
  });
});

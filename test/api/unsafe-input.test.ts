import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';

/** What a GET answers; `path` is sent byte for byte (fetch, and http.request given a URL, resolve `..` first). */
function rawRequest(h: Harness, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(h.apiUrl);
    const headers = { authorization: `Bearer ${h.apiKey}` };
    const req = request({ hostname, port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('text that Postgres cannot store, ambiguous URLs and oversize fields get a 400 naming the field', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_MAX_MESSAGE_CHARS: '2000' });
  });
  afterAll(() => h?.close());

  /** Everything the harness user owns: a refused request must leave all of it as it was. */
  async function ownedRows() {
    const { rows } = await h.pool.query(
      `SELECT (SELECT count(*) FROM threads WHERE user_id = $1)::int AS threads,
              (SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.user_id = $1)::int AS messages,
              (SELECT count(*) FROM completions WHERE user_id = $1)::int AS completions`,
      [h.userId],
    );
    return rows[0];
  }

  async function expectRefused(response: Response, field: string) {
    const payload = await readJson(response);
    expect({ status: response.status, code: payload.error?.code }).toEqual({ status: 400, code: 'invalid_request' });
    expect(payload.error.message).toContain(`${field}: `);
    return payload.error.message as string;
  }

  const chat = (threadId: string, message: object) => ({
    id: threadId,
    trigger: 'submit-message',
    messages: [message],
  });
  const NUL = 'before\u0000after';
  const LONE_HIGH = 'before\ud800after';
  const LONE_LOW = '\udc00 at the start';

  const chatCases: [string, (threadId: string) => unknown, string][] = [
    ['a NUL in message text', (t) => chat(t, userMessage(NUL)), 'messages[0].parts[0].text'],
    ['a lone high surrogate in message text', (t) => chat(t, userMessage(LONE_HIGH)), 'messages[0].parts[0].text'],
    ['a lone low surrogate in message text', (t) => chat(t, userMessage(LONE_LOW)), 'messages[0].parts[0].text'],
    [
      'a NUL in the second text part of the last message',
      (t) => ({
        id: t,
        trigger: 'submit-message',
        messages: [
          userMessage('earlier'),
          { id: 'a-1', role: 'assistant', parts: [{ type: 'text', text: 'ok' }] },
          {
            id: 'u-2',
            role: 'user',
            parts: [
              { type: 'text', text: 'fine' },
              { type: 'text', text: NUL },
            ],
          },
        ],
      }),
      'messages[2].parts[1].text',
    ],
    ['a NUL in a message id', (t) => chat(t, userMessage('hi', 'm\u00001')), 'messages[0].id'],
    ['a lone surrogate in a message id', (t) => chat(t, userMessage('hi', 'm\ud8001')), 'messages[0].id'],
    ['a message id with a slash and spaces', (t) => chat(t, userMessage('hi', 'm 1/2')), 'messages[0].id'],
    ['a message id of 129 characters', (t) => chat(t, userMessage('hi', 'm'.repeat(129))), 'messages[0].id'],
    ['a thread id that is only dots', () => chat('..', userMessage('hi')), 'id'],
    [
      'message text over LONGHAUL_MAX_MESSAGE_CHARS',
      (t) => chat(t, userMessage('x'.repeat(2001))),
      'messages[0].parts[0].text',
    ],
    [
      'a user message of 101 parts',
      (t) =>
        chat(t, { id: 'u-1', role: 'user', parts: Array.from({ length: 101 }, () => ({ type: 'text', text: 'a' })) }),
      'messages[0].parts',
    ],
    [
      '65 tools',
      (t) => ({ ...chat(t, userMessage('hi')), tools: Array.from({ length: 65 }, (_, i) => `t${i}`) }),
      'tools',
    ],
    ['a NUL in a tool name', (t) => ({ ...chat(t, userMessage('hi')), tools: ['fetch_url\u0000'] }), 'tools[0]'],
    ['a lone surrogate in the model', (t) => ({ ...chat(t, userMessage('hi')), model: 'openai:gpt\udfff' }), 'model'],
  ];

  for (const [name, body, field] of chatCases) {
    it(`POST /api/chat refuses ${name}, naming ${field}, and writes nothing`, async () => {
      const before = await ownedRows();
      const requestsBefore = h.model.requests.length;
      await expectRefused(await postChat(h, body(`chat-${randomUUID()}`)), field);
      expect(await ownedRows()).toEqual(before);
      expect(h.model.requests.length).toBe(requestsBefore);
    });
  }

  // Found by test/security/fuzz-bodies.test.ts: zod's length checks still run after a type error on any value
  // with a `length`, and comparing a deeply nested array with a number overflowed the stack (a 500).
  it('refuses a body nested deeper than 64 levels with a 400 before any schema sees it', async () => {
    const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const before = await ownedRows();
    const threadId = `chat-${randomUUID()}`;
    const valid = JSON.stringify({ ...chat(threadId, userMessage('hi')), model: { length: '@' } });
    for (const body of [valid.replace('"@"', deep(5_000)), valid.replace('"@"', deep(60))]) {
      const response = await h.api('/api/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(400);
    }
    const tooDeep = await h.api('/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: deep(65),
    });
    expect((await readJson(tooDeep)).error).toEqual({
      code: 'invalid_json',
      message: 'JSON nested deeper than 64 levels',
    });
    expect(await ownedRows()).toEqual(before);
  });

  it('keeps accepting ids useChat and other clients generate, and text at the limit', async () => {
    for (const [threadId, messageId] of [
      ['aB3dE5gH7jK9mN1p', 'Qw8eR7tY6uI5oP4a'],
      [`chat-${randomUUID()}`, `m-${Math.random()}`],
      [`thr_${randomUUID()}`, 'msg_AbC-dEf_123'],
    ]) {
      h.model.enqueue({ kind: 'text', chunks: ['ok'] });
      const response = await postChat(h, chat(threadId!, userMessage(`${'y'.repeat(1990)} 😀 é`, messageId)));
      expect(response.status).toBe(200);
      await response.text();
    }
  });

  it('POST /v1/threads refuses a NUL or a lone surrogate in the title and writes nothing', async () => {
    const before = await ownedRows();
    for (const title of [NUL, LONE_HIGH, LONE_LOW]) {
      const response = await h.api('/v1/threads', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title }),
      });
      await expectRefused(response, 'title');
    }
    expect(await ownedRows()).toEqual(before);
  });

  it('PATCH /v1/threads/:id refuses a NUL title and leaves the title as it was', async () => {
    const created = await h.api('/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'kept' }),
    });
    const { id } = await readJson(created);
    const response = await h.api(`/v1/threads/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: LONE_HIGH }),
    });
    await expectRefused(response, 'title');
    expect((await readJson(await h.api(`/v1/threads/${id}`))).title).toBe('kept');
  });

  it('POST /v1/completions refuses NUL, lone surrogates and oversize text in the message and writes nothing', async () => {
    const before = await ownedRows();
    for (const message of [NUL, LONE_HIGH, 'z'.repeat(2001)]) {
      const response = await h.api('/v1/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
      });
      await expectRefused(response, 'message');
    }
    expect(await ownedRows()).toEqual(before);
  });

  it('POST /v1/approvals/:id refuses a NUL in the reason', async () => {
    const response = await h.api(`/v1/approvals/call_${randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'deny', reason: NUL, argsDigest: 'a'.repeat(64) }),
    });
    await expectRefused(response, 'reason');
  });

  it('refuses a query parameter given twice, naming it, on every route that reads the query', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['done'] });
    const created = await h.api('/v1/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi' }),
    });
    const { completionId } = await readJson(created);
    for (const path of [
      `/v1/completions/${completionId}/events?uiVersion=5&uiVersion=6`,
      `/v1/threads?limit=5&limit=6`,
      `/v1/threads?before=2026-01-01&before=2026-01-02`,
      `/v1/completions?status=running&status=queued`,
      `/v1/approvals?status=pending&status=pending`,
      `/v1/events?lastEventId=1&lastEventId=2`,
    ]) {
      const name = new URL(path, h.apiUrl).searchParams.keys().next().value!;
      const response = await h.api(path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      const message = await expectRefused(response, name);
      expect(message).toMatch(/more than once/);
    }
  });

  it('answers a raw or encoded dot segment in the path with a JSON 400, not a dropped connection', async () => {
    for (const path of [
      '/v1/threads/../threads',
      '/v1/threads/..',
      '/v1/threads/./x',
      '/v1/threads/%2e%2e/messages',
      '/v1/threads/%2E%2E',
      '/api/chat/x/..%2fstream',
      '/v1/threads/a%2f..%2fb/messages',
    ]) {
      const answer = await rawRequest(h, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(JSON.parse(answer.body).error.code).toBe('invalid_path');
    }
    expect((await fetch(`${h.apiUrl}/healthz`)).status).toBe(200);
  });
});

/**
 * A version the server does not speak is refused before the request changes anything: POST /api/chat answers 400
 * with no thread, message or completion written and no workflow started.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';

describe('an unknown x-longhaul-ui-version on POST /api/chat', () => {
  let started = 0;
  const interceptor: WorkflowClientInterceptor = {
    async startWithDetails(input, next) {
      started += 1;
      return next(input);
    },
  };
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { clientInterceptors: [interceptor] });
  });
  afterAll(() => h?.close());

  const rowsOf = async (chatId: string) =>
    (
      await h.pool.query(
        `SELECT (SELECT count(*)::int FROM threads WHERE client_id = $1) AS threads,
                (SELECT count(*)::int FROM messages WHERE thread_id IN (SELECT id FROM threads WHERE client_id = $1)) AS messages,
                (SELECT count(*)::int FROM completions WHERE thread_id IN (SELECT id FROM threads WHERE client_id = $1)) AS completions`,
        [chatId],
      )
    ).rows[0];

  it('answers 400 naming the header, and writes and starts nothing', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['never read'] });
    const chatId = `chat-${randomUUID()}`;
    const startedBefore = started;
    const requestsBefore = h.model.requests.length;
    for (const [path, headers] of [
      ['/api/chat', { 'x-longhaul-ui-version': '8' }],
      ['/api/chat?uiVersion=4', {}],
    ] as const) {
      const response = await h.api(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ id: chatId, trigger: 'submit-message', messages: [userMessage('hello')] }),
      });
      expect(response.status).toBe(400);
      expect((await readJson(response)).error.message).toContain('x-longhaul-ui-version');
    }
    expect(await rowsOf(chatId)).toEqual({ threads: 0, messages: 0, completions: 0 });
    expect(started).toBe(startedBefore);
    expect(h.model.requests.length).toBe(requestsBefore);

    // The scripted answer is still there for a request in a version the server speaks.
    const ok = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('hello')] });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('"delta":"never read"');
  });
});

import { randomUUID } from 'node:crypto';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';

describe('a turn whose workflow Temporal refuses to start', () => {
  let refuseNext = false;
  const interceptor: WorkflowClientInterceptor = {
    async startWithDetails(input, next) {
      if (!refuseNext) return next(input);
      refuseNext = false;
      throw new Error('Temporal is unavailable');
    },
  };
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { clientInterceptors: [interceptor] });
  });
  afterAll(() => h?.close());

  it('answers 503 and leaves nothing half-written: no thread, message or completion', async () => {
    refuseNext = true;
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('hello')] });
    expect(response.status).toBe(503);
    expect((await readJson(response)).error.code).toBe('temporal_unavailable');
    const { rows } = await h.pool.query(
      `SELECT (SELECT count(*)::int FROM threads WHERE client_id = $1) AS threads,
              (SELECT count(*)::int FROM messages WHERE thread_id IN (SELECT id FROM threads WHERE client_id = $1)) AS messages,
              (SELECT count(*)::int FROM completions WHERE thread_id IN (SELECT id FROM threads WHERE client_id = $1)) AS completions`,
      [chatId],
    );
    expect(rows[0]).toEqual({ threads: 0, messages: 0, completions: 0 });

    h.model.enqueue({ kind: 'text', chunks: ['fine ', 'now'] });
    const retry = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('hello')] });
    expect(retry.status).toBe(200);
    expect(await retry.text()).toContain('"delta":"now"');
  });
});

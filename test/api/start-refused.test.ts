import { randomUUID } from 'node:crypto';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';

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

  // The ledger keeps its rows when completions go (a deleted thread), so a turn that never started takes its own back.
  it('leaves no answer_regenerated row for a regenerate that never ran', async () => {
    const chatId = `chat-${randomUUID()}`;
    const question = userMessage('Say something');
    await (await postChat(h, { id: chatId, trigger: 'submit-message', messages: [question] })).text();
    await waitFor(async () => (await readJson(await h.api(`/v1/threads/${chatId}`))).activeCompletionId === null);
    const before = (await readJson(await h.api(`/v1/threads/${chatId}/audit`))).events;

    refuseNext = true;
    const refused = await postChat(h, { id: chatId, trigger: 'regenerate-message', messages: [question] });
    expect(refused.status).toBe(503);

    expect((await readJson(await h.api(`/v1/threads/${chatId}/audit`))).events).toEqual(before);
    const { rows } = await h.pool.query(
      `SELECT 1 FROM audit_events a JOIN threads t ON t.id = a.thread_id
       WHERE t.client_id = $1 AND t.user_id = $2 AND a.type = 'answer_regenerated'`,
      [chatId, h.userId],
    );
    expect(rows).toHaveLength(0);
  });
});

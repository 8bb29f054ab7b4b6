import { randomUUID } from 'node:crypto';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';

/** The ledger keeps its rows when completions go (a deleted thread), so a turn that never started must take its own back. */
describe('a regenerate whose workflow Temporal refuses to start', () => {
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

  it('leaves no answer_regenerated row for the turn that never ran', async () => {
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
      `SELECT 1 FROM audit_events WHERE thread_id = $1 AND type = 'answer_regenerated'`,
      [chatId],
    );
    expect(rows).toHaveLength(0);
  });
});

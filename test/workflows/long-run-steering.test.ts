/**
 * Steering while a completion hands over at every step: a message the API accepted (202) is never lost between
 * two runs, whichever run took it, and lands exactly once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readTurn, userMessage } from '../support/chat-client.js';
import { steer, text } from '../steering/support.js';

describe('steering a completion that hands over at every step', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_STEPS_PER_RUN: '1', LONGHAUL_MAX_STEPS: '40' });
  });
  afterAll(() => h?.close());

  it('delivers every accepted message once, across hand-overs', async () => {
    const clock = { kind: 'tool-calls' as const, calls: [{ name: 'current_time', argsChunks: ['{}'] }] };
    h.model.enqueue(...Array.from({ length: 20 }, () => clock), { kind: 'text', chunks: ['Done.'] });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('go')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const turn = readTurn(response);
    const accepted: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = `s-${i}`;
      const sent = await steer(h, chatId, { id, parts: text(`note ${i}`) });
      if (sent.status === 202) accepted.push(id);
      else expect([409]).toContain(sent.status);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const { chunks } = await turn;
    await h.temporal.workflow.getHandle(`completion-${completionId}`).result();
    expect(accepted.length).toBeGreaterThan(0);
    for (const id of accepted)
      expect(await readJson(await h.api(`/api/chat/${chatId}/steer/${id}`))).toMatchObject({ status: 'delivered' });
    const delivered = chunks.flatMap((chunk) => (chunk.type === 'steering-message' ? [chunk.id] : []));
    expect(delivered.sort()).toEqual([...accepted].sort());
    const runs: string[] = [];
    for await (const execution of h.temporal.workflow.list({ query: `WorkflowId = 'completion-${completionId}'` }))
      runs.push(execution.runId);
    expect(runs.length).toBeGreaterThan(10);
  }, 120_000);
});

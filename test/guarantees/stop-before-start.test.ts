import { randomUUID } from 'node:crypto';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';

/** Holds the next workflow start until released, so a Stop can land between the completion's row and its run. */
function createStartGate() {
  let held: { reached: (workflowId: string) => void; released: Promise<void> } | undefined;
  const interceptor: WorkflowClientInterceptor = {
    async startWithDetails(input, next) {
      const gate = held;
      held = undefined;
      if (gate) {
        gate.reached(input.options.workflowId);
        await gate.released;
      }
      return next(input);
    },
  };
  return {
    interceptor,
    holdNext() {
      let release!: () => void;
      let reached!: (workflowId: string) => void;
      const workflowId = new Promise<string>((resolve) => (reached = resolve));
      held = { reached, released: new Promise<void>((resolve) => (release = resolve)) };
      return { workflowId, release };
    },
  };
}

describe('a Stop that arrives before the workflow has started', () => {
  const gate = createStartGate();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { clientInterceptors: [gate.interceptor] });
  });
  afterAll(() => h?.close());

  it('is answered 202 and still stops the run once it starts', async () => {
    h.model.enqueue({ kind: 'text', chunks: Array.from({ length: 40 }, (_, i) => `word${i} `), delayMs: 100 });
    const held = gate.holdNext();
    const chatId = `chat-${randomUUID()}`;
    const answer = postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('write a long answer')],
    });

    const workflowId = await held.workflowId;
    const completionId = workflowId.replace(/^completion-/, '');
    const stop = await h.api(`/v1/completions/${completionId}/cancel`, { method: 'POST' });
    expect(stop.status).toBe(202);
    expect(await readJson(stop)).toEqual({ completionId, status: 'cancelling' });

    held.release();
    const response = await answer;
    expect(response.status).toBe(200);
    const raw = await response.text();
    expect(raw).toContain('"type":"abort"');
    expect(raw).not.toContain('"type":"finish"');

    const handle = h.temporal.workflow.getHandle(workflowId);
    await waitFor(async () => (await handle.describe()).status.name === 'CANCELLED', 10_000, 'workflow CANCELLED');
    const { rows } = await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId]);
    expect(rows[0].status).toBe('cancelled');
  });
});

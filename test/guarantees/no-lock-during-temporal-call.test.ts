import type { WorkflowClientInterceptor } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readValidatedChunks, startLongAnswer, userMessage } from '../support/chat-client.js';

/** Holds the next `describe` of one workflow until released, so a test can look at Postgres while Temporal "is slow". */
function createDescribeGate() {
  let held: { workflowId: string; reached: () => void; released: Promise<void> } | undefined;
  const interceptor: WorkflowClientInterceptor = {
    async describe(input, next) {
      const gate = held;
      if (gate && gate.workflowId === input.workflowExecution.workflowId) {
        held = undefined;
        gate.reached();
        await gate.released;
      }
      return next(input);
    },
  };
  return {
    interceptor,
    holdNext(workflowId: string) {
      let release!: () => void;
      let reached!: () => void;
      const reachedP = new Promise<void>((resolve) => (reached = resolve));
      held = { workflowId, reached, released: new Promise<void>((resolve) => (release = resolve)) };
      return { reached: reachedP, release };
    },
  };
}

/** A slow Temporal must not hold a thread row locked: every message to that thread would queue behind it. */
describe('a message to a thread whose turn ended outside Longhaul', () => {
  const gate = createDescribeGate();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { clientInterceptors: [gate.interceptor] });
  });
  afterAll(() => h?.close());

  it('asks Temporal about the old turn without holding the thread row locked', async () => {
    const { chatId, completionId, hangUp } = await startLongAnswer(h);
    // No viewer is left whose keep-alive ticks could settle the turn first: the next message must ask.
    await hangUp();
    await h.temporal.workflow.getHandle(`completion-${completionId}`).terminate('ended by an operator');

    const held = gate.holdNext(`completion-${completionId}`);
    h.model.enqueue({ kind: 'text', chunks: ['next ', 'answer'] });
    const next = postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('still there?')] });
    next.catch(() => {}); // awaited below; a failed probe closes the harness under it first
    await held.reached;

    const probe = new pg.Client({ connectionString: h.config.DATABASE_URL });
    await probe.connect();
    try {
      await probe.query('BEGIN');
      const locked = await probe.query(`SELECT client_id AS id FROM threads WHERE client_id = $1 FOR UPDATE NOWAIT`, [
        chatId,
      ]);
      expect(locked.rows).toEqual([{ id: chatId }]);
    } finally {
      await probe.query('ROLLBACK').catch(() => {});
      await probe.end();
      held.release();
    }

    const response = await next;
    expect(response.status).toBe(200);
    const chunks = await readValidatedChunks(response);
    expect(
      chunks
        .filter((chunk) => chunk.type === 'text-delta')
        .map((chunk) => chunk.delta)
        .join(''),
    ).toBe('next answer');
    const { rows } = await h.pool.query(`SELECT status, error FROM completions WHERE id = $1`, [completionId]);
    expect(rows[0]).toMatchObject({ status: 'failed', error: { code: 'workflow_terminated' } });
  });
});

/**
 * A research sub-agent is a child completion: it hands over between its own runs like any long completion, and
 * its parent still sees one child (Temporal reports a child's chain of runs as one execution) that a Stop reaches.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';

describe('a long research sub-agent', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_STEPS_PER_RUN: '2' });
  });
  afterAll(() => h?.close());

  const runStatuses = async (workflowId: string) => {
    const statuses: string[] = [];
    for await (const execution of h.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      statuses.unshift(execution.status.name);
    return statuses;
  };
  const status = async (completionId: string) =>
    (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0]?.status as string;

  it('is stopped with its parent after it handed over', async () => {
    const clock = { kind: 'tool-calls' as const, calls: [{ name: 'current_time', argsChunks: ['{}'] }] };
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'research', argsChunks: [JSON.stringify({ question: 'tides?' })] }] },
      clock,
      clock,
      clock,
      { kind: 'hang', chunks: ['Reading ', 'on'] },
    );
    const before = h.model.requests.length;
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('research the tides')],
      agent: 'researcher',
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const body = response.text();
    // The hanging request is the sub-agent's step 3, in its second run.
    await h.model.waitForRequests(before + 5, 30_000);
    const { rows } = await h.pool.query(`SELECT id FROM completions WHERE parent_completion_id = $1`, [completionId]);
    const childWorkflowId = `completion-${rows[0].id}`;
    expect(await runStatuses(childWorkflowId)).toEqual(['CONTINUED_AS_NEW', 'RUNNING']);

    expect((await h.api(`/v1/completions/${completionId}/cancel`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => (await status(completionId)) === 'cancelled', 20_000, 'parent cancelled');
    await waitFor(async () => (await status(rows[0].id)) === 'cancelled', 20_000, 'sub-agent cancelled');
    await waitFor(
      async () => (await runStatuses(childWorkflowId)).join() === 'CONTINUED_AS_NEW,CANCELLED',
      10_000,
      'sub-agent chain cancelled',
    );
    expect((await body).trimEnd()).toMatch(/"type":"abort".*\n\ndata: \[DONE\]$/s);
  }, 60_000);
});

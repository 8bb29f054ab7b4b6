import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';
import type { Script } from '../../src/llm/scripted/script.js';

/** What each model call leaves in the ledger, stamped with the workflow run that made it. */
describe('audit: model calls and budget refusals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_COMPLETION_TOKEN_BUDGET: '50' }, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  async function turn(scripts: Script[], tools: string[] = []) {
    h.model.enqueue(...scripts);
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('go')],
      tools,
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const chunks = await readValidatedChunks(response);
    const { rows } = await h.pool.query(
      `SELECT type, actor, data, workflow_id AS "workflowId", run_id AS "runId" FROM audit_events
        WHERE completion_id = $1 AND type IN ('model_call', 'budget_exceeded') ORDER BY id`,
      [completionId],
    );
    const run = await h.temporal.workflow.getHandle(`completion-${completionId}`).describe();
    return { completionId, chunks, rows, origin: { workflowId: run.workflowId, runId: run.runId } };
  }

  it('writes one model_call row per attempt, the failed one with its error, each stamped with its run', async () => {
    const { rows, origin } = await turn([
      { kind: 'http-error', status: 500, message: 'upstream broke' },
      { kind: 'text', chunks: ['fine'], usage: { inputTokens: 3, outputTokens: 1 } },
    ]);
    expect(rows).toEqual([
      {
        type: 'model_call',
        actor: 'model',
        data: expect.objectContaining({
          model: 'openai:gpt-test',
          step: 0,
          attempt: 1,
          outcome: 'failed',
          estimated: true,
          error: expect.stringContaining('upstream broke'),
        }),
        ...origin,
      },
      {
        type: 'model_call',
        actor: 'model',
        data: expect.objectContaining({
          step: 0,
          attempt: 2,
          outcome: 'completed',
          inputTokens: 3,
          outputTokens: 1,
          estimated: false,
          finishReason: 'stop',
        }),
        ...origin,
      },
    ]);
    expect(rows[0].data).not.toHaveProperty('finishReason');
  });

  it('writes one budget_exceeded row for the refused step, stamped with its run', async () => {
    const { chunks, rows, origin } = await turn(
      [
        {
          kind: 'tool-calls',
          calls: [{ name: 'echo', argsChunks: ['{"text":"x"}'] }],
          usage: { inputTokens: 40, outputTokens: 20 },
        },
        { kind: 'text', chunks: ['never sent'] },
      ],
      ['echo'],
    );
    expect(chunks.at(-1)).toMatchObject({ type: 'error', errorText: expect.stringMatching(/^budget_exceeded: /) });
    expect(rows.map((r) => r.type)).toEqual(['model_call', 'budget_exceeded']);
    expect(rows[1]).toEqual({
      type: 'budget_exceeded',
      actor: 'system',
      data: { step: 1, completionTokens: 60, userTokensToday: expect.any(Number), budget: 50, daily: 0 },
      ...origin,
    });
    h.model.reset();
  });
});

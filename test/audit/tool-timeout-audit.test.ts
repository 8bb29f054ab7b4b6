import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../../src/tools/tool-definition.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

/** A tool that outlives its timeout on its only attempt: Temporal, not the tool, ends the run. */
const stall = defineTool({
  name: 'stall',
  description: 'Never answers in time.',
  mode: 'inline',
  timeoutMs: 1_000,
  retry: { maximumAttempts: 1 },
  input: z.object({}),
  async execute(_input, context) {
    await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
    return { late: true };
  },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { tools: [stall as ToolDefinition] });
});
afterAll(() => h?.close());

it('records the outcome of a tool call whose run timed out in the audit ledger', async () => {
  h.model.enqueue(
    { kind: 'tool-calls', calls: [{ name: 'stall', argsChunks: ['{}'] }] },
    { kind: 'text', chunks: ['It did not answer.'] },
  );
  const chatId = `chat-${randomUUID()}`;
  const response = await postChat(h, {
    id: chatId,
    trigger: 'submit-message',
    messages: [userMessage('go')],
    tools: ['stall'],
  });
  const completionId = response.headers.get('x-longhaul-completion-id')!;
  const chunks = await readValidatedChunks(response);
  expect(chunks.map((c) => c.type)).toContain('tool-output-error');
  await waitFor(
    async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'completed',
    15_000,
  );

  const { events } = await readJson(await h.api(`/v1/threads/${chatId}/audit`));
  const types = events.map((e: { type: string }) => e.type);
  expect(types).toEqual([
    'message_received',
    'model_call',
    'tool_call_requested',
    'tool_executed',
    'model_call',
    'completion_finished',
  ]);
  const executed = events.find((e: { type: string }) => e.type === 'tool_executed');
  expect(executed).toMatchObject({ actor: 'system', data: { toolName: 'stall', outcome: 'failed' } });
  expect(executed.data.message).toMatch(/^stall did not finish/);
  expect(executed.workflowId).toBe(`completion-${completionId}`);
});

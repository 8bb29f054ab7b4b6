import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { defineTool, type ToolDefinition } from '../../src/tools/tool-definition.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';

/** Sub-agents open their turns through the same policy as the API: the server's limits and allowlist govern them. */
const scout = defineAgent({
  name: 'scout',
  version: '1',
  description: 'Answers delegated questions; declares no limits of its own.',
  tools: ['current_time'],
  systemPrompt: () => 'You scout.',
});
const outsider = defineAgent({
  name: 'outsider',
  version: '1',
  description: 'Runs on a model the server does not allow.',
  model: 'openai:gpt-unlisted',
  tools: [],
  systemPrompt: () => 'You are outside the allowlist.',
});
const delegateTo = (name: string, subagent: string) =>
  defineTool({
    name,
    description: `Delegates a question to the ${subagent} sub-agent.`,
    mode: 'durable',
    subagent,
    retry: { maximumAttempts: 1 },
    input: z.object({ question: z.string().min(3) }),
    async execute(): Promise<never> {
      throw new Error('answered by a sub-agent');
    },
  }) as ToolDefinition;

describe('a sub-agent turn', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      { LONGHAUL_MAX_STEPS: '3', LONGHAUL_MAX_OUTPUT_TOKENS: '333', LONGHAUL_MODELS: 'openai:gpt-test' },
      { agents: [scout, outsider], tools: [delegateTo('ask_scout', 'scout'), delegateTo('ask_outsider', 'outsider')] },
    );
  });
  afterAll(() => h?.close());

  const delegate = (tool: string, question: string) => ({
    kind: 'tool-calls' as const,
    calls: [{ name: tool, argsChunks: [JSON.stringify({ question })] }],
  });
  const clock = { kind: 'tool-calls' as const, calls: [{ name: 'current_time', argsChunks: ['{}'] }] };
  const childOf = async (completionId: string) =>
    (await h.pool.query(`SELECT id FROM completions WHERE parent_completion_id = $1`, [completionId])).rows[0] as
      { id: string } | undefined;

  it('runs with LONGHAUL_MAX_STEPS and LONGHAUL_MAX_OUTPUT_TOKENS when its agent declares no limits', async () => {
    h.model.enqueue(delegate('ask_scout', 'What time is it?'), clock, clock, clock, {
      kind: 'text',
      chunks: ['Parent done.'],
    });
    const requestsBefore = h.model.requests.length;
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('ask the scout')],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await readValidatedChunks(response);

    const child = await readJson(await h.api(`/v1/completions/${(await childOf(completionId))!.id}`));
    expect
      .soft(child)
      .toMatchObject({ status: 'completed', finishReason: 'max-steps', steps: 3, agent: { name: 'scout' } });
    const scoutRequests = h.model.requests
      .slice(requestsBefore)
      .map((request) => request.body as { max_tokens?: number; messages: { content: unknown }[] })
      .filter((body) => body.messages[0]!.content === 'You scout.');
    expect(scoutRequests.map((body) => body.max_tokens)).toEqual([333, 333, 333]);
  });

  it('fails the tool with a message the model reads when its model is not on the allowlist', async () => {
    h.model.enqueue(delegate('ask_outsider', 'Who are you?'), {
      kind: 'text',
      chunks: ['The outsider is not allowed.'],
    });
    const requestsBefore = h.model.requests.length;
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('ask the outsider')],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const chunks = await readValidatedChunks(response);

    const refusal = chunks.find((chunk) => chunk.type === 'tool-output-error') as { errorText: string } | undefined;
    expect(refusal?.errorText).toContain('model "openai:gpt-unlisted" is not enabled');
    expect(await childOf(completionId)).toBeUndefined();
    const requests = h.model.requests.slice(requestsBefore);
    expect(requests.map((request) => (request.body as { model: string }).model)).toEqual(['gpt-test', 'gpt-test']);
    expect(JSON.stringify(requests[1]!.body)).toContain('is not enabled');
  });
});

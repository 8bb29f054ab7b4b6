/**
 * The edges of the context policy: what a model call is counted at before it is sent (both providers, checked
 * against the usage each then reports), a tool output cut to its cap for the model while the whole of it stays
 * stored, and a window too small for the agent's own system prompt, refused when the agent loads if it can be
 * and otherwise failing the turn with its own error code and nothing half-written.
 *
 * The scripted model server counts with the same character estimate the OpenAI provider uses and that it reports
 * as usage, so an equal count proves the count covers exactly what is sent (system prompt, messages, tools) and
 * reaches the window check; it does not prove a real tokenizer's accuracy.
 */
import { randomUUID } from 'node:crypto';
import type { UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { createAgentRegistry } from '../../src/agents/agent-registry.js';
import { defineTool, type ToolDefinition } from '../../src/tools/tool-definition.js';
import { postChat, readJson, readTurn, textOf, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const OUTPUT_CAP = 300;
const bigOutput = defineTool({
  name: 'big_output',
  description: 'Returns a long text.',
  mode: 'inline',
  input: z.object({}),
  maxModelOutputChars: OUTPUT_CAP,
  async execute() {
    return { text: `${'page text '.repeat(500)}THE-END` };
  },
});

/** An agent whose own system prompt (about 2,500 tokens) is larger than the whole configured window. */
const verboseAgent = defineAgent({
  name: 'verbose',
  version: '1',
  description: 'Talks too much before anyone says anything.',
  tools: [],
  systemPrompt: () => `You are thorough. ${'Consider every angle. '.repeat(450)}`,
});

describe('context limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      { LONGHAUL_CONTEXT_WINDOW_TOKENS: '2000', LONGHAUL_MAX_OUTPUT_TOKENS: '200' },
      { tools: [bigOutput as ToolDefinition], agents: [verboseAgent] },
    );
  });
  afterAll(() => h?.close());

  async function chat(body: Record<string, unknown>) {
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('go')],
      ...body,
    });
    expect(response.status).toBe(200);
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const read = await readTurn(response);
    let completion: { status: string; error: { code: string; message: string } | null } = {
      status: 'running',
      error: null,
    };
    await waitFor(async () => {
      completion = await readJson(await h.api(`/v1/completions/${completionId}`));
      return completion.status !== 'running' && completion.status !== 'queued';
    }, 20_000);
    return { chatId, completionId, completion, ...read };
  }

  async function modelCalls(completionId: string) {
    const { rows } = await h.pool.query(
      `SELECT data FROM audit_events WHERE completion_id = $1 AND type = 'model_call' ORDER BY id`,
      [completionId],
    );
    return rows.map((row: { data: { inputTokens: number; countedInputTokens: number } }) => row.data);
  }

  it('cuts a tool output to its cap for the model, saying so, and keeps the whole output stored', async () => {
    const from = h.model.requests.length;
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'big_output', argsChunks: ['{}'] }] },
      { kind: 'text', chunks: ['Read it.'] },
    );
    const { chatId, message } = await chat({ tools: ['big_output'] });
    expect(textOf(message)).toBe('Read it.');

    const second = h.model.requests[from + 1]!.body as { messages: { role: string; content: string }[] };
    const toolMessage = second.messages.find((m) => m.role === 'tool')!;
    const full = JSON.stringify({ kind: 'completed', output: { text: `${'page text '.repeat(500)}THE-END` } });
    expect(toolMessage.content).toBe(
      `${full.slice(0, OUTPUT_CAP)}\n[Output cut to its first ${OUTPUT_CAP} of ${full.length} characters to fit the context; the full output is stored.]`,
    );

    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    const assistant = (messages as UIMessage[]).find((m) => m.role === 'assistant')!;
    const toolPart = assistant.parts.find((p) => p.type === 'tool-big_output') as { output: { text: string } };
    expect(toolPart.output.text.endsWith('THE-END')).toBe(true);
  }, 60_000);

  it('counts an OpenAI call before sending it as the provider then reports it', async () => {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'big_output', argsChunks: ['{}'] }] },
      { kind: 'text', chunks: ['Counted.'] },
    );
    const { completionId } = await chat({ tools: ['big_output'] });
    const calls = await modelCalls(completionId);
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(call.countedInputTokens).toBe(call.inputTokens);
  }, 60_000);

  it("counts an Anthropic call with Anthropic's counting endpoint, on exactly the request then sent", async () => {
    const from = h.model.requests.length;
    const countsFrom = h.model.tokenCountRequests.length;
    h.model.enqueue({ kind: 'text', chunks: ['Counted by Anthropic.'] });
    const { completionId } = await chat({ tools: ['big_output'], model: 'anthropic:claude-test' });

    const counted = h.model.tokenCountRequests.slice(countsFrom);
    expect(counted).toHaveLength(1);
    expect(counted[0]!.headers['anthropic-version']).toBeDefined();
    const { messages, model, system, tools } = h.model.requests[from]!.body as Record<string, unknown>;
    expect(tools).toBeDefined();
    expect(counted[0]!.body).toEqual({ model, system, messages, tools });

    const [call] = await modelCalls(completionId);
    expect(call!.countedInputTokens).toBe(call!.inputTokens);
  }, 60_000);

  it('answers a count request without messages as Anthropic does: a 400 invalid_request_error', async () => {
    const response = await fetch(`${h.model.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-test' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('messages') },
    });
  });

  it('fails a turn whose window is smaller than its system prompt, naming the problem, with nothing half-written', async () => {
    const from = h.model.requests.length;
    const { chatId, completionId, completion, chunks, message } = await chat({ agent: 'verbose' });

    expect(completion.status).toBe('failed');
    expect(completion.error).toEqual({
      code: 'context_window_too_small',
      message: expect.stringMatching(
        /^context_window_too_small: the context window of agent verbose \(2000 tokens, 200 of them kept for the answer\) is smaller than its system prompt and tools \(\d+ tokens\)$/,
      ),
    });
    expect(chunks.filter((chunk) => chunk.type === 'error')).toEqual([
      { type: 'error', errorText: completion.error!.message },
    ]);
    expect(h.model.requests.length).toBe(from);
    expect(textOf(message)).toBe('');
    const { rows: compactions } = await h.pool.query(`SELECT id FROM context_compactions WHERE completion_id = $1`, [
      completionId,
    ]);
    expect(compactions).toEqual([]);
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect((messages as UIMessage[]).filter((m) => m.role === 'assistant' && m.parts.length > 0)).toEqual([]);
    const { events } = await readJson(await h.api(`/v1/threads/${chatId}/audit`));
    expect((events as { type: string }[]).map((event) => event.type)).not.toContain('model_call');
  }, 60_000);

  it('refuses an agent whose window leaves no room once the answer is reserved, when it loads', () => {
    const declare = (context: { windowTokens?: number; reserveTokens?: number }) => () =>
      createAgentRegistry([{ ...verboseAgent, context }]);
    expect(declare({ windowTokens: 4000, reserveTokens: 4000 })).toThrow(
      'agent "verbose": context.windowTokens (4000) leaves no room for the system prompt and the transcript once context.reserveTokens (4000) is kept for the answer',
    );
    expect(declare({ windowTokens: 0 })).toThrow(
      'agent "verbose": context.windowTokens must be a positive whole number of tokens',
    );
    expect(declare({ windowTokens: 8000, reserveTokens: 1000 })).not.toThrow();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';

const budgeted = defineAgent({
  name: 'budgeted',
  version: '1',
  description: 'Delegates with a small shared token budget.',
  tools: ['research'],
  limits: { tokenBudget: 100 },
  systemPrompt: () => 'You delegate.',
});

describe('research sub-agents', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { agents: [budgeted] });
  });
  afterAll(() => h?.close());

  const status = async (completionId: string) =>
    (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0]?.status as
      string | undefined;
  const childOf = async (completionId: string) =>
    (await h.pool.query(`SELECT id, thread_id FROM completions WHERE parent_completion_id = $1`, [completionId]))
      .rows[0] as { id: string; thread_id: string } | undefined;
  const researchCall = (question: string) => ({
    kind: 'tool-calls' as const,
    calls: [{ name: 'research', argsChunks: [JSON.stringify({ question })] }],
    usage: { inputTokens: 20, outputTokens: 10 },
  });

  it('runs a sub-agent to completion: its progress in the parent stream, its answer as the tool result', async () => {
    h.model.enqueue(
      researchCall('When is high tide in Brest?'),
      { kind: 'text', chunks: ['High tide ', 'is at 06:12.'], usage: { inputTokens: 15, outputTokens: 5 } },
      { kind: 'text', chunks: ['The sub-agent says 06:12.'] },
    );
    const requestsBefore = h.model.requests.length;
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('tides?')],
      agent: 'researcher',
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const chunks = await readValidatedChunks(response);

    const progress = chunks
      .filter((c) => c.type === 'data-subagent')
      .map((c) => (c as { data: { status: string } }).data.status);
    expect(progress[0]).toBe('running');
    expect(progress.at(-1)).toBe('completed');
    expect(chunks.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('')).toBe(
      'The sub-agent says 06:12.',
    );
    const output = chunks.find((c) => c.type === 'tool-output-available') as {
      output: { answer: string; threadId: string };
    };
    expect(output.output.answer).toBe('High tide is at 06:12.');

    const requests = h.model.requests.slice(requestsBefore);
    expect(requests).toHaveLength(3);
    const subRequest = requests[1]!.body as { messages: { role: string; content: string }[] };
    expect(subRequest.messages[0]!.content).toMatch(/^You are a careful researcher/);
    expect(subRequest.messages.at(-1)).toEqual({ role: 'user', content: 'When is high tide in Brest?' });
    expect(JSON.stringify(requests[2]!.body)).toContain('High tide is at 06:12.');

    const child = (await childOf(completionId))!;
    expect(await status(child.id)).toBe('completed');
    const thread = await readJson(await h.api(`/v1/threads/${child.thread_id}/messages`));
    expect(thread.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    const { rows } = await h.pool.query(
      `SELECT count(*)::int AS n, sum(input_tokens + output_tokens)::int AS tokens FROM usage_events WHERE root_completion_id = $1`,
      [completionId],
    );
    expect(rows[0]).toMatchObject({ n: 3 });
  });

  it("spends the parent's budget", async () => {
    h.model.enqueue(
      researchCall('A costly question'),
      { kind: 'text', chunks: ['A costly answer.'], usage: { inputTokens: 60, outputTokens: 20 } },
      { kind: 'text', chunks: ['never asked'] },
    );
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('go')],
      agent: 'budgeted',
    });
    const chunks = await readValidatedChunks(response);
    expect(chunks.at(-1)).toMatchObject({ type: 'error' });
    expect((chunks.at(-1) as { errorText: string }).errorText).toMatch(
      /^budget_exceeded: this completion used 110 of its 100/,
    );
    h.model.reset();
  });

  it('finishes after a worker restart in the middle of the sub-agent', async () => {
    const words = Array.from({ length: 20 }, (_, i) => `r${i} `);
    h.model.enqueue(
      researchCall('Restart question'),
      { kind: 'text', chunks: words, delayMs: 100 },
      { kind: 'text', chunks: words },
      { kind: 'text', chunks: ['Parent answer.'] },
    );
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('go')],
      agent: 'researcher',
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const reading = readValidatedChunks(response);
    await waitFor(
      async () => {
        const child = await childOf(completionId);
        return (
          child !== undefined &&
          (await h.pool.query(`SELECT first_token_at FROM completions WHERE id = $1`, [child.id])).rows[0]
            .first_token_at !== null
        );
      },
      15_000,
      'sub-agent streaming',
    );
    await h.stopWorker();
    await h.startWorker();
    const chunks = await reading;
    expect(chunks.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('')).toContain('Parent answer.');
    const output = chunks.find((c) => c.type === 'tool-output-available') as { output: { answer: string } };
    expect(output.output.answer).toBe(words.join('').trim());
    expect(await status(completionId)).toBe('completed');
  }, 60_000);

  it('is cancelled with its parent', async () => {
    h.model.enqueue(researchCall('Slow question'), {
      kind: 'text',
      chunks: Array.from({ length: 40 }, (_, i) => `s${i} `),
      delayMs: 100,
    });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('go')],
      agent: 'researcher',
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const body = response.text();
    await waitFor(
      async () => {
        const child = await childOf(completionId);
        return (
          child !== undefined &&
          (await h.pool.query(`SELECT first_token_at FROM completions WHERE id = $1`, [child.id])).rows[0]
            .first_token_at !== null
        );
      },
      15_000,
      'sub-agent streaming',
    );
    const child = (await childOf(completionId))!;
    expect((await h.api(`/v1/completions/${completionId}/cancel`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => (await status(completionId)) === 'cancelled', 20_000, 'parent cancelled');
    await waitFor(async () => (await status(child.id)) === 'cancelled', 20_000, 'sub-agent cancelled');
    const handle = h.temporal.workflow.getHandle(`completion-${child.id}`);
    await waitFor(
      async () => (await handle.describe()).status.name === 'CANCELLED',
      10_000,
      'sub-agent workflow cancelled',
    );
    // The parent's stream ends with the stop, not with the harness closing under it.
    expect((await body).trimEnd()).toMatch(/"type":"abort".*\n\ndata: \[DONE\]$/s);
    h.model.reset();
  }, 60_000);
});

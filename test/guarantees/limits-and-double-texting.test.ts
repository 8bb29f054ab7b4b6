import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

describe('limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      { LONGHAUL_COMPLETION_TOKEN_BUDGET: '50', LONGHAUL_MAX_STEPS: '2' },
      { tools: createTestTools().definitions },
    );
  });
  afterAll(() => h?.close());

  it('ends a completion over its token budget with budget_exceeded and writes no half step', async () => {
    h.model.enqueue(
      {
        kind: 'tool-calls',
        calls: [{ name: 'echo', argsChunks: ['{"text":"x"}'] }],
        usage: { inputTokens: 40, outputTokens: 20 },
      },
      { kind: 'text', chunks: ['never sent'] },
    );
    const before = h.model.requests.length;
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('go')],
      tools: ['echo'],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const chunks = await readValidatedChunks(response);
    const error = chunks.at(-1) as { type: string; errorText: string };
    expect(error.type).toBe('error');
    expect(error.errorText).toMatch(/^budget_exceeded: this completion used 60 of its 50 token budget/);
    expect(h.model.requests.length - before).toBe(1);
    const status = await readJson(await h.api(`/v1/completions/${completionId}`));
    expect(status).toMatchObject({
      status: 'failed',
      error: { code: 'budget_exceeded' },
      usage: { inputTokens: 40, outputTokens: 20 },
    });
    const { rows } = await h.pool.query(`SELECT step FROM messages WHERE completion_id = $1`, [completionId]);
    expect(rows.map((r) => r.step)).toEqual([0]);
    h.model.reset();
  });

  it('finishes cleanly at the step limit', async () => {
    h.model.enqueue(
      {
        kind: 'tool-calls',
        calls: [{ name: 'echo', argsChunks: ['{"text":"1"}'] }],
        usage: { inputTokens: 1, outputTokens: 1 },
      },
      {
        kind: 'tool-calls',
        calls: [{ name: 'echo', argsChunks: ['{"text":"2"}'] }],
        usage: { inputTokens: 1, outputTokens: 1 },
      },
    );
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('loop')],
      tools: ['echo'],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const chunks = await readValidatedChunks(response);
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', messageMetadata: { finishReason: 'max-steps' } });
    expect(await readJson(await h.api(`/v1/completions/${completionId}`))).toMatchObject({
      status: 'completed',
      steps: 2,
    });
  });
});

describe('daily budget per user', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_USER_DAILY_TOKEN_BUDGET: '100' });
  });
  afterAll(() => h?.close());

  it("refuses a new turn once the user's tokens for the day are spent, before calling the model", async () => {
    h.model.enqueue({ kind: 'text', chunks: ['expensive'], usage: { inputTokens: 90, outputTokens: 20 } });
    const first = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('one')],
    });
    expect((await readValidatedChunks(first)).at(-1)?.type).toBe('finish');

    const before = h.model.requests.length;
    const chatId = `chat-${randomUUID()}`;
    const second = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('two')] });
    const chunks = await readValidatedChunks(second);
    expect(chunks.at(-1)).toMatchObject({
      type: 'error',
      errorText: 'budget_exceeded: you used 110 of your 100 tokens for today',
    });
    expect(h.model.requests.length).toBe(before);
    const { rows } = await h.pool.query(
      `SELECT count(*)::int AS n FROM messages WHERE thread_id = (SELECT id FROM threads WHERE client_id = $1) AND role = 'assistant'`,
      [chatId],
    );
    expect(rows[0].n).toBe(0);

    const other = await h.createUser();
    h.model.enqueue({ kind: 'text', chunks: ['fine'] });
    const theirs = await postChat(
      h,
      { id: `chat-${randomUUID()}`, trigger: 'submit-message', messages: [userMessage('hi')] },
      other.apiKey,
    );
    expect((await readValidatedChunks(theirs)).at(-1)?.type).toBe('finish');
  });
});

describe('double texting', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  async function threadWithPolicy(policy: string) {
    const created = await h.api('/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ doubleTextPolicy: policy }),
    });
    expect(created.status).toBe(201);
    return (await readJson(created)).id as string;
  }
  const textOfChunks = (chunks: { type: string; delta?: string }[]) =>
    chunks.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('');

  it('enqueue: the second message waits for the first answer, then runs with it in context', async () => {
    const threadId = await threadWithPolicy('enqueue');
    h.model.enqueue(
      { kind: 'text', chunks: Array.from({ length: 8 }, (_, i) => `a${i} `), delayMs: 60 },
      { kind: 'text', chunks: ['second answer'] },
    );
    const first = await postChat(h, { id: threadId, trigger: 'submit-message', messages: [userMessage('first')] });
    const second = await postChat(h, { id: threadId, trigger: 'submit-message', messages: [userMessage('second')] });
    expect(second.status).toBe(200);
    const [firstChunks, secondChunks] = await Promise.all([readValidatedChunks(first), readValidatedChunks(second)]);
    expect(textOfChunks(firstChunks)).toBe('a0 a1 a2 a3 a4 a5 a6 a7 ');
    expect(textOfChunks(secondChunks)).toBe('second answer');
    const messages = (h.model.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages;
    expect(messages.map((m) => m.content)).toEqual([
      'You are the Longhaul test agent.',
      'first',
      'a0 a1 a2 a3 a4 a5 a6 a7 ',
      'second',
    ]);
    const thread = await readJson(await h.api(`/v1/threads/${threadId}`));
    expect(thread.completions.map((c: { status: string }) => c.status)).toEqual(['completed', 'completed']);
  });

  it('interrupt: the running answer is stopped with its text kept, and the new message runs', async () => {
    const threadId = await threadWithPolicy('interrupt');
    h.model.enqueue(
      { kind: 'text', chunks: Array.from({ length: 50 }, (_, i) => `b${i} `), delayMs: 100 },
      { kind: 'text', chunks: ['fresh answer'] },
    );
    const first = await postChat(h, { id: threadId, trigger: 'submit-message', messages: [userMessage('long')] });
    const reader = first.body!.getReader();
    let seen = '';
    while (!seen.includes('text-delta')) seen += new TextDecoder().decode((await reader.read()).value);
    const second = await postChat(h, {
      id: threadId,
      trigger: 'submit-message',
      messages: [userMessage('never mind')],
    });
    expect(textOfChunks(await readValidatedChunks(second))).toBe('fresh answer');
    while (!(await reader.read()).done);
    const thread = await readJson(await h.api(`/v1/threads/${threadId}`));
    expect(thread.completions.map((c: { status: string }) => c.status)).toEqual(['cancelled', 'completed']);
    const { messages } = await readJson(await h.api(`/v1/threads/${threadId}/messages`));
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[1].parts.find((p: { type: string }) => p.type === 'text').text).toMatch(/^b0 /);
  });

  it('reject (the default) answers 409 and changes nothing; PATCH switches the policy', async () => {
    const threadId = await threadWithPolicy('reject');
    h.model.enqueue({ kind: 'text', chunks: Array.from({ length: 10 }, () => 'z '), delayMs: 50 });
    const first = await postChat(h, { id: threadId, trigger: 'submit-message', messages: [userMessage('one')] });
    const second = await postChat(h, { id: threadId, trigger: 'submit-message', messages: [userMessage('two')] });
    expect(second.status).toBe(409);
    await first.text();
    const patched = await h.api(`/v1/threads/${threadId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ doubleTextPolicy: 'enqueue' }),
    });
    expect((await readJson(patched)).doubleTextPolicy).toBe('enqueue');
    await waitFor(async () => (await readJson(await h.api(`/v1/threads/${threadId}`))).activeCompletionId === null);
  });
});

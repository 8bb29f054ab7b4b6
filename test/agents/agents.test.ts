import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readTurn, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';

const critic = defineAgent({
  name: 'critic',
  version: '3',
  description: 'Test agent with a prompt that shows its context.',
  tools: ['current_time'],
  systemPrompt: (context) =>
    `CRITIC for ${context.user.name} in "${context.thread.title}" with tools ${context.tools.map((t) => t.name).join(',')}`,
});

const hasty = defineAgent({
  name: 'hasty',
  version: '1',
  description: 'Test agent with a wall-time limit.',
  tools: ['current_time'],
  limits: { wallTimeMs: 300 },
  systemPrompt: () => 'Be quick.',
});

describe('agents', () => {
  let h: Harness;
  let site: Server;
  let siteUrl: string;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_FETCH_ALLOW_PRIVATE: 'true' }, { agents: [critic, hasty] });
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><head><title>Tide tables</title></head><body><p>High tide at 06:12.</p></body></html>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/tides`;
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  const systemOf = (index = -1) =>
    (h.model.requests.at(index)!.body as { messages: { role: string; content: string }[] }).messages.find(
      (m) => m.role === 'system',
    )?.content;

  it('runs a thread as its agent, with the prompt its builder made, unless a request names another', async () => {
    const created = await h.api('/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Essay draft', agent: 'critic' }),
    });
    const thread = await readJson(created);
    expect(thread.agent).toBe('critic');

    h.model.enqueue({ kind: 'text', chunks: ['fine'] });
    const first = await postChat(h, { id: thread.id, trigger: 'submit-message', messages: [userMessage('review')] });
    const completionId = first.headers.get('x-longhaul-completion-id')!;
    await first.text();
    const { rows } = await h.pool.query(`SELECT name FROM users WHERE id = $1`, [h.userId]);
    expect(systemOf()).toBe(`CRITIC for ${rows[0].name} in "Essay draft" with tools current_time`);
    const view = await readJson(await h.api(`/v1/completions/${completionId}`));
    expect(view.agent).toEqual({ name: 'critic', version: '3' });
    const described = await h.temporal.workflow.getHandle(`completion-${completionId}`).describe();
    expect(described.typedSearchAttributes.getAll().find((p) => p.key.name === 'LonghaulAgent')?.value).toBe('critic');

    h.model.enqueue({ kind: 'text', chunks: ['hello'] });
    await (
      await postChat(h, { id: thread.id, trigger: 'submit-message', messages: [userMessage('hi')], agent: 'assistant' })
    ).text();
    expect(systemOf()).toMatch(/^You are Longhaul's assistant/);

    const unknown = await postChat(h, {
      id: thread.id,
      trigger: 'submit-message',
      messages: [userMessage('x')],
      agent: 'ghost',
    });
    expect(unknown.status).toBe(400);
    expect((await readJson(unknown)).error).toMatchObject({ code: 'unknown_agent' });
    const refused = await postChat(h, {
      id: thread.id,
      trigger: 'submit-message',
      messages: [userMessage('x')],
      tools: ['save_note'],
    });
    expect(refused.status).toBe(400);
    expect((await readJson(refused)).error.code).toBe('unknown_tool');

    const agents = await readJson(await h.api('/v1/agents'));
    const names = agents.agents.map((a: { name: string }) => a.name);
    expect(names).toEqual(expect.arrayContaining(['assistant', 'researcher', 'reviewer', 'critic']));
    expect(agents.agents.find((a: { name: string }) => a.name === 'reviewer').outputSchema.type).toBe('object');
  });

  it('streams structured output as one growing data-object and stores the validated object', async () => {
    const answer = {
      verdict: 'request_changes',
      summary: 'Needs sources.',
      issues: [{ severity: 'high', description: 'No citations' }],
    };
    const json = JSON.stringify(answer);
    const pieces = json.match(/.{1,12}/g)!;
    h.model.enqueue({ kind: 'text', chunks: pieces });
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('review this')],
      agent: 'reviewer',
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const { message, chunks } = await readTurn(response);

    expect(chunks.filter((c) => c.type === 'data-object').length).toBeGreaterThan(2);
    expect(chunks.some((c) => c.type === 'text-delta')).toBe(false);
    const objects = message.parts.filter((p) => p.type === 'data-object');
    expect(objects).toHaveLength(1);
    expect((objects[0] as { data: unknown }).data).toEqual(answer);
    expect(systemOf()).toContain('JSON Schema');
    expect((await readJson(await h.api(`/v1/completions/${completionId}`))).output).toEqual(answer);
  });

  it('gives an invalid object one repair attempt, then fails with a clear error', async () => {
    const good = { verdict: 'approve', summary: 'Fine.', issues: [] };
    h.model.enqueue(
      { kind: 'text', chunks: ['{"verdict":"maybe","summary":"?"}'] },
      { kind: 'text', chunks: [JSON.stringify(good)] },
    );
    const repaired = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('review')],
      agent: 'reviewer',
    });
    const repairedId = repaired.headers.get('x-longhaul-completion-id')!;
    await repaired.text();
    const repairRequest = JSON.stringify(h.model.requests.at(-1)!.body);
    expect(repairRequest).toContain('Your answer was rejected');
    expect(repairRequest).toContain('verdict');
    expect((await readJson(await h.api(`/v1/completions/${repairedId}`))).output).toEqual(good);

    h.model.enqueue({ kind: 'text', chunks: ['not json at all'] }, { kind: 'text', chunks: ['{"still":"wrong"}'] });
    const failing = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('review')],
      agent: 'reviewer',
    });
    const failingId = failing.headers.get('x-longhaul-completion-id')!;
    const chunks = await readValidatedChunks(failing);
    expect(chunks.at(-1)).toMatchObject({ type: 'error' });
    expect((chunks.at(-1) as { errorText: string }).errorText).toMatch(
      /^invalid_output: the answer does not match the schema/,
    );
    expect((await readJson(await h.api(`/v1/completions/${failingId}`))).error.code).toBe('invalid_output');
  });

  it('adds a source-url part for the page fetch_url read', async () => {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'fetch_url', argsChunks: [JSON.stringify({ url: siteUrl })] }] },
      { kind: 'text', chunks: ['High tide is at 06:12.'] },
    );
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('tides?')],
      agent: 'assistant',
      tools: ['fetch_url'],
    });
    const { message } = await readTurn(response);
    const source = message.parts.find((p) => p.type === 'source-url') as { url: string; title?: string } | undefined;
    expect(source).toMatchObject({ url: siteUrl, title: 'Tide tables' });
    expect(JSON.stringify(h.model.requests.at(-1)!.body)).toContain('High tide at 06:12.');
    expect(JSON.stringify(h.model.requests.at(-1)!.body)).not.toContain('source-url');
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect(messages[1].parts.map((p: { type: string }) => p.type)).toContain('source-url');
  });

  it('starts no new model call once the agent’s wall time is spent', async () => {
    h.model.enqueue(
      {
        kind: 'tool-calls',
        calls: [{ name: 'current_time', argsChunks: ['{}'] }],
        delayMs: 200,
        text: ['Checking the ', 'clock.'],
      },
      { kind: 'text', chunks: ['never asked'] },
    );
    const before = h.model.requests.length;
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('time?')],
      agent: 'hasty',
    });
    const chunks = await readValidatedChunks(response);
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', messageMetadata: { finishReason: 'max-time' } });
    expect(h.model.requests.length - before).toBe(1);
    h.model.reset();
  });

  it('lists the caller’s live completions with thread, agent and step', async () => {
    h.model.enqueue({ kind: 'text', chunks: Array.from({ length: 10 }, () => 'slow '), delayMs: 100 });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('sidebar')],
      agent: 'critic',
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await waitFor(async () => {
      const { completions } = await readJson(await h.api('/v1/completions?status=running'));
      return completions.some((c: { id: string }) => c.id === completionId);
    });
    const { completions } = await readJson(await h.api('/v1/completions?status=running'));
    expect(completions.find((c: { id: string }) => c.id === completionId)).toMatchObject({
      threadId: chatId,
      threadTitle: 'sidebar',
      agent: 'critic',
      status: 'running',
    });
    await response.text();
    const after = await readJson(await h.api('/v1/completions'));
    expect(after.completions.some((c: { id: string }) => c.id === completionId)).toBe(false);
  });
});

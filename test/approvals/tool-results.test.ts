import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiMessageChunkSchema as uiMessageChunkSchemaV5 } from 'ai-v5';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { createTestTools, type TestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

describe('tool results are data the model reads, never a dead stream', () => {
  let h: Harness;
  let tools: TestTools;
  beforeAll(async () => {
    tools = createTestTools();
    h = await startHarness({}, { tools: tools.definitions });
  });
  afterAll(() => h?.close());

  const toolMessages = (body: unknown) =>
    (body as { messages: { role: string; tool_call_id?: string; content: string }[] }).messages.filter(
      (m) => m.role === 'tool',
    );

  it('reports invalid arguments, an unknown tool and a throwing tool to the model, which answers', async () => {
    h.model.enqueue(
      {
        kind: 'tool-calls',
        calls: [
          { name: 'echo', argsChunks: ['{"text":', '42}'] },
          { name: 'teleport', argsChunks: ['{}'] },
          { name: 'explode', argsChunks: ['{}'] },
          { name: 'echo', argsChunks: ['{"text": "ok"'] },
        ],
      },
      { kind: 'text', chunks: ['Some tools failed; ', 'here is what I know.'] },
    );
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('try everything')],
      tools: ['echo', 'explode'],
    });
    const chunks = await readValidatedChunks(response);
    const types = chunks.map((c) => c.type);
    expect(types.filter((t) => t === 'tool-input-error')).toHaveLength(2);
    expect(types.filter((t) => t === 'tool-output-error')).toHaveLength(2);
    expect(types.at(-1)).toBe('finish');
    const texts = chunks.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('');
    expect(texts).toBe('Some tools failed; here is what I know.');
    expect(tools.executions.get('explode')).toBe(2);

    const results = toolMessages(h.model.requests.at(-1)!.body).map((m) => JSON.parse(m.content));
    expect(results.map((r) => r.kind)).toEqual(['validation_error', 'not_found_error', 'failed', 'validation_error']);
    expect(results[0].message).toContain('text');
    expect(results[1].message).toContain('available tools: echo, explode');
    expect(results[2].message).toContain('the detonator is wet');
    expect(results[3].message).toContain('not valid JSON');

    const { rows } = await h.pool.query(
      `SELECT tool_name, status FROM tool_executions WHERE thread_id = (SELECT id FROM threads WHERE client_id = $1) ORDER BY id`,
      [chatId],
    );
    expect(rows.map((r) => r.status)).toEqual(['invalid', 'not_found', 'failed', 'invalid']);
    const completion = await h.pool.query(
      `SELECT status, steps FROM completions WHERE thread_id = (SELECT id FROM threads WHERE client_id = $1)`,
      [chatId],
    );
    expect(completion.rows[0]).toEqual({ status: 'completed', steps: 2 });
  });

  it('answers `pending` for a background tool and adds its result to the thread for the next turn', async () => {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'slow_report', argsChunks: ['{"topic":"tides"}'] }] },
      { kind: 'text', chunks: ['I started the report.'] },
    );
    const chatId = `chat-${randomUUID()}`;
    const userEvents = await h.api('/v1/events');
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('report')],
      tools: ['slow_report'],
    });
    const chunks = await readValidatedChunks(response);
    const pending = chunks.find((c) => c.type === 'tool-output-available') as { output: { status: string } };
    expect(pending.output.status).toBe('pending');
    expect(JSON.parse(toolMessages(h.model.requests.at(-1)!.body)[0]!.content).kind).toBe('pending');

    await waitFor(async () => {
      const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
      return messages.some((m: { role: string }) => m.role === 'system');
    });
    const reader = userEvents.body!.getReader();
    let events = '';
    while (!events.includes('data-tool_result')) events += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(events).toContain('REPORT-ON-TIDES');

    h.model.enqueue({ kind: 'text', chunks: ['The report says tides.'] });
    await (await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('and?')] })).text();
    expect(JSON.stringify(h.model.requests.at(-1)!.body)).toContain('REPORT-ON-TIDES');
    expect(tools.executions.get('slow_report')).toBe(1);
  });

  it('gives ai v5 clients data-approval parts instead of approval chunks they would reject', async () => {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: ['{"amount":9}'] }] },
      { kind: 'text', chunks: ['Denied, fine.'] },
    );
    const chatId = `chat-${randomUUID()}`;
    const response = await h.api('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-longhaul-ui-version': '5' },
      body: JSON.stringify({
        id: chatId,
        trigger: 'submit-message',
        messages: [userMessage('pay')],
        tools: ['transfer'],
      }),
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const chunks = await readValidatedChunks(response, uiMessageChunkSchemaV5 as never);
    expect(chunks.map((c) => c.type)).not.toContain('tool-approval-request');
    const approval = chunks.find((c) => c.type === 'data-approval') as {
      data: { toolCallId: string; argsDigest: string };
    };
    expect(approval.data).toMatchObject({ state: 'requested' });

    const decision = await h.api(`/v1/approvals/${approval.data.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'deny', argsDigest: approval.data.argsDigest }),
    });
    expect(decision.status).toBe(200);
    const rest = await h.api(`/v1/completions/${completionId}/events?uiVersion=5`);
    const all = await readValidatedChunks(rest, uiMessageChunkSchemaV5 as never);
    expect(all.map((c) => c.type)).not.toContain('tool-output-denied');
    expect(
      all.filter((c) => c.type === 'data-approval').map((c) => (c as { data: { state: string } }).data.state),
    ).toEqual(['requested', 'denied']);
  });
});

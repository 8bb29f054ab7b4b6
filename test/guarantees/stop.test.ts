import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

describe('Stop keeps what was said and ends everything in flight', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  const status = async (completionId: string) =>
    (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status as string;

  it('aborts the provider stream after the first token and keeps the partial text, marked stopped', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i} `);
    h.model.enqueue({ kind: 'text', chunks: words, delayMs: 150 });
    const chatId = `chat-${randomUUID()}`;
    const disconnectsBefore = h.model.disconnects.length;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('talk')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let raw = '';
    while (!raw.includes('"text-delta"')) raw += decoder.decode((await reader.read()).value, { stream: true });

    const stop = await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    expect(await readJson(stop)).toEqual({ completionId, status: 'cancelling' });
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      raw += decoder.decode(value, { stream: true });
    }
    expect(raw).toContain('"type":"abort"');
    expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true);

    await h.model.waitForDisconnects(disconnectsBefore + 1, 5_000);
    await waitFor(async () => (await status(completionId)) === 'cancelled');
    const { rows } = await h.pool.query(`SELECT parts, metadata FROM messages WHERE completion_id = $1`, [completionId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].metadata).toEqual({ stopped: true });
    const text = rows[0].parts.find((p: { type: string }) => p.type === 'text').text as string;
    expect(text.startsWith('word0 ')).toBe(true);
    expect(text.length).toBeLessThan(words.join('').length);
    const streamed = [...raw.matchAll(/"delta":"([^"]*)"/g)].map((m) => m[1]).join('');
    expect(text.startsWith(streamed)).toBe(true);

    const again = await h.api(`/v1/completions/${completionId}/cancel`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(await readJson(again)).toEqual({ completionId, status: 'cancelled' });
    const handle = h.temporal.workflow.getHandle(`completion-${completionId}`);
    await waitFor(async () => (await handle.describe()).status.name === 'CANCELLED', 5_000, 'workflow CANCELLED');
  });

  it('cancels while awaiting approval: the call is interrupted and leaves the inbox', async () => {
    h.model.enqueue({ kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: ['{"amount":5}'] }] });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('pay')], tools: ['transfer'] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await readValidatedChunks(response);
    const { approvals } = await readJson(await h.api('/v1/approvals'));
    const approval = approvals.find((a: { threadId: string }) => a.threadId === chatId);
    expect(approval).toBeDefined();

    const cancel = await h.api(`/v1/completions/${completionId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    await waitFor(async () => (await status(completionId)) === 'cancelled');

    const inbox = await readJson(await h.api('/v1/approvals'));
    expect(inbox.approvals.find((a: { toolCallId: string }) => a.toolCallId === approval.toolCallId)).toBeUndefined();
    const { rows } = await h.pool.query(`SELECT status FROM tool_executions WHERE id = $1`, [approval.toolCallId]);
    expect(rows[0].status).toBe('interrupted');
    const child = h.temporal.workflow.getHandle(`tool-${approval.toolCallId}`);
    await waitFor(async () => (await child.describe()).status.name === 'CANCELLED', 5_000, 'child CANCELLED');
    const late = await h.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', argsDigest: approval.argsDigest }),
    });
    expect(late.status).toBe(409);
    const events = await readValidatedChunks(await h.api(`/v1/completions/${completionId}/events`));
    expect(events.at(-1)?.type).toBe('abort');
    expect(events.some((c) => c.type === 'data-thread_status' && (c.data as { runStatus: string }).runStatus === 'cancelled')).toBe(true);
  });

  it('refuses to cancel a finished completion', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['done'] });
    const response = await postChat(h, { id: `chat-${randomUUID()}`, trigger: 'submit-message', messages: [userMessage('hi')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await response.text();
    await waitFor(async () => (await status(completionId)) === 'completed');
    const cancel = await h.api(`/v1/completions/${completionId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(409);
    expect((await readJson(cancel)).error.code).toBe('not_running');
  });
});

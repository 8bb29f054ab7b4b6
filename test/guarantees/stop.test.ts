import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, startLongAnswer, userMessage } from '../support/chat-client.js';
import { startPendingTransfer } from '../support/pending-approval.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';
import { publishStopHint } from '../../src/stream/stop-hints.js';

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
    const { chatId, completionId, disconnectsBefore, readRest } = await startLongAnswer(h, words, 150);
    const stop = await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    expect(await readJson(stop)).toEqual({ completionId, status: 'cancelling' });
    const raw = await readRest();
    expect(raw).toContain('"type":"abort"');
    expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true);

    await h.model.waitForDisconnects(disconnectsBefore + 1, 5_000);
    await waitFor(async () => (await status(completionId)) === 'cancelled');
    const { rows } = await h.pool.query(`SELECT parts, metadata FROM messages WHERE completion_id = $1`, [
      completionId,
    ]);
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
    const { completionId, approval } = await startPendingTransfer(h, { amount: 5 });

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
    expect(
      events.some(
        (c) => c.type === 'data-thread_status' && (c.data as { runStatus: string }).runStatus === 'cancelled',
      ),
    ).toBe(true);
  });

  it('a stop hint cuts the model stream and answers abort at once; the turn ends when Temporal confirms', async () => {
    const { completionId, disconnectsBefore, readRest } = await startLongAnswer(h);
    // Only the hint, no cancel request: what the hint alone does, and what it leaves to Temporal.
    await publishStopHint(h.redis, completionId);
    const raw = await readRest();
    const types = [...raw.matchAll(/"type":"([^"]+)"/g)].map((m) => m[1]);
    expect(types.slice(-2)).toEqual(['text-end', 'abort']);
    await h.model.waitForDisconnects(disconnectsBefore + 1, 5_000);

    // Without Temporal's cancellation the model call waits (heartbeating) instead of ending the turn itself.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await status(completionId)).toBe('running');
    const handle = h.temporal.workflow.getHandle(`completion-${completionId}`);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    await handle.cancel();
    await waitFor(async () => (await status(completionId)) === 'cancelled');
    const { rows } = await h.pool.query(`SELECT metadata FROM messages WHERE completion_id = $1`, [completionId]);
    expect(rows.map((row) => row.metadata)).toEqual([{ stopped: true }]);
    // The workflow's own `abort` a moment later is not appended after the one the client already has.
    const replay = await readValidatedChunks(await h.api(`/v1/completions/${completionId}/events`));
    expect(replay.filter((chunk) => chunk.type === 'abort')).toHaveLength(1);
    expect(replay.at(-1)?.type).toBe('abort');
  });

  it('a cancel from Temporal alone (CLI, Temporal UI) still reaches the model stream', async () => {
    const { completionId, disconnectsBefore, readRest } = await startLongAnswer(h);
    await h.temporal.workflow.getHandle(`completion-${completionId}`).cancel();
    const raw = await readRest();
    expect(raw).toContain('"type":"abort"');
    await h.model.waitForDisconnects(disconnectsBefore + 1, 5_000);
    await waitFor(async () => (await status(completionId)) === 'cancelled');
  });

  it('a message sent right after the abort waits for the stopping turn instead of being refused', async () => {
    const { chatId, completionId, readRest } = await startLongAnswer(h);
    // The moment between the early `abort` and the workflow's bookkeeping, held open: the stop is on record and
    // the stream is cut (what the canceller does first), but Temporal has not been asked yet.
    await h.pool.query(`UPDATE completions SET cancel_requested_at = now() WHERE id = $1`, [completionId]);
    await publishStopHint(h.redis, completionId);
    expect(await readRest()).toContain('"type":"abort"');
    expect(await status(completionId)).toBe('running');

    h.model.enqueue({ kind: 'text', chunks: ['next ', 'answer'] });
    const next = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('and now?')] });
    expect(next.status).toBe(200);
    const nextId = next.headers.get('x-longhaul-completion-id')!;
    expect(await status(nextId)).toBe('queued');
    await h.temporal.workflow.getHandle(`completion-${completionId}`).cancel();
    const chunks = await readValidatedChunks(next);
    expect(
      chunks
        .filter((chunk) => chunk.type === 'text-delta')
        .map((chunk) => chunk.delta)
        .join(''),
    ).toBe('next answer');
    expect(await status(completionId)).toBe('cancelled');
    expect(await status(nextId)).toBe('completed');
  });

  it('records the stop when the worker shuts down while the stopped turn is finishing', async () => {
    const { chatId, completionId, readRest } = await startLongAnswer(h);
    expect((await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(202);
    const { rows } = await h.pool.query(`SELECT cancel_requested_at FROM completions WHERE id = $1`, [completionId]);
    expect(rows[0].cancel_requested_at).toBeInstanceOf(Date);
    expect(await readRest()).toContain('"type":"abort"');
    await h.stopWorker();
    await h.startWorker();
    await waitFor(
      async () => (await status(completionId)) === 'cancelled',
      15_000,
      'completion recorded as cancelled',
    ).catch(async (error) => {
      const history = await h.temporal.workflow.getHandle(`completion-${completionId}`).fetchHistory();
      console.log(JSON.stringify(history.events, null, 1));
      throw error;
    });
  });

  it('refuses to cancel a finished completion', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['done'] });
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('hi')],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await response.text();
    await waitFor(async () => (await status(completionId)) === 'completed');
    const cancel = await h.api(`/v1/completions/${completionId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(409);
    expect((await readJson(cancel)).error.code).toBe('not_running');
  });
});

describe('a stop that Temporal never confirms', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_STOP_CONFIRM_TIMEOUT_MS: '1000' });
  });
  afterAll(() => h?.close());

  it('fails the completion after the confirmation timeout instead of holding the model call forever', async () => {
    const { completionId, readRest } = await startLongAnswer(h);
    // A hint with no cancel request behind it: what a Temporal request that failed after the hint leaves.
    await publishStopHint(h.redis, completionId);
    const raw = await readRest();
    expect(raw).toContain('"type":"abort"');

    const row = async () =>
      (await h.pool.query(`SELECT status, error FROM completions WHERE id = $1`, [completionId])).rows[0];
    await waitFor(async () => (await row()).status === 'failed', 15_000, 'completion failed');
    expect((await row()).error).toMatchObject({ code: 'stop_not_confirmed' });
    const { rows } = await h.pool.query(`SELECT metadata FROM messages WHERE completion_id = $1`, [completionId]);
    expect(rows.map((r) => r.metadata)).toEqual([{ stopped: true }]);
  });
});

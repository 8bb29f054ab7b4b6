import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readTurn, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { startPendingTransfer } from '../support/pending-approval.js';
import { createTestTools, type TestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';
import { signalApprovalDecision } from '../support/temporal-cli.js';

describe('approvals through REST, signals and the clock', () => {
  let h: Harness;
  let tools: TestTools;
  beforeAll(async () => {
    tools = createTestTools({ shortExpiryMs: 1_500 });
    h = await startHarness({}, { tools: tools.definitions });
  });
  afterAll(() => h?.close());

  /** Starts a turn whose model asks for one `transfer`, and returns once the approval is pending. */
  async function pendingTransfer(amount = 25, after: string[] = ['Done.']) {
    const { chatId, completionId, chunks, approval } = await startPendingTransfer(h, {
      amount,
      then: [{ kind: 'text', chunks: after }],
      text: 'pay the rent',
    });
    expect(chunks.map((c) => c.type)).toContain('tool-approval-request');
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(approval).toMatchObject({ toolName: 'transfer', args: { amount } });
    return { chatId, approval, completionId };
  }

  const decide = (toolCallId: string, body: unknown, key = h.apiKey) =>
    h.api(`/v1/approvals/${toolCallId}`, {
      method: 'POST',
      key,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const completionStatus = async (completionId: string) =>
    (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status as string;

  it('takes one decision: a second is 409, another user 404, a stale digest 409', async () => {
    const { approval, completionId } = await pendingTransfer();
    const executedBefore = tools.executions.get('transfer') ?? 0;
    expect(await completionStatus(completionId)).toBe('awaiting_approval');
    // Visibility is updated asynchronously after the upsert.
    const handle = h.temporal.workflow.getHandle(`completion-${completionId}`);
    await waitFor(
      async () =>
        (await handle.describe()).typedSearchAttributes.getAll().find((p) => p.key.name === 'LonghaulStatus')?.value ===
        'awaiting_approval',
      5_000,
      'LonghaulStatus = awaiting_approval',
    );

    const intruder = await h.createUser();
    const foreign = await decide(
      approval.toolCallId,
      { decision: 'approve', argsDigest: approval.argsDigest },
      intruder.apiKey,
    );
    expect(foreign.status).toBe(404);
    expect((await readJson(await h.api('/v1/approvals', { key: intruder.apiKey }))).approvals).toEqual([]);

    const stale = await decide(approval.toolCallId, { decision: 'approve', argsDigest: 'f'.repeat(64) });
    expect(stale.status).toBe(409);
    expect((await readJson(stale)).error.code).toBe('args_mismatch');

    const first = await decide(approval.toolCallId, {
      decision: 'approve',
      argsDigest: approval.argsDigest,
      reason: 'ok',
    });
    expect(first.status).toBe(200);
    expect(await readJson(first)).toMatchObject({
      toolCallId: approval.toolCallId,
      decision: 'approved',
      approver: h.userId,
    });

    const second = await decide(approval.toolCallId, { decision: 'deny', argsDigest: approval.argsDigest });
    expect(second.status).toBe(409);
    expect((await readJson(second)).error.code).toBe('already_decided');

    await waitFor(async () => (await completionStatus(completionId)) === 'completed');
    expect((tools.executions.get('transfer') ?? 0) - executedBefore).toBe(1);
    const { rows } = await h.pool.query(`SELECT status, decision, result FROM tool_executions WHERE id = $1`, [
      approval.toolCallId,
    ]);
    expect(rows[0]).toMatchObject({ status: 'completed', decision: 'approved' });
    expect(rows[0].result.output).toEqual({ transferred: 25, idempotencyKey: approval.toolCallId });
    const inbox = await readJson(await h.api('/v1/approvals?status=pending'));
    expect(inbox.approvals.find((a: { toolCallId: string }) => a.toolCallId === approval.toolCallId)).toBeUndefined();
  });

  it('accepts a decision signalled with the temporal CLI, as an operator would', async () => {
    const { approval, completionId } = await pendingTransfer(7);
    const result = signalApprovalDecision(h.config.TEMPORAL_ADDRESS, approval.toolCallId, {
      approved: false,
      reason: 'operator says no',
      argsDigest: approval.argsDigest,
    });
    expect(result.status, result.stderr).toBe(0);
    await waitFor(async () => (await completionStatus(completionId)) === 'completed');
    const { rows } = await h.pool.query(`SELECT status, decision, decision_reason FROM tool_executions WHERE id = $1`, [
      approval.toolCallId,
    ]);
    expect(rows[0]).toEqual({ status: 'denied', decision: 'denied', decision_reason: 'operator says no' });
    const late = await decide(approval.toolCallId, { decision: 'approve', argsDigest: approval.argsDigest });
    expect(late.status).toBe(409);
  });

  it('expires an unanswered approval as denied, and the model continues', async () => {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'hasty_approval', argsChunks: ['{}'] }] },
      { kind: 'text', chunks: ['Nobody answered, so I stopped.'] },
    );
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('go')],
      tools: ['hasty_approval'],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await response.text();
    await waitFor(async () => (await completionStatus(completionId)) === 'completed', 15_000);

    const { rows } = await h.pool.query(`SELECT id, status, decision FROM tool_executions WHERE completion_id = $1`, [
      completionId,
    ]);
    expect(rows[0]).toMatchObject({ status: 'expired', decision: 'expired' });
    expect(tools.executions.get('hasty_approval') ?? 0).toBe(0);
    const late = await decide(rows[0].id, { decision: 'approve', argsDigest: 'a'.repeat(64) });
    expect(late.status).toBe(410);
    expect(JSON.stringify(h.model.requests.at(-1)!.body)).toContain('approval request expired');
    const messages = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    const part = messages.messages[1].parts.find((p: { type: string }) => p.type === 'tool-hasty_approval');
    expect(part.state).toBe('output-denied');
    // ai 7 is told of the expiry as a denial, so the answer it assembles is the transcript's.
    const { message, chunks } = await readTurn(await h.api(`/v1/completions/${completionId}/events`));
    expect(chunks.find((c) => c.type === 'tool-approval-response')).toMatchObject({
      approved: false,
      reason: 'the approval request expired',
    });
    expect(message.parts).toEqual(messages.messages[1].parts);
  });

  it('runs two calls of one step, one inline and one awaiting approval, and resolves both', async () => {
    h.model.enqueue(
      {
        kind: 'tool-calls',
        calls: [
          { name: 'echo', argsChunks: ['{"text":"hi"}'] },
          { name: 'transfer', argsChunks: ['{"amount":', '3}'] },
        ],
      },
      { kind: 'text', chunks: ['Both done.'] },
    );
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('both')],
      tools: ['echo', 'transfer'],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const first = await readValidatedChunks(response);
    const types = first.map((c) => c.type);
    expect(types.filter((t) => t === 'tool-input-available')).toHaveLength(2);
    expect(types).toContain('tool-output-available');
    expect(types.indexOf('tool-output-available')).toBeLessThan(types.indexOf('tool-approval-request'));

    const inbox = await readJson(await h.api('/v1/approvals'));
    const approval = inbox.approvals.find((a: { threadId: string }) => a.threadId === chatId);
    // A REST viewer reads on through the approval pause until the completion has ended.
    const events = h.api(`/v1/completions/${completionId}/events`);
    expect((await decide(approval.toolCallId, { decision: 'approve', argsDigest: approval.argsDigest })).status).toBe(
      200,
    );
    await waitFor(async () => (await completionStatus(completionId)) === 'completed');

    const all = await readValidatedChunks(await events);
    const starts = all.filter((c) => c.type === 'start');
    expect(starts).toHaveLength(2);
    expect(new Set(starts.map((c) => (c as { messageId?: string }).messageId)).size).toBe(1);
    const outputs = all
      .filter((c) => c.type === 'tool-output-available')
      .map((c) => (c as { toolCallId: string }).toolCallId);
    expect(new Set(outputs).size).toBe(2);
    const body = JSON.stringify(h.model.requests.at(-1)!.body);
    expect(body).toContain('\\"echoed\\":\\"hi\\"');
    expect(body).toContain('\\"transferred\\":3');
  });
});

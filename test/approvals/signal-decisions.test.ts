/**
 * Operator decisions sent with the real `temporal workflow signal` CLI. A signal cannot be refused, so one
 * without the call's argsDigest (or with another call's) must change nothing; one with it is recorded as the
 * operator's decision through Temporal, whoever it names as approver.
 */
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readJson, readValidatedChunks } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { findPendingApproval, startPendingTransfer } from '../support/pending-approval.js';
import { signalApprovalDecision } from '../support/temporal-cli.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';
import { startWorkerProcess } from '../support/worker-process.js';

describe('approvalDecision signals from the Temporal CLI', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());
  // A test that failed half-way leaves its turn running; stop it so it cannot take the next test's model scripts.
  afterEach(async () => {
    // This file's own turns only: other test files share the database.
    const active = `SELECT id FROM completions WHERE user_id = $1 AND status IN ('queued', 'running', 'awaiting_approval')`;
    const ownActive = () => h.pool.query(active, [h.userId]);
    for (const { id } of (await ownActive()).rows) await h.api(`/v1/completions/${id}/cancel`, { method: 'POST' });
    await waitFor(async () => (await ownActive()).rowCount === 0, 15_000, 'every turn ended');
    h.model.reset();
  });

  function signal(toolCallId: string, input: Record<string, unknown>) {
    const result = signalApprovalDecision(h.config.TEMPORAL_ADDRESS, toolCallId, input);
    expect(result.status, result.stderr).toBe(0);
  }

  /** The call's history once the worker has handled every signal sent so far (a workflow task completed after it). */
  async function afterSignalsHandled(toolCallId: string): Promise<History> {
    const handle = h.temporal.workflow.getHandle(`tool-${toolCallId}`);
    let history: History = {};
    await waitFor(
      async () => {
        history = await handle.fetchHistory();
        const events = history.events ?? [];
        const lastSignal = events.findLastIndex((e) => e.workflowExecutionSignaledEventAttributes);
        return lastSignal >= 0 && events.slice(lastSignal).some((e) => e.workflowTaskCompletedEventAttributes);
      },
      10_000,
      'the signal handled by the worker',
    );
    return history;
  }

  const scheduled = (history: History) =>
    (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);

  const completionStatus = async (completionId: string) =>
    (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status as string;

  const callRow = async (toolCallId: string) =>
    (await h.pool.query(`SELECT status, decision, approver FROM tool_executions WHERE id = $1`, [toolCallId])).rows[0];

  const decide = (toolCallId: string, body: unknown) =>
    h.api(`/v1/approvals/${toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** A signal the workflow must ignore: the call still waits, the inbox lists it, and the API can still decide. */
  async function expectIgnored(sent: Record<string, unknown>) {
    const { chatId, completionId, approval } = await startPendingTransfer(h, {
      amount: 11,
      then: [{ kind: 'text', chunks: ['Paid.'] }],
    });
    signal(approval.toolCallId, { ...sent, approver: h.userId });
    const history = await afterSignalsHandled(approval.toolCallId);
    expect(scheduled(history)).not.toContain('recordApprovalDecision');
    expect(await callRow(approval.toolCallId)).toEqual({ status: 'awaiting_approval', decision: null, approver: null });
    expect((await findPendingApproval(h, chatId)).toolCallId).toBe(approval.toolCallId);

    const decided = await decide(approval.toolCallId, { decision: 'approve', argsDigest: approval.argsDigest });
    expect(decided.status).toBe(200);
    expect(await readJson(decided)).toMatchObject({ decision: 'approved', approver: h.userId });
    await waitFor(async () => (await completionStatus(completionId)) === 'completed');
    expect(await callRow(approval.toolCallId)).toEqual({
      status: 'completed',
      decision: 'approved',
      approver: h.userId,
    });
  }

  it('ignores a signal without argsDigest: the call keeps waiting and the API still decides it', async () => {
    await expectIgnored({ approved: true });
  });

  it('ignores a signal whose argsDigest is not the call’s', async () => {
    await expectIgnored({ approved: true, argsDigest: 'f'.repeat(64) });
  });

  it('tells the operator in the worker log why a signal was ignored', async () => {
    const { completionId, approval } = await startPendingTransfer(h, {
      amount: 13,
      then: [{ kind: 'text', chunks: ['Paid.'] }],
    });
    // The worker as production runs it, so its log is the one an operator reads.
    await h.stopWorker();
    const worker = await startWorkerProcess(h);
    const ignored = () =>
      worker
        .output()
        .split('\n')
        .find((line) => line.includes('approvalDecision signal ignored'));
    try {
      signal(approval.toolCallId, { approved: true, approver: h.userId });
      await waitFor(async () => ignored() !== undefined, 30_000, 'the ignored signal in the worker log');
    } finally {
      await worker.stop();
      await h.startWorker();
    }
    expect(JSON.parse(ignored()!)).toMatchObject({
      level: 40,
      msg: `approvalDecision signal ignored: it carries no argsDigest (this call's is ${approval.argsDigest})`,
      temporal: { toolCallId: approval.toolCallId, toolName: 'transfer', workflowId: `tool-${approval.toolCallId}` },
    });
    expect(await callRow(approval.toolCallId)).toEqual({ status: 'awaiting_approval', decision: null, approver: null });
    expect((await decide(approval.toolCallId, { decision: 'approve', argsDigest: approval.argsDigest })).status).toBe(
      200,
    );
    await waitFor(async () => (await completionStatus(completionId)) === 'completed', 30_000);
    // A worker process starts by bundling the workflow code, and each worker change waits out a sticky queue.
  }, 120_000);

  it('records a signal with the digest shown in the Temporal UI as the operator’s, the named approver as a claim', async () => {
    const { chatId, completionId, approval } = await startPendingTransfer(h, {
      amount: 12,
      then: [{ kind: 'text', chunks: ['Paid.'] }],
    });
    // What an operator reads in the Temporal UI on the pending call: its digest and the command to send.
    const details = await (
      await h.temporal.workflow.getHandle(`tool-${approval.toolCallId}`).describe()
    ).staticDetails();
    expect(details).toContain(approval.argsDigest);
    const shown = /--input '([^']+)'/.exec(details ?? '')?.[1];
    expect(shown, 'the signal command in the static details').toBeDefined();
    expect(JSON.parse(shown!)).toEqual({ approved: true, argsDigest: approval.argsDigest });

    // The sender names the thread's owner: Temporal cannot tell us who sent it, so that is only a claim.
    signal(approval.toolCallId, { ...JSON.parse(shown!), approver: h.userId, reason: 'ops on call' });
    await waitFor(async () => (await completionStatus(completionId)) === 'completed');
    expect(await callRow(approval.toolCallId)).toEqual({
      status: 'completed',
      decision: 'approved',
      approver: 'operator',
    });

    const { events } = await readJson(await h.api(`/v1/threads/${chatId}/audit`));
    const decided = events.filter((e: { type: string }) => e.type === 'approval_decided');
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({
      actor: 'operator',
      workflowId: `tool-${approval.toolCallId}`,
      data: { decision: 'approved', claimedApprover: h.userId, reason: 'ops on call', argsDigest: approval.argsDigest },
    });

    // ai 7 viewers are told the decision like any other: once, after the request, before the output.
    const chunks = await readValidatedChunks(await h.api(`/v1/completions/${completionId}/events`));
    const about = chunks.filter(
      (c) => ('toolCallId' in c && c.toolCallId === approval.toolCallId) || c.type === 'tool-approval-response',
    );
    expect(about.map((c) => c.type)).toEqual([
      'tool-input-start',
      'tool-input-delta',
      'tool-input-available',
      'tool-approval-request',
      'tool-approval-response',
      'tool-output-available',
    ]);
    expect(about[4]).toEqual({
      type: 'tool-approval-response',
      approvalId: `${approval.toolCallId}:${approval.argsDigest}`,
      approved: true,
      reason: 'ops on call',
    });

    const inbox = await readJson(await h.api('/v1/approvals?status=pending'));
    expect(inbox.approvals.find((a: { toolCallId: string }) => a.toolCallId === approval.toolCallId)).toBeUndefined();
    const late = await decide(approval.toolCallId, { decision: 'deny', argsDigest: approval.argsDigest });
    expect(late.status).toBe(409);
    expect((await readJson(late)).error.code).toBe('already_decided');
  });
});

import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../src/activities/deps.js';
import { createToolStepBookkeeping } from '../../src/activities/tool-step-bookkeeping.js';
import { createLogger } from '../../src/log.js';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { streamKeys } from '../../src/stream/stream-keys.js';
import type { RequestApprovalsInput } from '../../src/workflows/definitions.js';
import { readJson } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startPendingTransfer } from '../support/pending-approval.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

/**
 * `requestApprovals` is retried when an attempt fails part-way (a Redis blip while it announces). The attempt
 * before has already marked the calls as awaiting approval, so a person may decide one before the retry runs:
 * the retry must not ask again for a call that is decided.
 */
describe('a retried approval request after a decision', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  /** The input Temporal scheduled requestApprovals with, as a retry would receive it. */
  async function scheduledInput(completionId: string): Promise<RequestApprovalsInput> {
    const history = await h.temporal.workflow.getHandle(`completion-${completionId}`).fetchHistory();
    const scheduled = history.events!.find(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'requestApprovals',
    );
    const payload = scheduled!.activityTaskScheduledEventAttributes!.input!.payloads![0]!;
    return JSON.parse(new TextDecoder().decode(payload.data!)) as RequestApprovalsInput;
  }

  /** Runs the retry while the completion has not resumed yet (the worker is away), then lets it go on. */
  async function retryRequestApprovals(input: RequestApprovalsInput, check: () => Promise<void>): Promise<void> {
    await h.stopWorker();
    try {
      const activities = createToolStepBookkeeping({
        pool: h.pool,
        publisher: createChunkPublisher(h.redis, { maxLen: 1000, ttlSeconds: 600, replayWindowSeconds: 600 }),
        log: createLogger('worker', 'warn'),
      } as ActivityDeps);
      await new MockActivityEnvironment({ attempt: 2 }).run(activities.requestApprovals, input);
      await check();
    } finally {
      // The turn goes on to its end either way, so the next test's model script is its own.
      await h.startWorker();
      const status = async () => (await readJson(await h.api(`/v1/completions/${input.completionId}`))).status;
      await waitFor(async () => (await status()) === 'completed', 15_000, 'the turn completes once the worker is back');
    }
  }

  const approvalRequestsInLog = async (completionId: string, toolCallId: string) =>
    (await h.redis.xrange(streamKeys.log(completionId), '-', '+')).filter(
      ([, fields]) => fields[1] === 'tool-approval-request' && fields[3]!.includes(toolCallId),
    ).length;

  const decide = (toolCallId: string, body: unknown) =>
    h.api(`/v1/approvals/${toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const inboxIds = async () =>
    (await readJson(await h.api('/v1/approvals'))).approvals.map(
      (a: { toolCallId: string }) => a.toolCallId,
    ) as string[];

  const storedPart = async (toolCallId: string) => {
    const { rows } = await h.pool.query(
      `SELECT p AS part FROM tool_executions t JOIN messages m ON m.id = t.message_id, jsonb_array_elements(m.parts) p
       WHERE t.id = $1 AND p->>'toolCallId' = $1`,
      [toolCallId],
    );
    return rows[0].part as { state: string; approval?: { approved?: boolean } };
  };

  it('leaves a denied call denied: its part, its status, the inbox and the stream do not ask again', async () => {
    const { completionId, approval } = await startPendingTransfer(h, {
      amount: 40,
      then: [{ kind: 'text', chunks: ['Not paid.'] }],
    });
    const input = await scheduledInput(completionId);
    expect(
      (
        await decide(approval.toolCallId, {
          decision: 'deny',
          reason: 'not this month',
          argsDigest: approval.argsDigest,
        })
      ).status,
    ).toBe(200);
    await waitFor(
      async () => (await storedPart(approval.toolCallId)).state === 'output-denied',
      10_000,
      'the denial stored',
    );
    expect(await approvalRequestsInLog(completionId, approval.toolCallId)).toBe(1);

    await retryRequestApprovals(input, async () => {
      expect(await storedPart(approval.toolCallId)).toMatchObject({
        state: 'output-denied',
        approval: { approved: false },
      });
      const { rows } = await h.pool.query(`SELECT status, decision FROM tool_executions WHERE id = $1`, [
        approval.toolCallId,
      ]);
      expect(rows[0]).toEqual({ status: 'denied', decision: 'denied' });
      expect(await approvalRequestsInLog(completionId, approval.toolCallId)).toBe(1);
      expect(await inboxIds()).not.toContain(approval.toolCallId);
    });
  });

  it('leaves an approved call approved: it is neither back in the inbox nor asked for again', async () => {
    const { completionId, approval } = await startPendingTransfer(h, {
      amount: 41,
      then: [{ kind: 'text', chunks: ['Paid.'] }],
    });
    const input = await scheduledInput(completionId);
    expect((await decide(approval.toolCallId, { decision: 'approve', argsDigest: approval.argsDigest })).status).toBe(
      200,
    );
    await waitFor(
      async () => (await storedPart(approval.toolCallId)).approval?.approved === true,
      10_000,
      'the approval stored',
    );

    await retryRequestApprovals(input, async () => {
      const part = await storedPart(approval.toolCallId);
      expect(part.approval?.approved).toBe(true);
      expect(part.state).not.toBe('approval-requested');
      const { rows } = await h.pool.query(`SELECT status FROM tool_executions WHERE id = $1`, [approval.toolCallId]);
      expect(rows[0].status).not.toBe('awaiting_approval');
      expect(await approvalRequestsInLog(completionId, approval.toolCallId)).toBe(1);
      expect(await inboxIds()).not.toContain(approval.toolCallId);
    });
  });
});

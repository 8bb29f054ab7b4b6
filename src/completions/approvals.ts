/**
 * An approval's life: requested (the stream segment ends so the browser can show Approve/Deny), decided or
 * expired (the first decision stands), and the segment resumed once every decision is in. Also the reads that
 * let the API answer a decision it cannot take without asking Temporal.
 */
import { createCompletionsRepo } from '../db/completions-repo.js';
import type { Queryable } from '../db/pool.js';
import { createToolExecutionsRepo, type ToolExecutionRow } from '../db/tool-executions-repo.js';
import { withTransaction } from '../db/transaction.js';
import { approvalIdFor } from '../tools/args-digest.js';
import type { ToolResult } from '../tools/tool-result.js';
import type {
  RecordDecisionInput,
  RequestApprovalsInput,
  ResumeAfterApprovalsInput,
} from '../workflows/definitions.js';
import { approvalStatusChunk, threadStatusChunk } from './announcements.js';
import type { LifecycleDeps, Origin } from './lifecycle-deps.js';
import { auditToolCall, toAuditedCall } from './tool-call-audit.js';
import { publishToolOutputs } from './tool-calls.js';

/** Asks for the step's approvals and ends the stream segment, so the browser (and the user's inbox) can ask. */
export async function requestApprovals(
  deps: LifecycleDeps,
  origin: Origin,
  input: RequestApprovalsInput,
): Promise<void> {
  const { pool, publisher } = deps;
  const executions = createToolExecutionsRepo(pool);
  const ids = input.calls.map((call) => call.id);
  await executions.markAwaitingApproval(
    ids,
    input.calls.map((call) => call.expiresInMs),
  );
  await createCompletionsRepo(pool).setStatus(input.completionId, 'awaiting_approval');
  for (const row of await executions.listByIds(ids)) {
    await auditToolCall(pool, origin, {
      type: 'approval_requested',
      call: toAuditedCall(row),
      actor: 'system',
      data: { argsDigest: row.argsDigest, expiresAt: row.expiresAt },
    });
    // A retry may find a call decided since the attempt before marked it awaiting: its part and the user's inbox
    // already show the decision, and asking again would put Approve/Deny back on a settled call.
    if (row.decision) continue;
    const approvalId = approvalIdFor(row.id, row.argsDigest);
    await executions.patchPart(row.id, { state: 'approval-requested', approval: { id: approvalId } });
    await publisher.publish(input.completionId, { type: 'tool-approval-request', approvalId, toolCallId: row.id });
    await publisher.publishToUser(
      input.userId,
      approvalStatusChunk(
        { toolCallId: row.id, toolName: row.toolName, threadId: row.threadId, completionId: row.completionId },
        'requested',
        { expiresAt: row.expiresAt?.toISOString() ?? null },
      ),
    );
  }
  await publisher.publish(input.completionId, { type: 'finish-step' });
  await publisher.publish(input.completionId, threadStatusChunk(input, 'awaiting_approval'), input.userId);
  await publisher.publish(input.completionId, {
    type: 'finish',
    messageMetadata: { completionId: input.completionId, finishReason: 'tool-calls', awaitingApproval: ids },
  });
  // Nothing is published until a decision or the last expiry: a resume meanwhile still finds the whole log.
  await publisher.holdLog(input.completionId, Math.max(...input.calls.map((call) => call.expiresInMs)) / 1000);
}

/** Keeps the approver's reason in Postgres before their decision goes to Temporal without it. */
export async function storePendingReason(
  db: Queryable,
  toolCallId: string,
  approver: string,
  reason: string | null,
): Promise<void> {
  await createToolExecutionsRepo(db).storePendingReason(toolCallId, approver, reason);
}

/**
 * Stores a decision (or the expiry) with its audit row and the part the user sees, in one commit so they agree
 * at every moment, then tells the completion's stream (`tool-approval-response`; an expiry is a denial there, as
 * in the part) and the user's channel. Every decision passes here, whichever channel it came through (useChat's
 * resend, POST /v1/approvals, the operator's signal). Approved calls are left to run; any other outcome is the
 * call's result (`denied`) that the model reads.
 *
 * `retried`: an earlier attempt may have stored the decision and failed before announcing it. The stream's
 * response goes out from the attempt that stored the decision, or from a retry (once more at worst, which ai 7
 * takes as the same answer), never from a call that finds someone else's decision stored.
 */
export async function recordApprovalDecision(
  deps: LifecycleDeps,
  origin: Origin,
  input: RecordDecisionInput,
  { retried }: { retried: boolean } = { retried: false },
): Promise<void> {
  const approvalId = approvalIdFor(input.toolCallId, input.argsDigest);
  const decided = await withTransaction(deps.pool, async (client) => {
    const calls = createToolExecutionsRepo(client);
    const recorded = await calls.recordDecision(input.toolCallId, input);
    const stored = await calls.get(input.toolCallId);
    // A decision made through the API carries no reason (history holds no user text): the one the approver gave
    // was stored beforehand, and recordDecision took it. A signal's reason (an operator's) still comes in the input.
    const reason = stored?.decisionReason ?? input.reason;
    await auditToolCall(client, origin, {
      type: 'approval_decided',
      call: input,
      actor: input.approver ?? 'system',
      data: {
        decision: input.outcome,
        reason,
        argsDigest: input.argsDigest,
        decidedAt: stored?.decidedAt ?? null,
        // A signal's sender is unknown to us: the actor is `operator` (through Temporal), the name only a claim.
        ...(input.claimedApprover !== undefined ? { claimedApprover: input.claimedApprover } : {}),
      },
    });
    // What the part shows as the approval's reason; the stream's response says the same.
    let shown = reason ?? undefined;
    if (input.outcome === 'approved') {
      await calls.patchPart(input.toolCallId, {
        state: 'approval-responded',
        approval: { id: approvalId, approved: true, ...(reason ? { reason } : {}) },
      });
    } else {
      shown = input.outcome === 'expired' ? 'the approval request expired' : (reason ?? 'denied by the user');
      const result: ToolResult = { kind: 'denied', reason: shown, expired: input.outcome === 'expired' };
      await calls.storeResult(input.toolCallId, result, { approvalId });
    }
    const ours = (recorded || retried) && stored?.decision === input.outcome;
    return ours ? { approved: input.outcome === 'approved', reason: shown } : undefined;
  });
  if (decided) await publishApprovalResponse(deps, input.completionId, approvalId, decided);
  const { toolCallId, toolName, threadId, completionId } = input;
  await deps.publisher.publishToUser(
    input.userId,
    approvalStatusChunk({ toolCallId, toolName, threadId, completionId }, input.outcome, { approver: input.approver }),
  );
}

/**
 * ai 7's `tool-approval-response`: after the call's `tool-approval-request`, before its output or denial (those
 * come with the continuation segment), so the client finds the part by its approval id. The reason is the
 * approver's text and travels Postgres → Redis only. Older clients never see the chunk (stream/client-version.ts).
 */
async function publishApprovalResponse(
  deps: LifecycleDeps,
  completionId: string,
  approvalId: string,
  decision: { approved: boolean; reason: string | undefined },
): Promise<void> {
  await deps.publisher.publish(completionId, {
    type: 'tool-approval-response',
    approvalId,
    approved: decision.approved,
    ...(decision.reason ? { reason: decision.reason } : {}),
  });
}

/** Opens the continuation segment in the same assistant message, then the outputs of the durable calls. */
export async function resumeAfterApprovals(deps: LifecycleDeps, input: ResumeAfterApprovalsInput): Promise<void> {
  await createCompletionsRepo(deps.pool).setStatus(input.completionId, 'running');
  await deps.publisher.publish(input.completionId, { type: 'start', messageId: input.assistantMessageId });
  await deps.publisher.publish(input.completionId, threadStatusChunk(input, 'running'), input.userId);
  await publishToolOutputs(deps, input.completionId, input.toolCallIds);
}

/** Why a call cannot be decided any more, as far as Postgres knows. */
export type ClosedApproval =
  { kind: 'expired' } | { kind: 'decided'; decision: 'approved' | 'denied' | 'expired' } | { kind: 'not_awaiting' };

/** What a person's decision on a tool call meets, before Temporal (whose validator has the final word) is asked. */
export type DecisionVerdict =
  { kind: 'open'; expiresAt: Date | null } | { kind: 'not_found' } | { kind: 'args_mismatch' } | ClosedApproval;

/**
 * Reads the call a decision is for, so that requests that cannot succeed are answered clearly without a round
 * trip to Temporal: not the user's (or needing no approval), closed, expired, or made for other arguments.
 */
export async function approvalForDecision(
  db: Queryable,
  request: { userId: string; toolCallId: string; argsDigest: string },
): Promise<DecisionVerdict> {
  const row = await createToolExecutionsRepo(db).getForUser(request.toolCallId, request.userId);
  if (!row || !row.requiresApproval) return { kind: 'not_found' };
  if (row.status !== 'awaiting_approval') return closedApproval(row);
  if (row.expiresAt && row.expiresAt <= new Date()) return { kind: 'expired' };
  if (request.argsDigest !== row.argsDigest) return { kind: 'args_mismatch' };
  return { kind: 'open', expiresAt: row.expiresAt };
}

/**
 * Explains a decision Temporal did not take for a reason of its own (the call's workflow is gone or closed) from
 * the call's row as it is now; `opened` is what `approvalForDecision` saw, for a row deleted meanwhile.
 */
export async function explainClosedApproval(
  db: Queryable,
  toolCallId: string,
  opened: { expiresAt: Date | null },
): Promise<ClosedApproval> {
  const row = await createToolExecutionsRepo(db).get(toolCallId);
  return closedApproval(row ?? { decision: null, expiresAt: opened.expiresAt });
}

function closedApproval(row: Pick<ToolExecutionRow, 'decision' | 'expiresAt'>): ClosedApproval {
  if (row.decision === 'expired' || (row.expiresAt && row.expiresAt <= new Date() && !row.decision))
    return { kind: 'expired' };
  if (row.decision) return { kind: 'decided', decision: row.decision };
  return { kind: 'not_awaiting' };
}

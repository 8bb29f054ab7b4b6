/**
 * The durable tool call's activities: storing the decision (or the expiry) and, for background calls, adding the
 * result to the thread once it lands. Both are idempotent: the first decision and the first result stand.
 */
import { createAuditRepo } from '../db/audit-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { auditFromActivity } from './audit-from-activity.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import { withTransaction } from '../db/transaction.js';
import { approvalIdFor } from '../tools/args-digest.js';
import type { ToolResult } from '../tools/tool-result.js';
import type { ToolCallInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';
import { approvalStatusChunk } from '../completions/announcements.js';

export interface RecordDecisionInput extends ToolCallInput {
  outcome: 'approved' | 'denied' | 'expired';
  approver: string | null;
  reason: string | null;
}

export function createApprovalActivities({ pool, publisher }: ActivityDeps) {
  const executions = createToolExecutionsRepo(pool);
  const messages = createMessagesRepo(pool);

  return {
    async recordApprovalDecision(input: RecordDecisionInput): Promise<void> {
      const approvalId = approvalIdFor(input.toolCallId, input.argsDigest);
      // One commit: the decision, its audit row and the part the user sees agree at every moment.
      await withTransaction(pool, async (client) => {
        const calls = createToolExecutionsRepo(client);
        await calls.recordDecision(input.toolCallId, input);
        const stored = await calls.get(input.toolCallId);
        await auditFromActivity(createAuditRepo(client), {
          key: `approval_decided:${input.toolCallId}`,
          threadId: input.threadId,
          completionId: input.completionId,
          userId: input.userId,
          type: 'approval_decided',
          actor: input.approver ?? 'system',
          data: {
            toolCallId: input.toolCallId,
            toolName: input.toolName,
            decision: input.outcome,
            reason: input.reason,
            argsDigest: input.argsDigest,
            decidedAt: stored?.decidedAt ?? null,
          },
        });
        if (input.outcome === 'approved') {
          await calls.patchPart(input.toolCallId, {
            state: 'approval-responded',
            approval: { id: approvalId, approved: true, ...(input.reason ? { reason: input.reason } : {}) },
          });
        } else {
          const reason = input.outcome === 'expired' ? 'the approval request expired' : (input.reason ?? 'denied by the user');
          const result: ToolResult = { kind: 'denied', reason, expired: input.outcome === 'expired' };
          await calls.storeResult(input.toolCallId, result, { approvalId });
        }
      });
      const { toolCallId, toolName, threadId, completionId } = input;
      await publisher.publishToUser(
        input.userId,
        approvalStatusChunk({ toolCallId, toolName, threadId, completionId }, input.outcome, { approver: input.approver }),
      );
    },

    /** Writes a background call's final result into the thread as its own message, and tells the user's channel. */
    async deliverBackgroundResult(input: ToolCallInput): Promise<void> {
      const row = await executions.get(input.toolCallId);
      if (!row?.result || row.result.kind === 'pending') return;
      await messages.insertSystemMessage({
        id: `${input.toolCallId}:result`,
        threadId: input.threadId,
        completionId: input.completionId,
        parts: [
          {
            type: 'data-tool_result',
            data: { toolCallId: input.toolCallId, toolName: input.toolName, result: row.result },
          },
        ],
      });
      await publisher.publishToUser(input.userId, {
        type: 'data-tool_result',
        id: `tool-result-${input.toolCallId}`,
        data: {
          toolCallId: input.toolCallId,
          toolName: input.toolName,
          threadId: input.threadId,
          completionId: input.completionId,
          result: row.result,
        },
        transient: true,
      });
    },
  };
}

/**
 * The completion's side of a step with tool calls: asking for approvals (which ends the current stream segment
 * so useChat can show Approve/Deny), resuming the segment once decisions are in, publishing the outputs of
 * durable calls, and closing the step. Every function is safe to retry: stored state is written idempotently
 * and a repeated chunk is harmless to the client.
 */
import { createAuditRepo } from '../db/audit-repo.js';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { auditFromActivity } from './audit-from-activity.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import { approvalIdFor } from '../tools/args-digest.js';
import { BACKGROUND_PENDING_RESULT, toResultChunks, type ToolResult } from '../tools/tool-result.js';
import type { CompletionInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';
import { threadStatusChunk } from '../completions/announcements.js';
import { approvalStatusChunk } from '../completions/announcements.js';

export function createToolStepBookkeeping({ pool, publisher }: ActivityDeps) {
  const executions = createToolExecutionsRepo(pool);
  const completions = createCompletionsRepo(pool);
  const audit = createAuditRepo(pool);

  async function publishOutputs(completionId: string, toolCallIds: string[]) {
    for (const row of await executions.listByIds(toolCallIds)) {
      for (const chunk of row.result ? toResultChunks(row.id, row.result) : []) await publisher.publish(completionId, chunk);
    }
  }

  return {
    async requestApprovals(input: CompletionInput & { calls: { id: string; expiresInMs: number }[] }): Promise<void> {
      const ids = input.calls.map((call) => call.id);
      await executions.markAwaitingApproval(ids, input.calls.map((call) => call.expiresInMs));
      await completions.setStatus(input.completionId, 'awaiting_approval');
      for (const row of await executions.listByIds(ids)) {
        const approvalId = approvalIdFor(row.id, row.argsDigest);
        await executions.patchPart(row.id, { state: 'approval-requested', approval: { id: approvalId } });
        await publisher.publish(input.completionId, { type: 'tool-approval-request', approvalId, toolCallId: row.id });
        await auditFromActivity(audit, {
          key: `approval_requested:${row.id}`,
          threadId: row.threadId,
          completionId: row.completionId,
          userId: row.userId,
          type: 'approval_requested',
          actor: 'system',
          data: { toolCallId: row.id, toolName: row.toolName, argsDigest: row.argsDigest, expiresAt: row.expiresAt },
        });
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
    },

    /** Opens the continuation segment in the same assistant message, then the outputs of the durable calls. */
    async resumeAfterApprovals(input: CompletionInput & { toolCallIds: string[] }): Promise<void> {
      await completions.setStatus(input.completionId, 'running');
      await publisher.publish(input.completionId, { type: 'start', messageId: input.assistantMessageId });
      await publisher.publish(input.completionId, threadStatusChunk(input, 'running'), input.userId);
      await publishOutputs(input.completionId, input.toolCallIds);
    },

    async endToolStep(input: { completionId: string; toolCallIds: string[] }): Promise<void> {
      await publishOutputs(input.completionId, input.toolCallIds);
      await publisher.publish(input.completionId, { type: 'finish-step' });
    },

    /** A tool call whose activity or child failed outright (timeout, crash): the model reads it as failed. */
    async recordToolFailure(input: {
      toolCallId: string;
      completionId: string;
      message: string;
      publish: boolean;
      background?: boolean;
    }) {
      const result: ToolResult = { kind: 'failed', message: input.message };
      await executions.storeResult(input.toolCallId, result, { updatePart: !input.background });
      if (input.publish) {
        for (const chunk of toResultChunks(input.toolCallId, result)) await publisher.publish(input.completionId, chunk);
      }
    },

    /** A background call answers `pending` at once; its real result is added to the thread when it lands. */
    async recordPendingResult(input: { toolCallId: string; completionId: string }): Promise<void> {
      const result = BACKGROUND_PENDING_RESULT;
      await executions.storeResult(input.toolCallId, result);
      for (const chunk of toResultChunks(input.toolCallId, result)) await publisher.publish(input.completionId, chunk);
    },
  };
}

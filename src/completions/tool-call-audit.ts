import { createAuditRepo } from '../db/audit-repo.js';
import type { Queryable } from '../db/pool.js';
import type { ToolExecutionRow } from '../db/tool-executions-repo.js';
import type { Origin } from './lifecycle-deps.js';

/** The ledger rows about one tool call: at most one of each type per call. */
export type ToolCallAuditType =
  'tool_call_requested' | 'approval_requested' | 'approval_decided' | 'tool_executed' | 'tool_attempt_failed';

export interface AuditedToolCall {
  toolCallId: string;
  toolName: string;
  threadId: string;
  completionId: string;
  userId: string;
}

/** A stored call (or one about to be recorded) as its audit rows name it. */
export function toAuditedCall(
  row: Pick<ToolExecutionRow, 'id' | 'toolName' | 'threadId' | 'completionId' | 'userId'>,
): AuditedToolCall {
  return {
    toolCallId: row.id,
    toolName: row.toolName,
    threadId: row.threadId,
    completionId: row.completionId,
    userId: row.userId,
  };
}

/**
 * Appends a tool call's audit row. The key is the type and the call id, so a retried write is stored once; the
 * data always names the call and its tool, so the ledger reads without joining the call's row.
 */
export async function auditToolCall(
  db: Queryable,
  origin: Origin,
  event: {
    type: ToolCallAuditType;
    call: AuditedToolCall;
    actor: string;
    data: Record<string, unknown>;
    /** Sets one row apart from others of its type for the same call (e.g. `:2` for the second attempt). */
    keySuffix?: string;
  },
): Promise<void> {
  const { call } = event;
  await createAuditRepo(db).append({
    key: `${event.type}:${call.toolCallId}${event.keySuffix ?? ''}`,
    threadId: call.threadId,
    completionId: call.completionId,
    userId: call.userId,
    type: event.type,
    actor: event.actor,
    data: { toolCallId: call.toolCallId, toolName: call.toolName, ...event.data },
    workflowId: origin.workflowId,
    runId: origin.runId,
  });
}

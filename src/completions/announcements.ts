/**
 * The chunks that tell viewers and sidebars where a turn stands. Status and approval events are transient data
 * parts with stable ids: they reach onData (badges, inboxes) and, replacing themselves in place, never pile up
 * in the stored message.
 */
import type { ChunkPublisher } from '../stream/chunk-publisher.js';
import type { ThreadStatusData, UIMessageChunk } from '../stream/ui-chunks.js';
import type { CompletionInput } from '../workflows/definitions.js';

export function threadStatusChunk(
  ids: { threadId: string; completionId: string },
  runStatus: ThreadStatusData['runStatus'],
): UIMessageChunk {
  return {
    type: 'data-thread_status',
    id: `status-${ids.completionId}`,
    data: { threadId: ids.threadId, completionId: ids.completionId, runStatus },
    transient: true,
  };
}

/** The user-channel event for an approval's life (requested, approved, denied, expired): inboxes and badges. */
export function approvalStatusChunk(
  call: { toolCallId: string; toolName: string; threadId: string; completionId: string },
  status: 'requested' | 'approved' | 'denied' | 'expired',
  extra: Record<string, unknown> = {},
): UIMessageChunk {
  return {
    type: 'data-approval_status',
    id: `approval-${call.toolCallId}`,
    data: { ...call, status, ...extra },
    transient: true,
  };
}

type SubagentTurn = Pick<CompletionInput, 'completionId' | 'threadId'> & {
  parent?: Pick<NonNullable<CompletionInput['parent']>, 'completionId' | 'toolCallId'>;
  agent?: { name: string };
};

/** A sub-agent's progress as its parent's message shows it: one `data-subagent` part, updated in place by id. */
export function subagentProgressChunk(
  input: SubagentTurn & { parent: NonNullable<SubagentTurn['parent']> },
  progress: Record<string, unknown>,
): { type: 'data-subagent'; id: string; data: Record<string, unknown> } {
  return {
    type: 'data-subagent',
    id: `subagent-${input.parent.toolCallId}`,
    data: {
      toolCallId: input.parent.toolCallId,
      completionId: input.completionId,
      threadId: input.threadId,
      agent: input.agent?.name ?? null,
      ...progress,
    },
  };
}

/** Shows a sub-agent's progress in its parent's stream. */
export async function publishSubagentProgress(
  publisher: ChunkPublisher,
  input: SubagentTurn,
  progress: Record<string, unknown>,
): Promise<void> {
  if (!input.parent) return;
  await publisher.publish(
    input.parent.completionId,
    subagentProgressChunk({ ...input, parent: input.parent }, progress),
  );
}

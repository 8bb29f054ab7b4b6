import type { UIMessageChunk } from '../stream/ui-chunks.js';

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

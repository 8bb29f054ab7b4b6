import type { ThreadStatusData, UIMessageChunk } from '../stream/ui-chunks.js';

/**
 * Status as a transient data part with a stable id: it reaches onData (sidebars, badges) and, replacing itself
 * in place, never piles up in the stored message.
 */
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

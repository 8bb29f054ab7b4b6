/**
 * The Vercel AI SDK UI message stream chunks Longhaul emits (protocol "x-vercel-ai-ui-message-stream: v1", as
 * read by ai 5.0.0+ and 6.0.0+). Older clients reject unknown fields and nulls, so optional fields are omitted,
 * never null, and only fields that existed in 5.0.0/6.0.0 appear.
 */

export interface UsageMetadata {
  inputTokens: number;
  outputTokens: number;
}

export interface ThreadStatusData {
  threadId: string;
  completionId: string;
  runStatus: 'running' | 'awaiting_approval' | 'complete' | 'cancelled' | 'failed';
}

export type UIMessageChunk =
  | { type: 'start'; messageId?: string; messageMetadata?: Record<string, unknown> }
  | { type: 'start-step' }
  | { type: 'finish-step' }
  | { type: 'finish'; finishReason?: string; messageMetadata?: Record<string, unknown> }
  | { type: 'abort'; reason?: string }
  | { type: 'error'; errorText: string }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'reasoning-start'; id: string }
  | { type: 'reasoning-delta'; id: string; delta: string }
  | { type: 'reasoning-end'; id: string }
  | { type: 'tool-input-start'; toolCallId: string; toolName: string }
  | { type: 'tool-input-delta'; toolCallId: string; inputTextDelta: string }
  | { type: 'tool-input-available'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-input-error'; toolCallId: string; toolName: string; input: unknown; errorText: string }
  | { type: 'tool-approval-request'; approvalId: string; toolCallId: string }
  | { type: 'tool-output-available'; toolCallId: string; output: unknown }
  | { type: 'tool-output-error'; toolCallId: string; errorText: string }
  | { type: 'tool-output-denied'; toolCallId: string }
  | { type: 'data-thread_status'; id: string; data: ThreadStatusData; transient?: boolean }
  | {
      type: `data-${'approval' | 'approval_status' | 'tool_result' | 'step-reset' | 'object' | 'subagent' | 'events_gap'}`;
      id?: string;
      data: Record<string, unknown>;
      transient?: boolean;
    };

export type UIMessageChunkType = UIMessageChunk['type'];

/** Chunks after which the producer sends nothing more for this request: the SSE response ends there. */
export const TERMINAL_CHUNK_TYPES: ReadonlySet<string> = new Set(['finish', 'error', 'abort']);

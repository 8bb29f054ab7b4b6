/**
 * The Vercel AI SDK UI message stream chunks Longhaul publishes (protocol "x-vercel-ai-ui-message-stream: v1").
 * This is the log's form: each SSE connection translates it for its client's version (stream/client-version.ts),
 * because ai 5 and 6 reject chunk types they do not know (`steering-message`, `tool-approval-response`) and
 * older 5.x/6.x reject unknown fields and nulls, so optional fields are omitted, never null.
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

/** The content of a user message added to a running answer (ai 7's `steering-message`). */
export type SteeringMessagePart = { type: 'text'; text: string };

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
  /** ai 7 only: a decision on an approval, from any channel. Older clients learn it from `data-approval_status`. */
  | { type: 'tool-approval-response'; approvalId: string; approved: boolean; reason?: string }
  /** ai 7 only, before the `start-step` of the step that received it; ai 5/6 read it as a `data-steering` part. */
  | { type: 'steering-message'; id: string; parts: SteeringMessagePart[] }
  | { type: 'data-thread_status'; id: string; data: ThreadStatusData; transient?: boolean }
  /** Older turns were summarised for the model before this step (context compaction); every version shows it. */
  | { type: 'data-compaction'; id: string; data: CompactionPartData }
  | {
      type: `data-${'approval' | 'approval_status' | 'tool_result' | 'step-reset' | 'steering' | 'object' | 'subagent' | 'events_gap'}`;
      id?: string;
      data: Record<string, unknown>;
      transient?: boolean;
    };

/** What a `data-compaction` part says: which compaction, how much of the transcript it covers, what it costs. */
export interface CompactionPartData {
  compactionId: string;
  /** Transcript rows (user messages and assistant steps) the summary stands for, counted from the thread's start. */
  coveredMessages: number;
  /** Tokens of the summary the model reads instead. */
  summaryTokens: number;
  /** The compaction it extends, if any. */
  extends: string | null;
}

export type UIMessageChunkType = UIMessageChunk['type'];

/** Chunks after which the producer sends nothing more for this request: the SSE response ends there. */
export const TERMINAL_CHUNK_TYPES: ReadonlySet<string> = new Set(['finish', 'error', 'abort']);

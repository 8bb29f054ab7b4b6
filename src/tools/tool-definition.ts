/**
 * How a tool is declared: once, with its input schema, its code and the policy that decides where it runs.
 * The registry turns the schema into JSON Schema for the providers; the workflow only ever sees the policy.
 */
import type pg from 'pg';
import type { z } from 'zod';

/**
 * - `inline`: runs as one activity inside the completion (fast, no approval).
 * - `durable`: runs as a child workflow, may wait days for an approval, retried with long timeouts.
 * - `background`: returns `pending` to the model at once; the result is written to the thread when it lands.
 */
export type ToolMode = 'inline' | 'durable' | 'background';

export interface ToolRetryPolicy {
  maximumAttempts: number;
  initialIntervalMs: number;
  maximumIntervalMs: number;
}

export interface ToolContext {
  /** Our tool call id: the idempotency key. A tool with side effects must do them at most once per key. */
  toolCallId: string;
  threadId: string;
  userId: string;
  /** Aborted when the call times out or its completion is cancelled. */
  signal: AbortSignal;
  /** Tells Temporal the tool is alive; call it during long work (throttled by the SDK). */
  heartbeat(): void;
  pool: pg.Pool;
}

/** UI parts a tool's result adds to the message after its output: sources it read, or data for the client. */
export type ToolUIPart =
  | { type: 'source-url'; sourceId: string; url: string; title?: string }
  | { type: 'source-document'; sourceId: string; mediaType: string; title: string; filename?: string }
  | { type: `data-${string}`; id?: string; data: unknown };

export interface ToolDefinition<Input = unknown, Output = unknown> {
  /** `^[a-zA-Z0-9_-]{1,64}$`: both vendors accept it as a function/tool name. */
  name: string;
  description: string;
  input: z.ZodType<Input>;
  /**
   * The JSON Schema providers see, when the tool brings its own (an MCP server's tool); else the registry derives
   * it from `input`, which still validates every call.
   */
  inputJsonSchema?: Record<string, unknown>;
  mode: ToolMode;
  /** Approval gates only `durable` tools; a function decides per input (e.g. only for large amounts). */
  requiresApproval?: boolean | ((input: Input) => boolean);
  /** How long one execution may take. */
  timeoutMs?: number;
  /** How long an approval request stays open before it expires as denied. Default 7 days. */
  approvalExpiryMs?: number;
  retry?: Partial<ToolRetryPolicy>;
  /** Returns JSON-serialisable output for the model; a throw becomes a `failed` result the model sees. */
  execute(input: Input, context: ToolContext): Promise<Output>;
  /**
   * Answered by a sub-agent instead of `execute`: the call starts a child completion running as this agent, on a
   * child thread whose first message is the input's `question`; its final answer is the tool's output.
   */
  subagent?: string;
  /**
   * The tool returns the user's private data (their notes, files, mail). Once a turn has run such a tool, its
   * egress tools need approval to reach a host the turn had not contacted before (see the agent's `egress`).
   */
  readsPrivateData?: boolean;
  /**
   * The tool sends its input to this URL (e.g. fetch_url's `url`), so the agent's egress policy applies: a host
   * outside the allowed list is refused, and after a private read a new host needs approval.
   */
  egress?(input: Input): string;
  /** Parts for the client derived from a successful output (e.g. a `source-url` per page read). */
  uiParts?(output: Output): ToolUIPart[];
  /**
   * Characters of one result the model reads (default DEFAULT_MODEL_OUTPUT_CHARS); a longer one is cut, with a note
   * saying so. The full result stays stored and shown to the user.
   */
  maxModelOutputChars?: number;
}

/** What one tool result may take of the model's context when its tool does not say. */
export const DEFAULT_MODEL_OUTPUT_CHARS = 20_000;

/**
 * Thrown by a tool whose failure another attempt would not change (an MCP server's `isError`, a refused call):
 * the model reads a `failed` result at once instead of waiting for retries.
 */
export class FinalToolFailure extends Error {
  override name = 'FinalToolFailure';
}

/** Declares a tool with its input type inferred from the schema. */
export function defineTool<Input, Output>(tool: ToolDefinition<Input, Output>): ToolDefinition<Input, Output> {
  return tool;
}

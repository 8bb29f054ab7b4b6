/**
 * What the scripted model server answers to one model request. Scripts are plain data (JSON-serializable), so
 * a test reads as the conversation it stages, and the same script plays out in OpenAI's and Anthropic's dialect.
 */

export interface ScriptUsage {
  inputTokens: number;
  outputTokens: number;
}

/** `content-filter` becomes OpenAI `content_filter` and Anthropic `refusal`. */
export type ScriptFinishReason = 'stop' | 'length' | 'content-filter';

export interface ScriptToolCall {
  /** Defaults to a deterministic `call_<request>_<n>` (OpenAI) or `toolu_<request>_<n>` (Anthropic). */
  id?: string;
  name: string;
  /** The arguments JSON as the model streams it; joined, they must form the full JSON text. */
  argsChunks: string[];
}

/** Pacing of a streamed answer. Ignored when the client asked for a non-streaming response. */
export interface StreamPacing {
  /** Pause before each event after the first. */
  delayMs?: number;
  /**
   * Write each event in two socket writes, split inside a multi-byte UTF-8 sequence when the event has one
   * (else at its middle), so clients prove they decode across TCP chunk boundaries.
   */
  splitUtf8?: boolean;
}

export type Script =
  | ({
      kind: 'text';
      chunks: string[];
      /** Streamed as a thinking block before the text. Anthropic only: Chat Completions never shows reasoning. */
      reasoning?: string[];
      /** Defaults: input ≈ request characters / 4, output = number of chunks. */
      usage?: ScriptUsage;
      finishReason?: ScriptFinishReason;
    } & StreamPacing)
  | ({ kind: 'tool-calls'; text?: string[]; calls: ScriptToolCall[]; usage?: ScriptUsage } & StreamPacing)
  | {
      kind: 'http-error';
      status: number;
      /** Vendor error type; defaults follow the status (`rate_limit_error`, `overloaded_error`, ...). */
      type?: string;
      /** OpenAI's `error.code` (e.g. `rate_limit_exceeded`, `insufficient_quota`); Anthropic has none. */
      code?: string;
      message?: string;
      /** Sent as the `retry-after` header. */
      retryAfterSeconds?: number;
    }
  | ({
      kind: 'error-mid-stream';
      /** Text streamed before the failure. */
      chunks: string[];
      /** Defaults to `server_error` (OpenAI) or `overloaded_error` (Anthropic). */
      errorType?: string;
      message?: string;
    } & StreamPacing)
  /** Sends headers and any chunks, then holds the connection open until the client leaves or the server closes. */
  | ({ kind: 'hang'; chunks?: string[] } & StreamPacing)
  /** Replays recorded vendor SSE bytes verbatim (events separated by blank lines), whatever the request asked. */
  | ({ kind: 'replay'; sse: string } & StreamPacing);

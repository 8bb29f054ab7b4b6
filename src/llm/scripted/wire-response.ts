/**
 * A vendor response planned as data before any byte is written: the vendor dialects stay pure functions that
 * tests compare with recorded vendor streams, and one writer owns sockets, pacing and disconnects.
 */
import type { StreamPacing } from './script.js';

export type WireResponse =
  | { kind: 'json'; status: number; headers: Record<string, string>; body: unknown }
  /** Complete SSE events (each ending in a blank line); `then: 'hang'` keeps the connection open afterwards. */
  | ({ kind: 'sse'; headers: Record<string, string>; events: string[]; then: 'end' | 'hang' } & StreamPacing)
  /** Never answer: a non-streaming request that hangs. */
  | { kind: 'silence' };

/** What a vendor dialect needs to know about the request it answers. */
export interface WireContext {
  requestIndex: number;
  model: string;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  /** A deterministic stand-in for prompt tokens when the script gives no usage. */
  estimatedInputTokens: number;
}

const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/** A streamed response with the vendor's extra headers (request ids). */
export function sseResponse(
  events: string[],
  pacing: StreamPacing,
  headers: Record<string, string>,
  then: 'end' | 'hang' = 'end',
): WireResponse {
  return {
    kind: 'sse',
    headers: { ...SSE_HEADERS, ...headers },
    events,
    then,
    delayMs: pacing.delayMs,
    splitUtf8: pacing.splitUtf8,
  };
}

/** Splits recorded SSE text into events, for `replay` scripts. */
export function splitSseEvents(sse: string): string[] {
  return sse
    .split(/\r?\n\r?\n/)
    .filter((event) => event.trim() !== '')
    .map((event) => `${event}\n\n`);
}

/**
 * Anthropic Messages streaming as api.anthropic.com sends it: named events `message_start`, per block
 * `content_block_start/delta/stop` (a `ping` after the first start), `message_delta` with the stop reason and
 * cumulative usage, `message_stop`. Mid-stream failures are `event: error` (typically `overloaded_error`).
 */
import { z } from 'zod';
import type { Script, ScriptFinishReason, ScriptToolCall, ScriptUsage, StreamPacing } from './script.js';
import { splitSseEvents, sseResponse, type WireContext, type WireResponse } from './wire-response.js';

type ErrorScript = Extract<Script, { kind: 'http-error' }>;

const STOP_REASONS: Record<ScriptFinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'content-filter': 'refusal',
};

/** Thinking blocks carry an opaque signature; this one is base64 for "scripted". */
const SCRIPTED_SIGNATURE = 'c2NyaXB0ZWQ=';

/** Defaults as Anthropic sends them for each status. */
function errorDefaults(status: number): { type: string; message: string } {
  if (status === 401) return { type: 'authentication_error', message: 'invalid x-api-key' };
  if (status === 403)
    return {
      type: 'permission_error',
      message: 'Your API key does not have permission to use the specified resource.',
    };
  if (status === 404) return { type: 'not_found_error', message: 'The requested resource could not be found.' };
  if (status === 413)
    return { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' };
  if (status === 429)
    return {
      type: 'rate_limit_error',
      message: 'Number of requests has exceeded your rate limit. Please try again later.',
    };
  if (status === 529) return { type: 'overloaded_error', message: 'Overloaded' };
  if (status >= 500) return { type: 'api_error', message: 'Internal server error' };
  return { type: 'invalid_request_error', message: 'The request was invalid.' };
}

/** An HTTP error exactly as Anthropic sends it: `{"type":"error","error":{type, message}}` plus `retry-after`. */
export function anthropicErrorResponse(script: ErrorScript, requestIndex: number): WireResponse {
  const defaults = errorDefaults(script.status);
  return {
    kind: 'json',
    status: script.status,
    headers: {
      'request-id': `req_scripted_${requestIndex}`,
      ...(script.retryAfterSeconds !== undefined && { 'retry-after': String(script.retryAfterSeconds) }),
    },
    body: {
      type: 'error',
      error: { type: script.type ?? defaults.type, message: script.message ?? defaults.message },
      request_id: `req_scripted_${requestIndex}`,
    },
  };
}

/** The `GET /v1/models` listing in Anthropic's paging shape. */
export function anthropicModelList(models: readonly string[]): WireResponse {
  const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
  return {
    kind: 'json',
    status: 200,
    headers: {},
    body: { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null },
  };
}

function event(type: string, payload: Record<string, unknown> = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

function usageFields(inputTokens: number, outputTokens: number) {
  return {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
  };
}

function stream(events: string[], pacing: StreamPacing, ctx: WireContext, then: 'end' | 'hang' = 'end'): WireResponse {
  return sseResponse(events, pacing, { 'request-id': `req_scripted_${ctx.requestIndex}` }, then);
}

function toolUseId(call: ScriptToolCall, ctx: WireContext, position: number): string {
  return call.id ?? `toolu_${ctx.requestIndex}_${position}`;
}

/** A content block as data, rendered either as stream events or as a non-streaming content entry. */
type Block =
  | { type: 'thinking'; pieces: string[] }
  | { type: 'text'; pieces: string[] }
  | { type: 'tool_use'; id: string; name: string; pieces: string[] };

function blockEvents(block: Block, index: number): string[] {
  const delta = (payload: Record<string, unknown>) => event('content_block_delta', { index, delta: payload });
  switch (block.type) {
    case 'thinking':
      return [
        event('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }),
        ...block.pieces.map((thinking) => delta({ type: 'thinking_delta', thinking })),
        delta({ type: 'signature_delta', signature: SCRIPTED_SIGNATURE }),
      ];
    case 'text':
      return [
        event('content_block_start', { index, content_block: { type: 'text', text: '' } }),
        ...block.pieces.map((text) => delta({ type: 'text_delta', text })),
      ];
    case 'tool_use':
      return [
        event('content_block_start', {
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        }),
        // Anthropic opens every tool input with an empty fragment.
        ...['', ...block.pieces].map((partial_json) => delta({ type: 'input_json_delta', partial_json })),
      ];
  }
}

const jsonObjectSchema = z.record(z.string(), z.unknown());

function parseToolInput(json: string): Record<string, unknown> {
  try {
    const parsed = jsonObjectSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

function blockContent(block: Block) {
  const joined = block.pieces.join('');
  switch (block.type) {
    case 'thinking':
      return { type: 'thinking', thinking: joined, signature: SCRIPTED_SIGNATURE };
    case 'text':
      return { type: 'text', text: joined };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: parseToolInput(joined) };
  }
}

function messageStart(ctx: WireContext, inputTokens: number): string {
  const message = {
    id: `msg_scripted_${ctx.requestIndex}`,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usageFields(inputTokens, 1),
  };
  return event('message_start', { message });
}

/** Opening events of a stream: message_start, then the blocks, with a ping after the first block starts. */
function openingEvents(ctx: WireContext, inputTokens: number, blocks: Block[]): string[] {
  const [firstStart, ...rest] = blocks.flatMap((block, index) => {
    const events = blockEvents(block, index);
    // The last block stays open so callers can append errors or hang; completed streams close it themselves.
    return index < blocks.length - 1 ? [...events, event('content_block_stop', { index })] : events;
  });
  return [messageStart(ctx, inputTokens), ...(firstStart ? [firstStart, event('ping')] : []), ...rest];
}

function completeEvents(ctx: WireContext, blocks: Block[], stopReason: string, usage: ScriptUsage): string[] {
  return [
    ...openingEvents(ctx, usage.inputTokens, blocks),
    ...(blocks.length > 0 ? [event('content_block_stop', { index: blocks.length - 1 })] : []),
    event('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: usageFields(usage.inputTokens, usage.outputTokens),
    }),
    event('message_stop'),
  ];
}

function message(ctx: WireContext, blocks: Block[], stopReason: string, usage: ScriptUsage): WireResponse {
  return {
    kind: 'json',
    status: 200,
    headers: { 'request-id': `req_scripted_${ctx.requestIndex}` },
    body: {
      id: `msg_scripted_${ctx.requestIndex}`,
      type: 'message',
      role: 'assistant',
      model: ctx.model,
      content: blocks.map(blockContent),
      stop_reason: stopReason,
      stop_sequence: null,
      usage: usageFields(usage.inputTokens, usage.outputTokens),
    },
  };
}

function answer(ctx: WireContext, script: StreamPacing, blocks: Block[], stopReason: string, usage: ScriptUsage) {
  return ctx.stream
    ? stream(completeEvents(ctx, blocks, stopReason, usage), script, ctx)
    : message(ctx, blocks, stopReason, usage);
}

/** Plays a script as Anthropic would answer the request described by `ctx`. */
export function toAnthropicWire(script: Script, ctx: WireContext): WireResponse {
  switch (script.kind) {
    case 'text': {
      const reasoning = script.reasoning ?? [];
      const blocks: Block[] = [
        ...(reasoning.length > 0 ? [{ type: 'thinking' as const, pieces: reasoning }] : []),
        { type: 'text', pieces: script.chunks },
      ];
      const outputTokens = reasoning.length + script.chunks.length;
      const usage = script.usage ?? { inputTokens: ctx.estimatedInputTokens, outputTokens };
      return answer(ctx, script, blocks, STOP_REASONS[script.finishReason ?? 'stop'], usage);
    }
    case 'tool-calls': {
      const text = script.text ?? [];
      const blocks: Block[] = [
        ...(text.length > 0 ? [{ type: 'text' as const, pieces: text }] : []),
        ...script.calls.map((call, position) => ({
          type: 'tool_use' as const,
          id: toolUseId(call, ctx, position),
          name: call.name,
          pieces: call.argsChunks,
        })),
      ];
      const outputTokens = blocks.reduce((sum, block) => sum + block.pieces.length, 0);
      const usage = script.usage ?? { inputTokens: ctx.estimatedInputTokens, outputTokens };
      return answer(ctx, script, blocks, 'tool_use', usage);
    }
    case 'http-error':
      return anthropicErrorResponse(script, ctx.requestIndex);
    case 'error-mid-stream': {
      const type = script.errorType ?? 'overloaded_error';
      // A non-streaming request cannot fail mid-stream; it gets the status that error type comes with.
      const status = type === 'overloaded_error' ? 529 : 500;
      const message = script.message ?? errorDefaults(status).message;
      if (!ctx.stream) return anthropicErrorResponse({ kind: 'http-error', status, type, message }, ctx.requestIndex);
      const opening = openingEvents(ctx, ctx.estimatedInputTokens, [{ type: 'text', pieces: script.chunks }]);
      return stream([...opening, event('error', { error: { type, message } })], script, ctx);
    }
    case 'hang':
      if (!ctx.stream) return { kind: 'silence' };
      return stream(
        openingEvents(ctx, ctx.estimatedInputTokens, [{ type: 'text', pieces: script.chunks ?? [] }]),
        script,
        ctx,
        'hang',
      );
    case 'replay':
      return stream(splitSseEvents(script.sse), script, ctx);
  }
}

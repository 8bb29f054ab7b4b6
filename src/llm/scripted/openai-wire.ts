/**
 * OpenAI Chat Completions as api.openai.com sends it, byte for byte where it matters to a client: a role chunk
 * first, tool-call fragments keyed by index, `usage: null` on every chunk and a final `choices: []` usage chunk
 * when `stream_options.include_usage` is set, then `data: [DONE]`. Mid-stream failures are `data: {"error":…}`.
 */
import type { Script, ScriptFinishReason, ScriptToolCall, ScriptUsage, StreamPacing } from './script.js';
import { splitSseEvents, sseResponse, type WireContext, type WireResponse } from './wire-response.js';

type ErrorScript = Extract<Script, { kind: 'http-error' }>;

const FINISH_REASONS: Record<ScriptFinishReason, string> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
};

const SERVER_ERROR_MESSAGE = 'The server had an error while processing your request. Sorry about that!';

/** Defaults as OpenAI sends them for each status, so clients see realistic `type` and `code` values. */
function errorDefaults(status: number): { type: string; code: string | null; message: string } {
  if (status === 401)
    return { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' };
  if (status === 403)
    return {
      type: 'invalid_request_error',
      code: 'unsupported_country_region_territory',
      message: 'Country, region, or territory not supported.',
    };
  if (status === 404)
    return {
      type: 'invalid_request_error',
      code: 'model_not_found',
      message: 'The model does not exist or you do not have access to it.',
    };
  if (status === 429)
    return {
      type: 'requests',
      code: 'rate_limit_exceeded',
      message: 'Rate limit reached for requests. Please try again shortly.',
    };
  if (status >= 500) return { type: 'server_error', code: null, message: SERVER_ERROR_MESSAGE };
  return { type: 'invalid_request_error', code: null, message: 'The request was invalid.' };
}

/** An HTTP error exactly as OpenAI sends it: `{"error": {message, type, param, code}}` plus `retry-after`. */
export function openAIErrorResponse(script: ErrorScript, requestIndex: number): WireResponse {
  const defaults = errorDefaults(script.status);
  return {
    kind: 'json',
    status: script.status,
    headers: {
      'x-request-id': `req_scripted_${requestIndex}`,
      ...(script.retryAfterSeconds !== undefined && { 'retry-after': String(script.retryAfterSeconds) }),
    },
    body: {
      error: {
        message: script.message ?? defaults.message,
        type: script.type ?? defaults.type,
        param: null,
        code: script.code ?? (script.type === undefined ? defaults.code : null),
      },
    },
  };
}

/** The `GET /v1/models` listing. */
export function openAIModelList(models: readonly string[]): WireResponse {
  return {
    kind: 'json',
    status: 200,
    headers: {},
    body: {
      object: 'list',
      data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'longhaul' })),
    },
  };
}

function toOpenAIUsage(usage: ScriptUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function stream(events: string[], pacing: StreamPacing, ctx: WireContext, then: 'end' | 'hang' = 'end'): WireResponse {
  return sseResponse(events, pacing, { 'x-request-id': `req_scripted_${ctx.requestIndex}` }, then);
}

function callId(call: ScriptToolCall, ctx: WireContext, position: number): string {
  return call.id ?? `call_${ctx.requestIndex}_${position}`;
}

/** Builds the chunk events of one streamed completion. */
function chunkWriter(ctx: WireContext) {
  const base = {
    id: `chatcmpl-scripted-${ctx.requestIndex}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: ctx.model,
    system_fingerprint: 'fp_longhaul',
  };
  const event = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
  return {
    chunk: (delta: Record<string, unknown>, finishReason: string | null = null) =>
      event({
        ...base,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        ...(ctx.includeUsage && { usage: null }),
      }),
    usage: (usage: ScriptUsage) =>
      ctx.includeUsage ? [event({ ...base, choices: [], usage: toOpenAIUsage(usage) })] : [],
    error: (type: string, message: string) => event({ error: { message, type, param: null, code: null } }),
  };
}

const ROLE_DELTA = { role: 'assistant', content: '', refusal: null };
const DONE = 'data: [DONE]\n\n';

function toolCallEvents(ctx: WireContext, text: string[], calls: ScriptToolCall[]): string[] {
  const write = chunkWriter(ctx);
  const fragments = calls.flatMap((call, position) => [
    {
      index: position,
      id: callId(call, ctx, position),
      type: 'function',
      function: { name: call.name, arguments: '' },
    },
    ...call.argsChunks.map((args) => ({ index: position, function: { arguments: args } })),
  ]);
  const [first, ...rest] = fragments;
  // Without text, OpenAI puts the first fragment into the role chunk, with `content: null`.
  const opening =
    text.length > 0 || first === undefined
      ? [write.chunk(ROLE_DELTA), ...text.map((content) => write.chunk({ content }))]
      : [write.chunk({ role: 'assistant', content: null, tool_calls: [first], refusal: null })];
  const remaining = text.length > 0 ? fragments : rest;
  return [...opening, ...remaining.map((fragment) => write.chunk({ tool_calls: [fragment] }))];
}

function completion(
  ctx: WireContext,
  message: Record<string, unknown>,
  finishReason: string,
  usage: ScriptUsage,
): WireResponse {
  return {
    kind: 'json',
    status: 200,
    headers: { 'x-request-id': `req_scripted_${ctx.requestIndex}` },
    body: {
      id: `chatcmpl-scripted-${ctx.requestIndex}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: ctx.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', refusal: null, ...message },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: toOpenAIUsage(usage),
      system_fingerprint: 'fp_longhaul',
    },
  };
}

/** Plays a script as OpenAI would answer the request described by `ctx`. */
export function toOpenAIWire(script: Script, ctx: WireContext): WireResponse {
  const write = chunkWriter(ctx);
  switch (script.kind) {
    case 'text': {
      const usage = script.usage ?? { inputTokens: ctx.estimatedInputTokens, outputTokens: script.chunks.length };
      const finishReason = FINISH_REASONS[script.finishReason ?? 'stop'];
      if (!ctx.stream) return completion(ctx, { content: script.chunks.join('') }, finishReason, usage);
      const events = [
        write.chunk(ROLE_DELTA),
        ...script.chunks.map((content) => write.chunk({ content })),
        write.chunk({}, finishReason),
        ...write.usage(usage),
        DONE,
      ];
      return stream(events, script, ctx);
    }
    case 'tool-calls': {
      const text = script.text ?? [];
      const outputTokens = text.length + script.calls.reduce((sum, call) => sum + call.argsChunks.length, 0);
      const usage = script.usage ?? { inputTokens: ctx.estimatedInputTokens, outputTokens };
      if (!ctx.stream) {
        const toolCalls = script.calls.map((call, position) => ({
          id: callId(call, ctx, position),
          type: 'function',
          function: { name: call.name, arguments: call.argsChunks.join('') },
        }));
        return completion(
          ctx,
          { content: text.length > 0 ? text.join('') : null, tool_calls: toolCalls },
          'tool_calls',
          usage,
        );
      }
      const events = [
        ...toolCallEvents(ctx, text, script.calls),
        write.chunk({}, 'tool_calls'),
        ...write.usage(usage),
        DONE,
      ];
      return stream(events, script, ctx);
    }
    case 'http-error':
      return openAIErrorResponse(script, ctx.requestIndex);
    case 'error-mid-stream': {
      const type = script.errorType ?? 'server_error';
      const message = script.message ?? SERVER_ERROR_MESSAGE;
      if (!ctx.stream) return openAIErrorResponse({ kind: 'http-error', status: 500, type, message }, ctx.requestIndex);
      const events = [
        write.chunk(ROLE_DELTA),
        ...script.chunks.map((content) => write.chunk({ content })),
        write.error(type, message),
      ];
      return stream(events, script, ctx);
    }
    case 'hang':
      if (!ctx.stream) return { kind: 'silence' };
      return stream(
        [write.chunk(ROLE_DELTA), ...(script.chunks ?? []).map((content) => write.chunk({ content }))],
        script,
        ctx,
        'hang',
      );
    case 'replay':
      return stream(splitSseEvents(script.sse), script, ctx);
  }
}

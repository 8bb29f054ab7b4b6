/**
 * Anthropic Messages API behind ModelProvider. Anthropic needs strictly alternating roles, tool results inside
 * user messages, tool inputs as objects and an explicit max_tokens; the mapping below takes care of each.
 */
import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  RawMessageStreamEvent,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { ProviderError, toProviderError } from './provider-error.js';
import type { FinishReason, ModelEvent, ModelMessage, ModelProvider, ModelRequest } from './types.js';

export interface AnthropicProviderOptions {
  apiKey: string;
  /** Root URL without `/v1`, e.g. a proxy or the scripted model server. */
  baseURL?: string;
}

/** Anthropic refuses a request without max_tokens; this is enough for a chat turn without being a cost trap. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

const toolInputSchema = z.record(z.string(), z.unknown());

/**
 * Anthropic wants a tool call's input as an object. A model can emit broken JSON; the transcript still has to
 * replay, and the tool result that follows already tells the model its arguments were invalid.
 */
function toToolInput(argsJson: string): Record<string, unknown> {
  try {
    const parsed = toolInputSchema.safeParse(JSON.parse(argsJson));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

function toBlocks(message: ModelMessage): ContentBlockParam[] {
  switch (message.role) {
    case 'user':
      return message.content ? [{ type: 'text', text: message.content }] : [];
    case 'tool':
      return [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }];
    case 'assistant':
      return [
        // Anthropic rejects empty text blocks.
        ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
        ...(message.toolCalls ?? []).map((call) => ({
          type: 'tool_use' as const,
          id: call.id,
          name: call.name,
          input: toToolInput(call.argsJson),
        })),
      ];
  }
}

/** Tool results travel in user turns, and consecutive turns of one role must be merged into one message. */
function toAnthropicMessages(messages: ModelMessage[]): MessageParam[] {
  const merged: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toBlocks(message);
    const last = merged.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else merged.push({ role, content: blocks });
  }
  return merged;
}

function toAnthropicParams(request: ModelRequest): MessageCreateParamsStreaming {
  const tools = (request.tools ?? []).map((tool): Tool => ({
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.parameters, type: 'object' },
  }));
  return {
    model: request.model,
    max_tokens: request.maxOutputTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: toAnthropicMessages(request.messages),
    stream: true,
    ...(request.system && { system: request.system }),
    ...(tools.length > 0 && { tools }),
  };
}

const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'content-filter',
};

interface TokenCounts {
  input_tokens: number | null;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
}

/** `input_tokens` excludes cached tokens; the total is what the model read. */
function totalInputTokens(usage: TokenCounts): number {
  return (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

/** Turns raw stream events into ModelEvents; blocks are keyed by `index` because deltas name only that. */
class EventMapper {
  private readonly toolBlocks = new Map<number, { id: string; name: string; argsJson: string }>();
  private inputTokens = 0;
  private outputTokens = 0;
  private stopReason: string | null = null;
  private stopped = false;

  *accept(event: RawMessageStreamEvent): Generator<ModelEvent> {
    switch (event.type) {
      case 'message_start':
        this.inputTokens = totalInputTokens(event.message.usage);
        this.outputTokens = event.message.usage.output_tokens;
        break;
      case 'content_block_start':
        if (event.content_block.type === 'tool_use') {
          const { id, name } = event.content_block;
          this.toolBlocks.set(event.index, { id, name, argsJson: '' });
          yield { type: 'tool-call-start', id, name };
        }
        break;
      case 'content_block_delta': {
        const { delta } = event;
        if (delta.type === 'text_delta' && delta.text) yield { type: 'text-delta', delta: delta.text };
        if (delta.type === 'thinking_delta' && delta.thinking) yield { type: 'reasoning-delta', delta: delta.thinking };
        const block = this.toolBlocks.get(event.index);
        if (delta.type === 'input_json_delta' && block && delta.partial_json) {
          block.argsJson += delta.partial_json;
          yield { type: 'tool-call-delta', id: block.id, argsDelta: delta.partial_json };
        }
        break;
      }
      case 'content_block_stop': {
        const block = this.toolBlocks.get(event.index);
        if (block) {
          this.toolBlocks.delete(event.index);
          // A tool without parameters streams no JSON at all.
          yield { type: 'tool-call-end', id: block.id, name: block.name, argsJson: block.argsJson || '{}' };
        }
        break;
      }
      case 'message_delta':
        this.stopReason = event.delta.stop_reason ?? this.stopReason;
        // Counts here are cumulative, and newer API versions repeat the input counts.
        this.outputTokens = event.usage.output_tokens;
        if (event.usage.input_tokens !== null) this.inputTokens = totalInputTokens(event.usage);
        break;
      case 'message_stop':
        this.stopped = true;
        break;
    }
  }

  *finish(): Generator<ModelEvent> {
    if (!this.stopped || this.stopReason === null) {
      throw new ProviderError({
        provider: 'anthropic',
        code: 'stream_incomplete',
        retryable: true,
        message: 'anthropic stream ended before the model finished its answer',
      });
    }
    yield { type: 'usage', usage: { inputTokens: this.inputTokens, outputTokens: this.outputTokens } };
    yield { type: 'finish', reason: FINISH_REASONS[this.stopReason] ?? 'other' };
  }
}

async function* streamMessages(
  client: Anthropic,
  params: MessageCreateParamsStreaming,
  signal: AbortSignal,
): AsyncGenerator<ModelEvent> {
  try {
    const stream = await client.messages.create(params, { signal });
    const mapper = new EventMapper();
    for await (const event of stream) yield* mapper.accept(event);
    // The SDK ends the iteration quietly when the signal fires mid-stream; that is not a finished answer.
    signal.throwIfAborted();
    yield* mapper.finish();
  } catch (err) {
    throw toProviderError('anthropic', err, signal);
  }
}

/** Anthropic's own count (`POST /v1/messages/count_tokens`) of exactly what the call would send. */
async function countTokens(
  client: Anthropic,
  { model, messages, system, tools }: MessageCreateParamsStreaming,
  signal: AbortSignal | undefined,
): Promise<number> {
  try {
    const counted = await client.messages.countTokens(
      { model, messages, ...(system && { system }), ...(tools && { tools }) },
      { signal },
    );
    return counted.input_tokens;
  } catch (err) {
    throw toProviderError('anthropic', err, signal);
  }
}

/**
 * Builds the Anthropic provider. SDK retries are off because Temporal retries the activity, and the SDK would
 * otherwise retry behind its back and double the wait.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  const client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0 });
  return {
    name: 'anthropic',
    stream: (request, signal) => streamMessages(client, toAnthropicParams(request), signal),
    countTokens: (request, signal) => countTokens(client, toAnthropicParams(request), signal),
  };
}

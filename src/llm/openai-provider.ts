/**
 * OpenAI Chat Completions (and any OpenAI-compatible server: Ollama, vLLM, llama.cpp) behind ModelProvider.
 * Chat Completions rather than the Responses API because it is the dialect compatible servers speak.
 */
import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { countOpenAIChatTokens } from './openai-token-count.js';
import { ProviderError, toProviderError } from './provider-error.js';
import type { FinishReason, ModelEvent, ModelMessage, ModelProvider, ModelRequest, Usage } from './types.js';

export interface OpenAIProviderOptions {
  apiKey: string;
  /** An OpenAI-compatible server, e.g. `http://127.0.0.1:11434/v1`; omit for api.openai.com. */
  baseURL?: string;
}

type MaxTokensField = 'max_completion_tokens' | 'max_tokens';

/**
 * api.openai.com rejects `max_tokens` for reasoning models (o-series, gpt-5) and wants `max_completion_tokens`;
 * Ollama's compatibility layer reads only `max_tokens` and silently ignores the other (no cap at all), and
 * vLLM/llama.cpp accept `max_tokens` too. So the field follows the server we talk to.
 */
function maxTokensFieldFor(baseURL: string | undefined): MaxTokensField {
  if (baseURL === undefined) return 'max_completion_tokens';
  return new URL(baseURL).hostname === 'api.openai.com' ? 'max_completion_tokens' : 'max_tokens';
}

function toOpenAIMessages(system: string | undefined, messages: ModelMessage[]): ChatCompletionMessageParam[] {
  const mapped = messages.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'user':
        return { role: 'user', content: message.content };
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: message.content };
        return {
          role: 'assistant',
          // The API itself returns null content beside tool calls; an empty string is rejected by some servers.
          content: message.content === '' ? null : message.content,
          tool_calls: calls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.argsJson },
          })),
        };
      }
    }
  });
  return system ? [{ role: 'system', content: system }, ...mapped] : mapped;
}

function toOpenAIParams(request: ModelRequest, maxTokensField: MaxTokensField): ChatCompletionCreateParamsStreaming {
  const tools = (request.tools ?? []).map((tool): ChatCompletionFunctionTool => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
  return {
    model: request.model,
    messages: toOpenAIMessages(request.system, request.messages),
    stream: true,
    stream_options: { include_usage: true },
    ...(tools.length > 0 && { tools }),
    ...(request.maxOutputTokens !== undefined && { [maxTokensField]: request.maxOutputTokens }),
  };
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  content_filter: 'content-filter',
};

interface PendingCall {
  id: string;
  name: string;
  argsJson: string;
  started: boolean;
}

/**
 * Turns chunks into ModelEvents. Tool-call fragments are keyed by `index` because only the first fragment of a
 * call carries its id and name; several calls may be in flight at once.
 */
class ChunkMapper {
  private readonly calls = new Map<number, PendingCall>();
  private usage: Usage | undefined;
  private finishReason: string | undefined;

  *accept(chunk: ChatCompletionChunk): Generator<ModelEvent> {
    if (chunk.usage) {
      this.usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
    }
    const choice = chunk.choices[0];
    if (!choice) return;
    const { content, refusal, tool_calls: fragments } = choice.delta;
    if (content) yield { type: 'text-delta', delta: content };
    // A refusal is the model's answer to the user; dropping it would show an empty reply.
    if (refusal) yield { type: 'text-delta', delta: refusal };
    for (const fragment of fragments ?? []) yield* this.acceptFragment(fragment);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  private *acceptFragment(fragment: ChatCompletionChunk.Choice.Delta.ToolCall): Generator<ModelEvent> {
    const call = this.calls.get(fragment.index) ?? { id: '', name: '', argsJson: '', started: false };
    this.calls.set(fragment.index, call);
    if (fragment.id) call.id = fragment.id;
    // Some compatible servers repeat the name on every fragment; it never grows.
    if (fragment.function?.name) call.name = fragment.function.name;
    const argsDelta = fragment.function?.arguments ?? '';
    call.argsJson += argsDelta;
    if (!call.started && call.id && call.name) {
      call.started = true;
      yield { type: 'tool-call-start', id: call.id, name: call.name };
      // Ollama sends a whole call in one fragment: what arrived with the name is the first delta.
      if (call.argsJson) yield { type: 'tool-call-delta', id: call.id, argsDelta: call.argsJson };
    } else if (call.started && argsDelta) {
      yield { type: 'tool-call-delta', id: call.id, argsDelta };
    }
  }

  *finish(): Generator<ModelEvent> {
    if (this.finishReason === undefined) {
      throw new ProviderError({
        provider: 'openai',
        code: 'stream_incomplete',
        retryable: true,
        message: 'openai stream ended before the model finished its answer',
      });
    }
    const calls = [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    for (const call of calls) {
      if (!call.started) {
        throw new ProviderError({
          provider: 'openai',
          code: 'invalid_response',
          retryable: true,
          message: 'openai streamed a tool call without an id or name',
        });
      }
      yield { type: 'tool-call-end', id: call.id, name: call.name, argsJson: call.argsJson || '{}' };
    }
    if (this.usage) yield { type: 'usage', usage: this.usage };
    const reason = FINISH_REASONS[this.finishReason] ?? 'other';
    // Some compatible servers report `stop` beside tool calls; the calls still have to run.
    yield { type: 'finish', reason: reason === 'stop' && calls.length > 0 ? 'tool-calls' : reason };
  }
}

async function* streamChat(
  client: OpenAI,
  params: ChatCompletionCreateParamsStreaming,
  signal: AbortSignal,
): AsyncGenerator<ModelEvent> {
  try {
    const stream = await client.chat.completions.create(params, { signal });
    const mapper = new ChunkMapper();
    for await (const chunk of stream) yield* mapper.accept(chunk);
    // The SDK ends the iteration quietly when the signal fires mid-stream; that is not a finished answer.
    signal.throwIfAborted();
    yield* mapper.finish();
  } catch (err) {
    throw toProviderError('openai', err, signal);
  }
}

/** The messages and tools the call sends, counted with OpenAI's tokenizer (OpenAI has no counting endpoint). */
function countOpenAITokens({ messages, tools }: ChatCompletionCreateParamsStreaming): number {
  return countOpenAIChatTokens(messages, tools);
}

/**
 * Builds the OpenAI provider. SDK retries are off because Temporal retries the activity, and the SDK would
 * otherwise retry behind its back and double the wait.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): ModelProvider {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0 });
  const maxTokensField = maxTokensFieldFor(options.baseURL);
  return {
    name: 'openai',
    stream: (request, signal) => streamChat(client, toOpenAIParams(request, maxTokensField), signal),
    countTokens: (request) => Promise.resolve(countOpenAITokens(toOpenAIParams(request, maxTokensField))),
  };
}

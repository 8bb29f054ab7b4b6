/**
 * The provider-neutral shapes that cross src/llm: a transcript in, normalized stream events out.
 * Providers translate vendor wire formats to these; nothing outside src/llm sees a vendor type.
 */

export type ProviderName = 'openai' | 'anthropic';

export interface ToolCallRequest {
  id: string;
  name: string;
  /** The raw JSON text the model produced; callers validate it with zod. */
  argsJson: string;
}

export type ModelMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCallRequest[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string };

export interface ToolSchema {
  name: string;
  description: string;
  /** JSON Schema of the tool's input object. */
  parameters: Record<string, unknown>;
}

export interface ModelRequest {
  /** The vendor's model name, without the `provider:` prefix. */
  model: string;
  system?: string;
  messages: ModelMessage[];
  tools?: ToolSchema[];
  maxOutputTokens?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type ModelEvent =
  | { type: 'text-delta'; delta: string }
  | { type: 'reasoning-delta'; delta: string }
  | { type: 'tool-call-start'; id: string; name: string }
  | { type: 'tool-call-delta'; id: string; argsDelta: string }
  | { type: 'tool-call-end'; id: string; name: string; argsJson: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason };

export interface ModelProvider {
  readonly name: ProviderName;
  /** Streams one model call. Aborting `signal` must close the vendor HTTP stream. Throws ProviderError. */
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent>;
  /** The input tokens `request` would cost, counted before it is sent (see token-counter.ts). Throws ProviderError. */
  countTokens(request: ModelRequest, signal?: AbortSignal): Promise<number>;
}

export type Providers = Partial<Record<ProviderName, ModelProvider>>;

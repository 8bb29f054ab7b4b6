/**
 * OpenAI has no counting endpoint: its models' own tokenizer (o200k_base, through gpt-tokenizer) counts the
 * messages and tools a call sends. The framing follows OpenAI's cookbook for chat models (3 tokens per message,
 * 3 priming the reply); tool schemas and tool-call arguments count as the JSON they are sent as. The scripted
 * model server reports its OpenAI usage with this same count, as the real service reports its own tokenizer's.
 */
import { countTokens } from 'gpt-tokenizer';

const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

function contentTokens(content: unknown): number {
  if (typeof content === 'string') return countTokens(content);
  if (Array.isArray(content))
    return content.reduce<number>(
      (sum, part: { type?: unknown; text?: unknown }) =>
        sum + (part?.type === 'text' && typeof part.text === 'string' ? countTokens(part.text) : contentTokens(part)),
      0,
    );
  return content === null || content === undefined ? 0 : countTokens(JSON.stringify(content));
}

function messageTokens(message: unknown): number {
  if (typeof message !== 'object' || message === null) return contentTokens(message);
  const { role, content, name, tool_calls: toolCalls, tool_call_id: toolCallId } = message as Record<string, unknown>;
  let tokens = PER_MESSAGE + contentTokens(role) + contentTokens(content);
  if (typeof name === 'string') tokens += countTokens(name) + 1;
  if (typeof toolCallId === 'string') tokens += countTokens(toolCallId);
  if (Array.isArray(toolCalls)) tokens += countTokens(JSON.stringify(toolCalls));
  return tokens;
}

export function countOpenAIChatTokens(messages: readonly unknown[], tools?: readonly unknown[]): number {
  const sent = messages.reduce<number>((sum, message) => sum + messageTokens(message), REPLY_PRIMING);
  return tools && tools.length > 0 ? sent + countTokens(JSON.stringify(tools)) : sent;
}

/**
 * What one compaction summarises, and the request that summarises it. Rows are whole transcript rows (a user
 * message, or an assistant step with its tool calls and their results), so a call is never parted from its result.
 * Sizes here are character estimates: choosing rows needs no provider round trip, and the model call after the
 * compaction is counted exactly, compacting again if the estimate was short.
 */
import type { TranscriptMessage } from '../db/messages-repo.js';
import { estimateTokensByChars } from '../llm/char-token-estimate.js';
import type { ModelMessage, ModelRequest } from '../llm/types.js';

/** Of the input budget, what the newest rows kept in full may take; the rest is for the summary and what follows. */
const TAIL_SHARE = 0.5;
/** Of the input budget, what one summarising request may send (previous summary and rows). */
const REQUEST_SHARE = 0.6;
const MIN_SUMMARY_TOKENS = 64;
const MAX_SUMMARY_TOKENS = 2048;

export const SUMMARIZER_PROMPT = [
  'You keep a running summary of a conversation between a user and an AI assistant, so that the assistant can keep',
  'working after older messages leave its context. Keep the facts learned, decisions, the user’s instructions and',
  'preferences, open questions, sources with their URLs, tool results that still matter, and what was in progress.',
  'Answer with the summary only: plain prose or bullet points, no preamble.',
].join(' ');

/**
 * The rows to summarise now, from the oldest not yet summarised: all but the newest ones that fit in half the
 * budget (at least the newest row stays, and at least one row goes), limited to what one summarising request can
 * carry. Undefined when only the newest row is left.
 */
export function planCompaction(
  rows: TranscriptMessage[],
  messagesOf: (rows: TranscriptMessage[]) => ModelMessage[],
  budgetTokens: number,
  previousSummary: string | undefined,
): TranscriptMessage[] | undefined {
  const sizes = rows.map((row) => estimateTokensByChars(messagesOf([row])));
  let keepFrom = rows.length - 1;
  let tail = sizes[keepFrom] ?? 0;
  while (keepFrom > 0 && tail + sizes[keepFrom - 1]! <= budgetTokens * TAIL_SHARE) tail += sizes[--keepFrom]!;
  // Everything looked small, yet the call did not fit (a large system prompt or tool list): keep only the newest row.
  if (keepFrom === 0) keepFrom = rows.length - 1;
  if (keepFrom <= 0) return undefined;
  let take = 1;
  let sent = (previousSummary ? estimateTokensByChars(previousSummary) : 0) + sizes[0]!;
  while (take < keepFrom && sent + sizes[take]! <= budgetTokens * REQUEST_SHARE) sent += sizes[take++]!;
  return rows.slice(0, take);
}

/** The summarising call: the previous summary (extended, not redone) and the rows it now covers, as plain text. */
export function summaryRequest(
  model: string,
  covered: ModelMessage[],
  previousSummary: string | undefined,
  budgetTokens: number,
): ModelRequest {
  // One row larger than the request may carry is cut: its start is what a summary can still use.
  const maxChars = Math.max(1, Math.floor(budgetTokens * REQUEST_SHARE * 4));
  const rendered = covered.map(renderMessage).join('\n\n');
  const conversation =
    rendered.length <= maxChars ? rendered : `${rendered.slice(0, maxChars)}\n[cut here to fit the context window]`;
  const content = previousSummary
    ? `The summary so far:\n${previousSummary}\n\nExtend it with the conversation that followed:\n${conversation}`
    : `Summarise this conversation:\n${conversation}`;
  return {
    model,
    system: SUMMARIZER_PROMPT,
    messages: [{ role: 'user', content }],
    maxOutputTokens: Math.min(MAX_SUMMARY_TOKENS, Math.max(MIN_SUMMARY_TOKENS, Math.floor(budgetTokens / 4))),
  };
}

function renderMessage(message: ModelMessage): string {
  switch (message.role) {
    case 'user':
      return `User: ${message.content}`;
    case 'tool':
      return `Result of ${message.toolName}: ${message.content}`;
    case 'assistant': {
      const calls = (message.toolCalls ?? []).map((call) => `[calls ${call.name} with ${call.argsJson}]`);
      return `Assistant: ${[message.content, ...calls].filter(Boolean).join(' ')}`;
    }
  }
}

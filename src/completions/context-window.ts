/**
 * Whether a model call fits its context window, and what it sends when older turns were compacted: the newest
 * compaction whose covered rows are still in the transcript, as one message in their place. Counting is the
 * provider's (its own endpoint, else its tokenizer), done on the exact request about to be sent.
 */
import type { Compaction } from '../db/compactions-repo.js';
import type { TranscriptMessage } from '../db/messages-repo.js';
import type { ModelMessage, ModelProvider, ModelRequest } from '../llm/types.js';
import { inputBudget, type ContextPolicy } from './context-policy.js';

/** The rows a model call still sends in full, after the compaction that covers the ones before them. */
export function afterCompaction(
  rows: TranscriptMessage[],
  compactions: Compaction[],
): { compaction: Compaction | undefined; rows: TranscriptMessage[] } {
  for (const compaction of compactions) {
    const covered = rows.findIndex((row) => row.id === compaction.throughMessageId);
    // A compaction of rows no longer in the transcript (a regenerated answer) no longer applies.
    if (covered >= 0) return { compaction, rows: rows.slice(covered + 1) };
  }
  return { compaction: undefined, rows };
}

export const SUMMARY_HEADING = '[Summary of the earlier conversation, written to keep within the context window]';

/** The summary as the model reads it: the first message, standing for everything it covers. */
export function summaryMessage(compaction: Compaction | undefined): ModelMessage[] {
  return compaction ? [{ role: 'user', content: `${SUMMARY_HEADING}\n${compaction.summary}` }] : [];
}

export type FitVerdict =
  | { kind: 'fits'; tokens: number }
  /** Older rows must be compacted first. */
  | { kind: 'compact'; tokens: number }
  /** The system prompt and tools alone leave no room: no compaction can help. */
  | { kind: 'window-too-small'; promptTokens: number }
  /** Only the newest row is left in full, and it does not fit by itself. */
  | { kind: 'overflow'; tokens: number };

/**
 * Counts `request` and says whether it may be sent. Only when it does not fit is the fixed part (system prompt
 * and tools, with a one-word message as both vendors need one) counted too, to tell a window that can never
 * fit from a transcript that has grown.
 */
export async function checkFit(
  provider: ModelProvider,
  request: ModelRequest,
  policy: ContextPolicy,
  uncompactedRows: number,
  signal: AbortSignal,
): Promise<FitVerdict> {
  const budget = inputBudget(policy);
  const tokens = await provider.countTokens(request, signal);
  if (tokens <= budget) return { kind: 'fits', tokens };
  const promptTokens = await provider.countTokens({ ...request, messages: [{ role: 'user', content: '.' }] }, signal);
  if (promptTokens >= budget) return { kind: 'window-too-small', promptTokens };
  return uncompactedRows > 1 ? { kind: 'compact', tokens } : { kind: 'overflow', tokens };
}

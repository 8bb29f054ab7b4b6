/**
 * What a completion's workflow shows in Temporal (its memo and its summary in the UI's list). Temporal keeps both
 * in the workflow's history, readable by anyone with access to the namespace and kept for its retention period,
 * so they hold ids by default; an operator may opt in to the thread title (LONGHAUL_MEMO_THREAD_TITLE), which is
 * the first 80 characters of the user's first message.
 */
import type { CompletionInput } from '../workflows/definitions.js';

export function completionMemo(
  input: Pick<CompletionInput, 'threadId'>,
  threadTitle: string | null,
  withTitle: boolean,
): Record<string, string> {
  return { threadId: input.threadId, ...(withTitle && threadTitle ? { threadTitle } : {}) };
}

export function completionSummary(input: Pick<CompletionInput, 'completionId' | 'model'>): string {
  return `completion ${input.completionId} (${input.model})`;
}

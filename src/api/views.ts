import type { CompletionRow } from '../db/completions-repo.js';
import type { ThreadRow } from '../db/threads-repo.js';

/** The public shape of a thread: named by the id its client chose, which is unique per user only. */
export function toThreadView(row: ThreadRow) {
  return {
    id: row.clientId,
    userId: row.userId,
    title: row.title,
    doubleTextPolicy: row.doubleTextPolicy,
    agent: row.agent,
    activeCompletionId: row.activeCompletionId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The public shape of a completion: status, usage and timing, without internal columns; its thread as the client names it. */
export function toCompletionView(row: CompletionRow, clientThreadId: string) {
  return {
    id: row.id,
    threadId: clientThreadId,
    model: row.model,
    agent: row.agent === null ? null : { name: row.agent, version: row.agentVersion },
    status: row.status,
    assistantMessageId: row.assistantMessageId,
    workflowId: row.workflowId,
    steps: row.steps,
    finishReason: row.finishReason,
    usage: row.inputTokens === null ? null : { inputTokens: row.inputTokens, outputTokens: row.outputTokens ?? 0 },
    error: row.error,
    output: row.output ?? null,
    /** When the turn was answered again (regenerate) and this answer left the transcript. */
    supersededAt: row.supersededAt,
    timing: {
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      firstTokenAt: row.firstTokenAt,
      finishedAt: row.finishedAt,
    },
  };
}

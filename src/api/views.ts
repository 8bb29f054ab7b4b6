import type { CompletionRow } from '../db/completions-repo.js';

/** The public shape of a completion: status, usage and timing, without internal columns. */
export function toCompletionView(row: CompletionRow) {
  return {
    id: row.id,
    threadId: row.threadId,
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

/**
 * Where a sub-agent's progress is shown, found from what Postgres already holds: its completion names the
 * completion that started it (`parent_completion_id`), and its id is derived from the tool call it answers
 * (`cmp_` + the first 16 base64url characters of the call id's SHA-256), so that call is the parent's one
 * whose derived id is this completion's. No column beyond those the opening writes today is needed.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/pool.js';

export interface SubagentParent {
  completionId: string;
  toolCallId: string;
}

export async function findSubagentParent(db: Queryable, completionId: string): Promise<SubagentParent | undefined> {
  const { rows } = await db.query<{ parentCompletionId: string; toolCallId: string }>(
    `SELECT c.parent_completion_id AS "parentCompletionId", t.id AS "toolCallId"
     FROM completions c JOIN tool_executions t ON t.completion_id = c.parent_completion_id
     WHERE c.id = $1`,
    [completionId],
  );
  const call = rows.find((row) => subagentCompletionId(row.toolCallId) === completionId);
  return call && { completionId: call.parentCompletionId, toolCallId: call.toolCallId };
}

/**
 * Ids of what a sub-agent's opening writes (completion, thread, messages), derived from the tool call it answers,
 * so a retried opening finds the rows it already wrote.
 */
export function subagentDerivedId(prefix: string, key: string): string {
  return `${prefix}_${createHash('sha256').update(key).digest('base64url').slice(0, 16)}`;
}

/** The id the sub-agent opening gives the completion answering this tool call. */
export function subagentCompletionId(toolCallId: string): string {
  return subagentDerivedId('cmp', toolCallId);
}

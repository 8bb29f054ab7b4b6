/**
 * Ending a turn, every way a turn ends: its workflow finishing it (completed, failed, stopped) or the API finding
 * that its workflow ended outside Longhaul (terminated, timed out, gone from Temporal). One path, so the ledger,
 * the metrics, sidebars and a parent's stream cannot tell who recorded the end.
 */
import { createAuditRepo } from '../db/audit-repo.js';
import { createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import type { Queryable } from '../db/pool.js';
import { createThreadsRepo } from '../db/threads-repo.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import { withTransaction } from '../db/transaction.js';
import { metrics } from '../metrics.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import { publishSubagentProgress, subagentProgressChunk, threadStatusChunk } from './announcements.js';
import type { LifecycleDeps, Origin } from './lifecycle-deps.js';
import { settleUndeliveredSteering } from './steering.js';
import { publishStoredResults } from './tool-calls.js';
import { findSubagentParent, type SubagentParent } from './subagent-parent.js';

export type TurnOutcome =
  | { status: 'completed' | 'cancelled'; finishReason: string }
  | { status: 'failed'; finishReason: string; error: { code: string; message: string } };

export type TurnEnd = TurnOutcome & {
  completionId: string;
  threadId: string;
  userId: string;
  /** Where a sub-agent's progress is shown; null for a top-level turn; absent when unknown (looked up then). */
  parent?: SubagentParent | null;
};

export interface EndTurnMeta {
  /** Stamped on the audit rows. */
  origin: Origin;
  /** Who noticed the end: the turn's own workflow, or the API for a workflow that ended outside Longhaul. */
  recordedBy: 'worker' | 'api';
}

/** The data of every `completion_finished` audit row, whoever recorded it. */
export type CompletionFinishedData = {
  status: TurnOutcome['status'];
  finishReason: string;
  steps: number;
  inputTokens: number;
  outputTokens: number;
  code: string | null;
  message: string | null;
  recordedBy: EndTurnMeta['recordedBy'];
};

const RUN_STATUS = { completed: 'complete', failed: 'failed', cancelled: 'cancelled' } as const;

/**
 * Records the end once, in one commit (a reader who sees the turn ended also sees its ledger and a free thread):
 * tool calls still open when a turn is stopped or fails become `interrupted` (which also takes them out of the
 * approval inbox), the outcome, the freed thread, the `failure` and `completion_finished` rows. The thread row is
 * locked first, so of two callers ending the same turn (a retried activity, two API replicas) exactly one records
 * it and counts it in `completions_finished`.
 *
 * The announcements then tell what is on record, every time: a caller whose earlier attempt committed but could
 * not publish gets them out now. The status goes to the user's channel too (sidebars), before the terminal chunk,
 * because viewers stop reading there; a sub-agent's end also shows in its parent's stream.
 */
export async function endTurn(deps: LifecycleDeps, end: TurnEnd, meta: EndTurnMeta): Promise<void> {
  const recorded = await withTransaction(deps.pool, async (client) => {
    await createThreadsRepo(client).lockById(end.threadId);
    const completions = createCompletionsRepo(client);
    const before = await completions.get(end.completionId);
    // Gone with its thread: nobody is left to tell.
    if (!before) return undefined;
    const recordsNow = before.finishedAt === null;
    const row = recordsNow ? await record(client, end, meta) : before;
    const parent = end.parent === undefined ? await findSubagentParent(client, end.completionId) : end.parent;
    if (recordsNow && parent) await storeSubagentEnd(client, end, row, parent);
    return { row, recordsNow, parent: parent ?? undefined };
  });
  if (!recorded) return;
  const { row, parent } = recorded;
  const outcome = outcomeOf(row, end);
  if (recorded.recordsNow) {
    metrics.completionsFinished.inc({ status: outcome.status });
    deps.log.info(
      {
        completionId: end.completionId,
        threadId: end.threadId,
        userId: end.userId,
        status: outcome.status,
        finishReason: outcome.finishReason,
        steps: row.steps,
        errorCode: outcome.status === 'failed' ? outcome.error.code : undefined,
        recordedBy: meta.recordedBy,
      },
      'completion finished',
    );
  }
  // Calls the end interrupted show so in the stream too, as the stored message (and a replay rebuilt from it) does;
  // after a Stop's early `abort` the log takes no more, and a viewer has already stopped reading.
  if (outcome.status !== 'completed') {
    const interrupted = await createToolExecutionsRepo(deps.pool).listInterrupted(end.completionId);
    await publishStoredResults(deps, end.completionId, interrupted);
  }
  await deps.publisher.publish(end.completionId, threadStatusChunk(end, RUN_STATUS[outcome.status]), end.userId);
  await deps.publisher.publish(end.completionId, terminalChunk(end.completionId, outcome, row));
  // Last of this completion's own chunks: from here a replay is a reconnect's, then Postgres's.
  await deps.publisher.expireLog(end.completionId);
  await publishSubagentProgress(
    deps.publisher,
    {
      completionId: end.completionId,
      threadId: end.threadId,
      parent,
      agent: row.agent === null ? undefined : { name: row.agent },
    },
    subagentEnd(row, end),
  );
}

/** The sub-agent's last progress, as its parent's stream shows it. */
const subagentEnd = (row: CompletionRow, end: TurnEnd) => ({ status: outcomeOf(row, end).status, steps: row.steps });

/**
 * The parent's message keeps the sub-agent's final progress, as a live viewer's does: a replay rebuilt from
 * Postgres (after the replay window) and the thread's messages show it too. Under the thread id the client knows
 * the sub-agent's thread by, as the published part carries it (client-thread-ids.ts).
 */
async function storeSubagentEnd(client: Queryable, end: TurnEnd, row: CompletionRow, parent: SubagentParent) {
  const threadId = (await createThreadsRepo(client).clientIdOf(end.threadId)) ?? end.threadId;
  const agent = row.agent === null ? {} : { agent: { name: row.agent } };
  const part = subagentProgressChunk({ ...end, ...agent, threadId, parent }, subagentEnd(row, end));
  await createMessagesRepo(client).storeSubagentPart(parent.toolCallId, part);
}

/**
 * Writes the end and its ledger rows, the failure first and `completion_finished` with the finish; returns the
 * finished row (totals summed by the repository).
 */
async function record(client: Queryable, end: TurnEnd, meta: EndTurnMeta): Promise<CompletionRow> {
  if (end.status !== 'completed') await createToolExecutionsRepo(client).interruptOpen(end.completionId);
  await settleUndeliveredSteering(client, end, meta.origin);
  const stamp = {
    threadId: end.threadId,
    completionId: end.completionId,
    userId: end.userId,
    actor: 'system',
    ...meta.origin,
  };
  if (end.status === 'failed') {
    await createAuditRepo(client).append({
      ...stamp,
      key: `failure:${end.completionId}`,
      type: 'failure',
      data: end.error,
    });
  }
  // The totals (`steps`, `inputTokens`, `outputTokens`) are the finish's to add: it sums them in the same statement.
  const data: Omit<CompletionFinishedData, 'steps' | 'inputTokens' | 'outputTokens'> = {
    status: end.status,
    finishReason: end.finishReason,
    code: end.status === 'failed' ? end.error.code : null,
    message: end.status === 'failed' ? end.error.message : null,
    recordedBy: meta.recordedBy,
  };
  // The caller holds the thread's lock and saw the turn unfinished, so this call is the one that finishes it.
  return (await createCompletionsRepo(client).finish(
    { id: end.completionId, threadId: end.threadId },
    { status: end.status, finishReason: end.finishReason, ...(end.status === 'failed' ? { error: end.error } : {}) },
    { ...stamp, key: `completion_finished:${end.completionId}`, type: 'completion_finished', data },
  ))!;
}

/** The outcome on record; the caller's own when the row holds none a turn can end with. */
function outcomeOf(row: CompletionRow, end: TurnEnd): TurnOutcome {
  const finishReason = row.finishReason ?? end.finishReason;
  switch (row.status) {
    case 'completed':
    case 'cancelled':
      return { status: row.status, finishReason };
    case 'failed':
      return {
        status: 'failed',
        finishReason,
        error: row.error ?? { code: 'completion_failed', message: 'The completion failed.' },
      };
    default:
      return end;
  }
}

function terminalChunk(completionId: string, outcome: TurnOutcome, row: CompletionRow): UIMessageChunk {
  switch (outcome.status) {
    case 'completed':
      // finishReason rides in metadata: the chunk field is unknown to ai < 5.0.92, which rejects unknown fields.
      return {
        type: 'finish',
        messageMetadata: {
          completionId,
          finishReason: outcome.finishReason,
          usage: { inputTokens: row.inputTokens ?? 0, outputTokens: row.outputTokens ?? 0 },
        },
      };
    case 'failed':
      return { type: 'error', errorText: outcome.error.message };
    case 'cancelled':
      return { type: 'abort', reason: 'cancelled' };
  }
}

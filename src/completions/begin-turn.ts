/**
 * A turn begins: it is marked started (a queued turn becomes running), the ledger records the message it answers
 * (`message_received`), and viewers learn of it: `start` on its stream, `running` on its parent's stream when it
 * is a sub-agent, and on the user's channel for sidebars. Safe to repeat (the client ignores a second start).
 * The Postgres writes (one statement, atomic on its own) and the announcements go out concurrently: this runs
 * before the first token, so its latency is the user's.
 */
import { ACTIVE_STATUSES, createCompletionsRepo } from '../db/completions-repo.js';
import { metrics } from '../metrics.js';
import type { CompletionInput } from '../workflows/definitions.js';
import { publishSubagentProgress, threadStatusChunk } from './announcements.js';
import type { LifecycleDeps, Origin } from './lifecycle-deps.js';

export interface BeginTurn {
  turn: CompletionInput;
  origin: Origin;
  /** Counted once in `completions_started`, on the first attempt only. */
  firstAttempt: boolean;
}

export async function beginTurn(
  { pool, publisher }: LifecycleDeps,
  { turn, origin, firstAttempt }: BeginTurn,
): Promise<void> {
  if (firstAttempt) metrics.completionsStarted.inc();
  const record = createCompletionsRepo(pool).markStarted(turn.completionId, {
    key: `message_received:${turn.completionId}`,
    threadId: turn.threadId,
    completionId: turn.completionId,
    userId: turn.userId,
    type: 'message_received',
    actor: turn.userId,
    data: { model: turn.model, tools: turn.tools ?? [] },
    ...origin,
  });
  const announce = (async () => {
    await publisher.publish(turn.completionId, { type: 'start', messageId: turn.assistantMessageId });
    await publishSubagentProgress(publisher, turn, { status: 'running', step: 0 });
    await publisher.publish(turn.completionId, threadStatusChunk(turn, 'running'), turn.userId);
  })();
  await Promise.all([record, announce]);
}

/** Whether a turn no longer holds its thread: a turn queued behind it (double texting) may begin. */
export async function hasTurnEnded({ pool }: Pick<LifecycleDeps, 'pool'>, completionId: string): Promise<boolean> {
  const turn = await createCompletionsRepo(pool).get(completionId);
  return !turn || !ACTIVE_STATUSES.includes(turn.status);
}

/**
 * A schedule's run opens its turn the way the API opens a user's (`openUserTurn`: one transaction, the thread's
 * double-texting policy, the active-completions cap), sending the message the schedule keeps in Postgres, so the
 * text never passes through Temporal. The run chooses the ids (`runKey`): a retried opening finds the turn it
 * opened rather than opening a second. A run that cannot open (the thread busy under `reject`, the schedule gone,
 * a cap reached) is skipped with a reason code, which is all that enters the run's history.
 */
import { createCompletionsRepo, type CompletionRow } from '../db/completions-repo.js';
import { createSchedulesRepo } from '../db/schedules-repo.js';
import type { CompletionInput } from '../workflows/definitions.js';
import { TooManyActiveCompletions } from './active-completions-cap.js';
import { openUserTurn, TurnNotOpened, type UserTurnDeps } from './open-user-turn.js';
import { TurnRefused } from './turn-policy.js';

export interface ScheduledTurnRequest {
  scheduleId: string;
  userId: string;
  /** Unique per run and the same on every attempt: the turn's ids are made from it. */
  runKey: string;
  /** The run's workflow, named in the ledger's `schedule_fired`. */
  runWorkflowId: string | null;
}

export type OpenedScheduledTurn = { ok: true; turn: CompletionInput } | { ok: false; reason: string };

export async function openScheduledTurn(
  deps: UserTurnDeps,
  request: ScheduledTurnRequest,
): Promise<OpenedScheduledTurn> {
  const completions = createCompletionsRepo(deps.pool);
  const completionId = `cmp_${request.runKey}`;
  const schedule = await createSchedulesRepo(deps.pool).getById(request.scheduleId);
  // Deleted (with its thread, or by its owner) while Temporal still fired it.
  if (!schedule || schedule.userId !== request.userId) return { ok: false, reason: 'schedule_not_found' };
  const choices = { agent: schedule.agent };
  const opened = await completions.get(completionId);
  if (opened) return { ok: true, turn: { ...(await reopened(deps, opened, choices)), scheduleId: schedule.id } };
  try {
    const turn = await openUserTurn(deps, {
      userId: request.userId,
      clientThreadId: schedule.clientThreadId ?? `thr_${request.runKey}`,
      createThread: schedule.threadId === null,
      userMessage: { uiMessageId: `msg_${request.runKey}`, parts: [{ type: 'text', text: schedule.message }] },
      choices,
      completionId,
      audit: {
        type: 'schedule_fired',
        actor: `schedule:${schedule.id}`,
        data: { scheduleId: schedule.id, runWorkflowId: request.runWorkflowId },
      },
    });
    return {
      ok: true,
      turn: {
        completionId,
        threadId: turn.threadId,
        userId: request.userId,
        assistantMessageId: turn.assistantMessageId,
        ...turn.spec,
        ...(turn.after ? { afterCompletionId: turn.after.id } : {}),
        scheduleId: schedule.id,
      },
    };
  } catch (error) {
    if (error instanceof TurnNotOpened || error instanceof TurnRefused) return { ok: false, reason: error.code };
    if (error instanceof TooManyActiveCompletions) return { ok: false, reason: 'too_many_active_completions' };
    throw error;
  }
}

/** The turn an earlier attempt opened, as that attempt would have returned it. */
async function reopened(deps: UserTurnDeps, row: CompletionRow, choices: { agent: string }): Promise<CompletionInput> {
  const after = await createCompletionsRepo(deps.pool).afterCompletionIdOf(row.id);
  return {
    completionId: row.id,
    threadId: row.threadId,
    userId: row.userId,
    assistantMessageId: row.assistantMessageId,
    ...deps.policy.resolve(choices, { threadAgent: null }),
    model: row.model,
    ...(after ? { afterCompletionId: after } : {}),
  };
}

/**
 * Scheduled agents for /v1/schedules. A schedule is a Temporal Schedule (its timing, paused state, next and
 * running runs: Temporal is the truth for those, so schedules survive restarts of everything else) plus a
 * Postgres row under the same id (owner, agent, message, thread), which its runs read so the message never enters
 * Temporal's history. Every schedule is read through its owner's row: another user's is a 404, as one that does
 * not exist. A row whose Temporal Schedule is gone is dropped when met.
 */
import { setTimeout } from 'node:timers/promises';
import type pg from 'pg';
import { z } from 'zod';
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import { newId } from '../db/ids.js';
import { createSchedulesRepo, type ScheduleRow } from '../db/schedules-repo.js';
import { createThreadsRepo } from '../db/threads-repo.js';
import type { TurnPolicy } from '../completions/turn-policy.js';
import type { Logger } from '../log.js';
import type { scheduledRunWorkflow } from '../workflows/scheduled-run-workflow.js';
import { scheduledRunWorkflowId, USER_ID_ATTRIBUTE, type ScheduledRunInput } from '../workflows/definitions.js';
import { AppError, badRequest, notFound } from './app-error.js';

export interface NewSchedule {
  agent: string;
  message: string;
  /** The caller's thread (its client id); absent: a new thread per run. */
  threadId?: string;
  cron?: string;
  intervalSeconds?: number;
  timezone?: string;
}

/** How the schedule was asked for, kept in the Temporal Schedule's memo (Temporal stores a cron only compiled). */
/** Reads of a schedule are tried three times, 200 ms and 800 ms apart. */
const READ_RETRIES = 2;
const READ_BACKOFF_MS = 200;

const timingMemoSchema = z.object({
  cron: z.string().optional(),
  intervalSeconds: z.number().optional(),
});

/** Runs missed by more than this (Temporal or the workers down) are skipped rather than run late. */
const CATCHUP_WINDOW = '1 minute';

export interface ScheduleView {
  id: string;
  agent: string;
  message: string;
  /** The thread the runs post to, as its client names it; null: a new thread per run. */
  threadId: string | null;
  cron: string | null;
  intervalSeconds: number | null;
  timezone: string;
  paused: boolean;
  nextRunTimes: string[];
  /** The runs going on now (the schedule skips firings while one is). */
  runningRuns: string[];
  recentRuns: { scheduledAt: string; startedAt: string; workflowId: string }[];
  runsTaken: number;
  runsSkippedOverlap: number;
  createdAt: string;
}

export function createScheduleService(deps: {
  pool: pg.Pool;
  temporal: Client;
  taskQueue: string;
  policy: TurnPolicy;
  /** LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS: also the least gap between a cron's runs. */
  minIntervalSeconds: number;
  log: Logger;
}) {
  const schedules = createSchedulesRepo(deps.pool);
  const threads = createThreadsRepo(deps.pool);

  /**
   * Temporal's answer, or the API's: a schedule Temporal no longer has is dropped and is a 404. A read (`retries`)
   * is tried again after a short backoff, so a Temporal server that is slow for a moment is not a 503.
   */
  async function inTemporal<T>(
    row: ScheduleRow,
    call: (handle: ScheduleHandle) => Promise<T>,
    retries = 0,
  ): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await call(deps.temporal.schedule.getHandle(row.id));
      } catch (error) {
        if (error instanceof ScheduleNotFoundError) {
          await schedules.delete(row.id);
          throw notFound('schedule');
        }
        const cause = (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
        deps.log.error(`schedule ${row.id}: ${(error as Error).message}${cause} (attempt ${attempt + 1})`);
        if (attempt >= retries)
          throw new AppError(503, 'temporal_unavailable', 'could not reach Temporal; try again shortly');
        await setTimeout(READ_BACKOFF_MS * 4 ** attempt);
      }
    }
  }

  async function ownRow(id: string, userId: string): Promise<ScheduleRow> {
    const row = await schedules.getForUser(id, userId);
    if (!row) throw notFound('schedule');
    return row;
  }

  async function remove(row: ScheduleRow): Promise<void> {
    await inTemporal(row, (handle) => handle.delete()).catch((error: unknown) => {
      if (!(error instanceof AppError && error.status === 404)) throw error;
    });
    await schedules.delete(row.id);
  }

  const view = async (row: ScheduleRow): Promise<ScheduleView> =>
    toScheduleView(row, await inTemporal(row, (handle) => handle.describe(), READ_RETRIES));

  /** Takes back a schedule whose creation was refused or failed halfway: its row and any Temporal Schedule. */
  async function undo(id: string): Promise<void> {
    await deps.temporal.schedule
      .getHandle(id)
      .delete()
      .catch((error: unknown) => {
        if (!(error instanceof ScheduleNotFoundError)) deps.log.error(`undoing schedule ${id}: ${String(error)}`);
      });
    await schedules.delete(id);
  }

  /**
   * Created paused, so Temporal (which parses the cron and the time zone) can refuse it, or its next runs turn out
   * closer than the minimum, before any run starts; then unpaused.
   */
  async function startInTemporal(id: string, input: ScheduledRunInput, schedule: NewSchedule): Promise<void> {
    try {
      await deps.temporal.schedule.create<typeof scheduledRunWorkflow>({
        scheduleId: id,
        spec: {
          ...(schedule.cron !== undefined
            ? { cronExpressions: [schedule.cron] }
            : { intervals: [{ every: schedule.intervalSeconds! * 1000 }] }),
          ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
        },
        action: {
          type: 'startWorkflow',
          workflowType: 'scheduledRunWorkflow',
          workflowId: scheduledRunWorkflowId(id),
          taskQueue: deps.taskQueue,
          args: [input],
          staticSummary: `scheduled run of ${id} (${input.agent})`,
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW },
        state: { paused: true, note: 'checking its next runs' },
        // Operators find a user's schedules in the Temporal UI (and tests find what a refused request left).
        typedSearchAttributes: [{ key: USER_ID_ATTRIBUTE, value: input.userId }],
        memo: {
          ...(schedule.cron !== undefined ? { cron: schedule.cron } : {}),
          ...(schedule.intervalSeconds !== undefined ? { intervalSeconds: schedule.intervalSeconds } : {}),
        },
      });
    } catch (error) {
      // The client turns Temporal's "Invalid schedule spec" into a TypeError carrying the reason.
      if (error instanceof TypeError) throw badRequest(`${specField(schedule)}: ${error.message}`, 'invalid_schedule');
      throw error;
    }
    const handle = deps.temporal.schedule.getHandle(id);
    const { info } = await handle.describe();
    const gap = shortestGapSeconds(info.nextActionTimes);
    if (gap !== undefined && gap < deps.minIntervalSeconds) {
      throw badRequest(
        `${specField(schedule)}: runs ${gap} s apart; at least ${deps.minIntervalSeconds} s allowed (LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS)`,
        'invalid_schedule',
      );
    }
    await handle.unpause('created');
  }

  return {
    /** Checks everything before the first write, then writes the row and the Temporal Schedule, or neither. */
    async create(userId: string, schedule: NewSchedule): Promise<ScheduleView> {
      const agent = deps.policy.resolve({ agent: schedule.agent }, { threadAgent: null }).agent.name;
      const thread = schedule.threadId ? await threads.getByClientId(schedule.threadId, userId) : undefined;
      if (schedule.threadId && !thread) throw notFound('thread');
      const id = newId('sch');
      const input: ScheduledRunInput = { scheduleId: id, userId, agent, ...(thread ? { threadId: thread.id } : {}) };
      await schedules.create({ id, userId, agent, message: schedule.message, threadId: thread?.id ?? null });
      try {
        await startInTemporal(id, input, schedule);
      } catch (error) {
        await undo(id);
        if (error instanceof AppError) throw error;
        deps.log.error(`creating schedule ${id} failed: ${(error as Error).message}`);
        throw new AppError(503, 'temporal_unavailable', 'could not create the schedule; try again shortly');
      }
      return view(await ownRow(id, userId));
    },

    async list(userId: string): Promise<ScheduleView[]> {
      const rows = await schedules.listByUser(userId);
      const views = await Promise.all(
        rows.map((row) =>
          view(row).catch((error: unknown) => {
            // Gone from Temporal: dropped from the list as from the table.
            if (error instanceof AppError && error.status === 404) return undefined;
            throw error;
          }),
        ),
      );
      return views.filter((item) => item !== undefined);
    },

    get: async (id: string, userId: string) => view(await ownRow(id, userId)),

    async pause(id: string, userId: string): Promise<ScheduleView> {
      const row = await ownRow(id, userId);
      await inTemporal(row, (handle) => handle.pause('paused by its owner'));
      return view(row);
    },

    async resume(id: string, userId: string): Promise<ScheduleView> {
      const row = await ownRow(id, userId);
      await inTemporal(row, (handle) => handle.unpause('resumed by its owner'));
      return view(row);
    },

    /** A run now, paused or not; skipped like any firing while the previous run is still going. */
    async trigger(id: string, userId: string): Promise<void> {
      const row = await ownRow(id, userId);
      await inTemporal(row, (handle) => handle.trigger());
    },

    /** Gone from Temporal first, so no run fires for a row that no longer exists; a run going on finishes. */
    async delete(id: string, userId: string): Promise<void> {
      await remove(await ownRow(id, userId));
    },

    /** The schedules posting to a thread about to be deleted (Longhaul's id of it). */
    async deleteForThread(threadId: string, userId: string): Promise<void> {
      for (const row of await schedules.listByThread(threadId, userId)) await remove(row);
    },
  };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;

const specField = (schedule: NewSchedule) => (schedule.cron !== undefined ? 'cron' : 'intervalSeconds');

function shortestGapSeconds(times: readonly Date[]): number | undefined {
  const gaps = times.slice(1).map((time, i) => (time.getTime() - times[i]!.getTime()) / 1000);
  return gaps.length > 0 ? Math.min(...gaps) : undefined;
}

function toScheduleView(row: ScheduleRow, description: ScheduleDescription): ScheduleView {
  const timing = timingMemoSchema.parse(description.memo ?? {});
  const { info } = description;
  return {
    id: row.id,
    agent: row.agent,
    message: row.message,
    threadId: row.clientThreadId,
    cron: timing.cron ?? null,
    intervalSeconds: timing.intervalSeconds ?? null,
    timezone: description.spec.timezone || 'UTC',
    paused: description.state.paused,
    nextRunTimes: info.nextActionTimes.map((time) => time.toISOString()),
    runningRuns: info.runningActions.map((action) => action.workflow.workflowId),
    recentRuns: info.recentActions.map((action) => ({
      scheduledAt: action.scheduledAt.toISOString(),
      startedAt: action.takenAt.toISOString(),
      workflowId: action.action.workflow.workflowId,
    })),
    runsTaken: info.numActionsTaken,
    runsSkippedOverlap: info.numActionsSkippedOverlap,
    createdAt: row.createdAt.toISOString(),
  };
}

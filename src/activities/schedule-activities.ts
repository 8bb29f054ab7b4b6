/** A schedule's run: opening its turn is the lifecycle's (`openScheduledTurn`); this adapter names the run. */
import { Context } from '@temporalio/activity';
import { openScheduledTurn, type OpenedScheduledTurn } from '../completions/open-scheduled-turn.js';
import type { ScheduledRunInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';

export function createScheduleActivities({ pool, policy, settings }: ActivityDeps) {
  return {
    async openScheduledTurn(input: ScheduledRunInput & { runKey: string }): Promise<OpenedScheduledTurn> {
      return openScheduledTurn(
        {
          pool,
          policy,
          defaultDoubleTextPolicy: settings.defaultDoubleTextPolicy,
          maxActiveCompletions: settings.maxActiveCompletions,
        },
        {
          scheduleId: input.scheduleId,
          userId: input.userId,
          runKey: input.runKey,
          runWorkflowId: Context.current().info.workflowExecution?.workflowId ?? null,
        },
      );
    },
  };
}

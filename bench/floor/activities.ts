/** The floor workflow's one activity: stands in for the model call, for as long as an answer streams. */
import { Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FloorActivities {
  answer(answerMs: number): Promise<void>;
}

/** `started` learns when each run's activity began (by workflow id): the start-to-first-token floor. */
export function createFloorActivities(started: (workflowId: string, at: number) => void): FloorActivities {
  return {
    async answer(answerMs) {
      started(Context.current().info.workflowExecution?.workflowId ?? '', performance.now());
      await sleep(answerMs);
    },
  };
}

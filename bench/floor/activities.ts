/** The floor workflow's activities: they stand in for the model call, for as long as an answer streams. */
import { Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Relay } from './relay.js';

export interface FloorActivities {
  answer(answerMs: number): Promise<void>;
  /** The answer's chunks through the relay (floor/relay.ts), then the answer stored. */
  relayAnswer(channel: string, answerMs: number, chunks: number): Promise<void>;
}

/** `started` learns when each run's activity began (by workflow id): the start-to-first-token floor. */
export function createFloorActivities(
  started: (workflowId: string, at: number) => void,
  relay: Relay | undefined,
): FloorActivities {
  const markStarted = () => started(Context.current().info.workflowExecution?.workflowId ?? '', performance.now());
  return {
    async answer(answerMs) {
      markStarted();
      await sleep(answerMs);
    },
    async relayAnswer(channel, answerMs, chunks) {
      markStarted();
      if (!relay) throw new Error('this floor process was started without the relay');
      await relay.answer(channel, answerMs, chunks);
    },
  };
}

/** The floor workflow's activities: they stand in for the model call, for as long as an answer streams. */
import { Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Relay } from './relay.js';

/** As often as Longhaul's model call heartbeats (src/activities/model-call-guard.ts), against the same timeout. */
export const FLOOR_HEARTBEAT_EVERY_MS = 2_000;

export interface FloorActivities {
  answer(answerMs: number): Promise<void>;
  /** The answer's chunks through the relay (floor/relay.ts), then the answer stored. */
  relayAnswer(channel: string, answerMs: number, chunks: number): Promise<void>;
  /**
   * The same, resumable (each chunk also in a capped log) and heartbeating: the liveness a worker that dies
   * mid-answer is detected by, so the answer moves to another worker within seconds.
   */
  resumableAnswer(channel: string, answerMs: number, chunks: number): Promise<void>;
}

/** `started` learns when each run's activity began (by workflow id): the start-to-first-token floor. */
export function createFloorActivities(
  started: (workflowId: string, at: number) => void,
  relay: Relay | undefined,
): FloorActivities {
  const markStarted = () => started(Context.current().info.workflowExecution?.workflowId ?? '', performance.now());
  const relayOrThrow = () => {
    if (!relay) throw new Error('this floor process was started without the relay');
    return relay;
  };
  return {
    async answer(answerMs) {
      markStarted();
      await sleep(answerMs);
    },
    async relayAnswer(channel, answerMs, chunks) {
      markStarted();
      await relayOrThrow().answer(channel, answerMs, chunks);
    },
    async resumableAnswer(channel, answerMs, chunks) {
      markStarted();
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), FLOOR_HEARTBEAT_EVERY_MS);
      try {
        await relayOrThrow().answer(channel, answerMs, chunks, true);
      } finally {
        clearInterval(beat);
      }
    },
  };
}

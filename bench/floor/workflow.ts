/** The least a durable turn can be on Temporal: a workflow that runs one activity (the model call) and ends. */
import { proxyActivities } from '@temporalio/workflow';
import type { FloorActivities } from './activities.js';

const { answer, relayAnswer } = proxyActivities<FloorActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
});

export async function floorTurn(answerMs: number): Promise<void> {
  await answer(answerMs);
}

/** The same turn whose activity relays the answer's chunks through Redis and stores it (floor/relay.ts). */
export async function floorRelayTurn(channel: string, answerMs: number, chunks: number): Promise<void> {
  await relayAnswer(channel, answerMs, chunks);
}

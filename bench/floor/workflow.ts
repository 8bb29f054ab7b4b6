/** The least a durable turn can be on Temporal: a workflow that runs one activity (the model call) and ends. */
import { proxyActivities } from '@temporalio/workflow';
import type { FloorActivities } from './activities.js';

const { answer, relayAnswer } = proxyActivities<FloorActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
});

/** Longhaul's model call's heartbeat timeout (src/workflows/completion-workflow.ts). */
const { resumableAnswer } = proxyActivities<FloorActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '5 seconds',
  retry: { maximumAttempts: 1 },
});

export async function floorTurn(answerMs: number): Promise<void> {
  await answer(answerMs);
}

/** The same turn whose activity relays the answer's chunks through Redis and stores it (floor/relay.ts). */
export async function floorRelayTurn(channel: string, answerMs: number, chunks: number): Promise<void> {
  await relayAnswer(channel, answerMs, chunks);
}

/** Relayed, resumable and heartbeating (floor/activities.ts). */
export async function floorResumableTurn(channel: string, answerMs: number, chunks: number): Promise<void> {
  await resumableAnswer(channel, answerMs, chunks);
}

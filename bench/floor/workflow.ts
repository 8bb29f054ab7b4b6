/** The least a durable turn can be on Temporal: a workflow that runs one activity (the model call) and ends. */
import { proxyActivities } from '@temporalio/workflow';
import type { FloorActivities } from './activities.js';

const { answer } = proxyActivities<FloorActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

export async function floorTurn(answerMs: number): Promise<void> {
  await answer(answerMs);
}

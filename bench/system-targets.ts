/**
 * The load generator's view of each system, built in the bench process from what its child process announced:
 * streams and cancels go over HTTP, and a stream the bench no longer needs is ended from here too.
 */
import type { Client } from '@temporalio/client';
import { completionWorkflowId } from '../src/workflows/definitions.js';
import type { ReadyMessage } from './system-protocol.js';
import type { Target } from './target.js';

async function postCancel(announced: ReadyMessage['target'], completionId: string): Promise<number> {
  const res = await fetch(`${announced.url}/v1/completions/${completionId}/cancel`, {
    method: 'POST',
    headers: announced.headers,
  });
  await res.arrayBuffer();
  return res.status;
}

export function baselineTarget(announced: ReadyMessage['target']): Target {
  return {
    ...announced,
    cancel: (completionId) => postCancel(announced, completionId),
    // The cancel route aborts the in-flight SDK call, which is all ending a baseline stream takes; a stream that
    // already ended answers 404, and a discard has nothing to report either way.
    async discard(completionId) {
      await postCancel(announced, completionId).catch(() => 0);
    },
  };
}

/** `temporal` is the bench's own client: terminating a workflow is not the system's work. */
export function longhaulTarget(announced: ReadyMessage['target'], temporal: Client): Target {
  return {
    ...announced,
    cancel: (completionId) => postCancel(announced, completionId),
    async discard(completionId) {
      await temporal.workflow
        .getHandle(completionWorkflowId(completionId))
        .terminate('benchmark stream no longer needed')
        .catch(() => {});
    },
  };
}

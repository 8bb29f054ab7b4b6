import { createCompletionsRepo } from '../db/completions-repo.js';
import type { CompletionInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';
import { threadStatusChunk } from './thread-status-chunk.js';

/** Marks the completion started and opens the UI message; safe to repeat (the client ignores a second start). */
export function createBeginCompletion({ pool, publisher }: ActivityDeps) {
  const completions = createCompletionsRepo(pool);
  return async function beginCompletion(input: CompletionInput): Promise<void> {
    await completions.markStarted(input.completionId);
    await publisher.publish(input.completionId, { type: 'start', messageId: input.assistantMessageId });
    await publisher.publish(input.completionId, threadStatusChunk(input, 'running'), input.userId);
  };
}

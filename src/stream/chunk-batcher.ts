/**
 * A model call's chunks on their way to Redis. A chunk leaves at once when nothing is in flight, so an idle
 * stream's chunks each go as they come and batching adds no latency; the chunks that arrive while a publish is in
 * flight (a busy machine, a burst from the provider) go together in the next one: one round trip and one script
 * run per batch instead of per chunk, in the same order, through the same script.
 */
import type { ChunkPublisher } from './chunk-publisher.js';
import type { UIMessageChunk } from './ui-chunks.js';

export interface ChunkBatcher {
  /** Queues the chunk; waits only while a full batch is queued. Throws once a publish has failed. */
  publish(chunk: UIMessageChunk): Promise<void>;
  /** Resolves once every queued chunk is published; throws the failure of a publish that failed. */
  flushed(): Promise<void>;
}

/** Most chunks per script run: a batch holds Redis for one run, so it stays short next to other clients' commands. */
const MAX_BATCH = 64;

export function createChunkBatcher(publisher: Pick<ChunkPublisher, 'publishMany'>, completionId: string): ChunkBatcher {
  const queue: UIMessageChunk[] = [];
  let draining: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await publisher.publishMany(completionId, batch);
      } catch (error) {
        // Later chunks would leave a gap in the log: none is sent after a failed one.
        failure ??= { error };
        queue.length = 0;
      }
    }
    // In the same synchronous step as the last check of the queue: a chunk queued after it starts a new drain.
    draining = undefined;
  }

  function throwIfFailed(): void {
    if (failure) throw failure.error;
  }

  return {
    async publish(chunk) {
      throwIfFailed();
      queue.push(chunk);
      draining ??= drain();
      if (queue.length >= MAX_BATCH) await draining;
      throwIfFailed();
    },
    async flushed() {
      await draining;
      throwIfFailed();
    },
  };
}

/**
 * Viewers read threads under the ids their clients chose. Behind the API everything (rows, workflow inputs, the
 * turn lifecycle) names a thread by Longhaul's own id, and the announcements that carry one are built from it; this
 * publisher puts the client's id in their `data.threadId` on the way to Redis, in one place for every announcement.
 */
import type { Queryable } from '../db/pool.js';
import { createThreadsRepo } from '../db/threads-repo.js';
import type { ChunkPublisher } from './chunk-publisher.js';
import type { UIMessageChunk } from './ui-chunks.js';

/** The chunks whose `data.threadId` names a thread (a `data-object`'s data is the model's, and is left alone). */
const NAMING_THREADS = new Set<UIMessageChunk['type']>([
  'data-thread_status',
  'data-approval_status',
  'data-tool_result',
  'data-subagent',
]);

/** Threads whose client id is remembered: a turn announces its status several times, each a query without it. */
const REMEMBERED_THREADS = 10_000;

export function withClientThreadIds(publisher: ChunkPublisher, db: Queryable): ChunkPublisher {
  const threads = createThreadsRepo(db);
  // A thread's client id never changes and Longhaul's thread ids are never used again, so nothing goes stale.
  const clientIds = new Map<string, string>();
  async function clientIdOf(threadId: string): Promise<string | undefined> {
    const known = clientIds.get(threadId);
    if (known !== undefined) return known;
    const clientId = await threads.clientIdOf(threadId);
    if (clientId === undefined) return undefined;
    if (clientIds.size >= REMEMBERED_THREADS) clientIds.delete(clientIds.keys().next().value!);
    clientIds.set(threadId, clientId);
    return clientId;
  }
  async function toClient(chunk: UIMessageChunk & { data: { threadId?: unknown } }): Promise<UIMessageChunk> {
    if (typeof chunk.data.threadId !== 'string') return chunk;
    // A thread deleted meanwhile has no client id left, nor a viewer who could read the chunk under one.
    const clientId = await clientIdOf(chunk.data.threadId);
    return clientId === undefined
      ? chunk
      : ({ ...chunk, data: { ...chunk.data, threadId: clientId } } as UIMessageChunk);
  }
  // Other chunks go straight through, synchronously: callers that send two at once rely on their order.
  const namesThread = (chunk: UIMessageChunk): chunk is UIMessageChunk & { data: { threadId?: unknown } } =>
    NAMING_THREADS.has(chunk.type);
  return {
    ...publisher,
    publish: (completionId, chunk, alsoToUser) =>
      namesThread(chunk)
        ? toClient(chunk).then((shown) => publisher.publish(completionId, shown, alsoToUser))
        : publisher.publish(completionId, chunk, alsoToUser),
    publishMany: (completionId, chunks) =>
      chunks.some(namesThread)
        ? Promise.all(chunks.map((chunk) => (namesThread(chunk) ? toClient(chunk) : chunk))).then((shown) =>
            publisher.publishMany(completionId, shown),
          )
        : publisher.publishMany(completionId, chunks),
    publishToUser: (userId, chunk) =>
      namesThread(chunk)
        ? toClient(chunk).then((shown) => publisher.publishToUser(userId, shown))
        : publisher.publishToUser(userId, chunk),
  };
}

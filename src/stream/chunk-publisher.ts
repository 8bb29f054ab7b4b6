/**
 * Publishes UI chunks for a completion: one atomic Redis script per chunk assigns the next `seq`, appends to a
 * capped, expiring Redis Stream (replay for late and reconnecting clients) and PUBLISHes to live viewers.
 * Being one script keeps the log and the live channel in the same order even with several publishers.
 */
import type { Redis, Result } from 'ioredis';
import { streamKeys } from './stream-keys.js';
import type { UIMessageChunk } from './ui-chunks.js';

const PUBLISH_SCRIPT = `
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '0-' .. seq, 't', ARGV[3], 'c', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
local message = seq .. ' ' .. ARGV[3] .. ' ' .. ARGV[4]
redis.call('PUBLISH', KEYS[3], message)
if KEYS[4] then redis.call('PUBLISH', KEYS[4], message) end
return seq
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    longhaulPublish(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
  }
}

export interface ChunkPublisher {
  /** Returns the chunk's seq. `alsoToUser` fans status chunks out to the user's channel (sidebars, badges). */
  publish(completionId: string, chunk: UIMessageChunk, alsoToUser?: string): Promise<number>;
}

export function createChunkPublisher(
  redis: Redis,
  options: { maxLen: number; ttlSeconds: number },
): ChunkPublisher {
  // EVALSHA with a fallback to EVAL: the script body is not resent with every token.
  redis.defineCommand('longhaulPublish', { lua: PUBLISH_SCRIPT });
  return {
    async publish(completionId, chunk, alsoToUser) {
      const keys = [streamKeys.seq(completionId), streamKeys.log(completionId), streamKeys.channel(completionId)];
      if (alsoToUser) keys.push(streamKeys.userChannel(alsoToUser));
      const seq = await redis.longhaulPublish(
        keys.length,
        ...keys,
        options.maxLen,
        options.ttlSeconds,
        chunk.type,
        JSON.stringify(chunk),
      );
      return Number(seq);
    },
  };
}

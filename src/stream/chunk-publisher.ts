/**
 * Publishes UI chunks for a completion: one atomic Redis script per chunk assigns the next `seq`, appends to a
 * capped, expiring Redis Stream (replay for late and reconnecting clients) and PUBLISHes to live viewers.
 * Being one script keeps the log and the live channel in the same order even with several publishers. It also
 * remembers where the latest segment (`start` chunk) began: a resume replays from there.
 * The user's channel (`GET /v1/events`) is published the same way, into its own log, by the same Lua function.
 */
import type { Redis, Result } from 'ioredis';
import { streamKeys } from './stream-keys.js';
import type { UIMessageChunk } from './ui-chunks.js';

/** Next seq, log entry `0-<seq>` (trimmed to about maxLen, expiring ttl after the latest one), live message. */
const APPEND_AND_PUBLISH = `
local function appendAndPublish(seqKey, logKey, channel, maxLen, ttl, chunkType, json)
  local seq = redis.call('INCR', seqKey)
  redis.call('XADD', logKey, 'MAXLEN', '~', maxLen, '0-' .. seq, 't', chunkType, 'c', json)
  redis.call('EXPIRE', logKey, ttl)
  redis.call('PUBLISH', channel, seq .. ' ' .. chunkType .. ' ' .. json)
  return seq
end
`;

const PUBLISH_SCRIPT = `${APPEND_AND_PUBLISH}
-- After 'abort' or 'error' the message is over until a new segment opens: a Stop's early 'abort' (sent by the
-- model call) is not followed by the workflow's own status and 'abort' a moment later.
if ARGV[3] == 'start' then redis.call('DEL', KEYS[6])
elseif redis.call('EXISTS', KEYS[6]) == 1 then return 0 end
if ARGV[3] == 'abort' or ARGV[3] == 'error' then redis.call('SET', KEYS[6], '1', 'EX', ARGV[2]) end
local seq = appendAndPublish(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if ARGV[3] == 'start' then redis.call('SET', KEYS[4], seq, 'EX', ARGV[2]) end
-- Every log begins with 'start': a first chunk of another type means Redis lost the earlier ones (a restart).
if seq == 1 and ARGV[3] ~= 'start' then redis.call('SET', KEYS[5], '1', 'EX', ARGV[2]) end
return seq
`;

// The user's seq key gets no EXPIRE (unlike a completion's): see streamKeys.userSeq.
const PUBLISH_TO_USER_SCRIPT = `${APPEND_AND_PUBLISH}
return appendAndPublish(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    longhaulPublish(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
    longhaulPublishToUser(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
  }
}

export interface ChunkPublisher {
  /**
   * Returns the chunk's seq, or 0 when the message already ended (`abort` or `error`) and the chunk was dropped.
   * `alsoToUser` fans status chunks out to the user's channel (sidebars, badges) either way.
   */
  publish(completionId: string, chunk: UIMessageChunk, alsoToUser?: string): Promise<number>;
  /**
   * Event on the user's channel (approval inbox, background results): the next per-user seq, appended to the
   * user's capped, expiring log (so `GET /v1/events` can resume after Last-Event-ID) and published live.
   */
  publishToUser(userId: string, chunk: UIMessageChunk): Promise<number>;
  /** Remembers where a step's first attempt began in the log (the first call wins). */
  markStepStart(completionId: string, step: number, seq: number): Promise<void>;
  /**
   * Drops a step's chunks from the replay log before a retried attempt streams it again, so a resume or reload
   * never shows the failed attempt's partial text. Live viewers already have it; they get `data-step-reset`.
   */
  dropStepChunks(completionId: string, step: number): Promise<number>;
}

export function createChunkPublisher(redis: Redis, options: { maxLen: number; ttlSeconds: number }): ChunkPublisher {
  // EVALSHA with a fallback to EVAL: the script body is not resent with every token.
  redis.defineCommand('longhaulPublish', { lua: PUBLISH_SCRIPT });
  redis.defineCommand('longhaulPublishToUser', { lua: PUBLISH_TO_USER_SCRIPT });
  /** Both scripts take their keys, then the log's cap and TTL, the chunk's type and its JSON. */
  async function runPublishScript(
    script: 'longhaulPublish' | 'longhaulPublishToUser',
    keys: string[],
    chunk: UIMessageChunk,
  ): Promise<number> {
    const seq = await redis[script](
      keys.length,
      ...keys,
      options.maxLen,
      options.ttlSeconds,
      chunk.type,
      JSON.stringify(chunk),
    );
    return Number(seq);
  }

  function publishToUser(userId: string, chunk: UIMessageChunk): Promise<number> {
    const keys = [streamKeys.userSeq(userId), streamKeys.userLog(userId), streamKeys.userChannel(userId)];
    return runPublishScript('longhaulPublishToUser', keys, chunk);
  }

  return {
    publishToUser,
    async markStepStart(completionId, step, seq) {
      await redis.set(streamKeys.stepStart(completionId, step), seq, 'EX', options.ttlSeconds, 'NX');
    },
    async dropStepChunks(completionId, step) {
      const from = await redis.get(streamKeys.stepStart(completionId, step));
      if (from === null) return 0;
      const entries = await redis.xrange(streamKeys.log(completionId), `0-${from}`, '+');
      if (entries.length === 0) return 0;
      return redis.xdel(streamKeys.log(completionId), ...entries.map(([id]) => id));
    },
    async publish(completionId, chunk, alsoToUser) {
      const keys = [
        streamKeys.seq(completionId),
        streamKeys.log(completionId),
        streamKeys.channel(completionId),
        streamKeys.segmentStart(completionId),
        streamKeys.logLost(completionId),
        streamKeys.ended(completionId),
      ];
      const seq = await runPublishScript('longhaulPublish', keys, chunk);
      if (alsoToUser) await publishToUser(alsoToUser, chunk);
      return seq;
    },
  };
}

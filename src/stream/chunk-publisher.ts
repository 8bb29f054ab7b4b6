/**
 * Publishes UI chunks for a completion: one atomic Redis script per chunk assigns the next `seq`, appends to a
 * capped, expiring Redis Stream (replay for late and reconnecting clients) and PUBLISHes to live viewers.
 * Being one script keeps the log and the live channel in the same order even with several publishers. It also
 * remembers where the latest segment (`start` chunk) began: a resume replays from there.
 * The user's channel (`GET /v1/events`) is published the same way, into its own log, by the same Lua function.
 *
 * Lifetimes: while a completion runs, every key of it lives at least the stream TTL past its latest event (longer
 * while it waits for approvals, see `holdLog`); once it has finished, `expireLog` gives them all the short replay
 * window, after which replays are rebuilt from Postgres (which holds the same message).
 */
import type { Redis, Result } from 'ioredis';
import { completionKeys, streamKeys } from './stream-keys.js';
import type { UIMessageChunk } from './ui-chunks.js';

/** Extends a key's expiry to `ttl` seconds from now unless it already lives longer (a held log stays held). */
const KEEP_ALIVE = `
local function keepAlive(key, ttl)
  if redis.call('TTL', key) < tonumber(ttl) then redis.call('EXPIRE', key, ttl) end
end
`;

/** Next seq, log entry `0-<seq>` (trimmed to about maxLen, expiring ttl after the latest one), live message. */
const APPEND_AND_PUBLISH = `${KEEP_ALIVE}
local function appendAndPublish(seqKey, logKey, channel, maxLen, ttl, chunkType, json)
  local seq = redis.call('INCR', seqKey)
  redis.call('XADD', logKey, 'MAXLEN', '~', maxLen, '0-' .. seq, 't', chunkType, 'c', json)
  keepAlive(logKey, ttl)
  redis.call('PUBLISH', channel, seq .. ' ' .. chunkType .. ' ' .. json)
  return seq
end
`;

/** KEYS: completionKeys() (seq, log, segment, lost, ended, steps), then the live channel. */
const PUBLISH_SCRIPT = `${APPEND_AND_PUBLISH}
-- After 'abort' or 'error' the message is over until a new segment opens: a Stop's early 'abort' (sent by the
-- model call) is not followed by the workflow's own status and 'abort' a moment later.
if ARGV[3] == 'start' then redis.call('DEL', KEYS[5])
elseif redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
if ARGV[3] == 'abort' or ARGV[3] == 'error' then redis.call('SET', KEYS[5], '1', 'KEEPTTL') end
local seq = appendAndPublish(KEYS[1], KEYS[2], KEYS[7], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
if ARGV[3] == 'start' then redis.call('SET', KEYS[3], seq, 'KEEPTTL') end
-- Every log begins with 'start': a first chunk of another type means Redis lost the earlier ones (a restart).
if seq == 1 and ARGV[3] ~= 'start' then redis.call('SET', KEYS[4], '1', 'KEEPTTL') end
-- The completion's other keys live as long as its log: a long segment keeps where it began.
for i = 1, 6 do keepAlive(KEYS[i], ARGV[2]) end
return seq
`;

// The user's seq key gets no expiry (unlike a completion's): see streamKeys.userSeq.
const PUBLISH_TO_USER_SCRIPT = `${APPEND_AND_PUBLISH}
return appendAndPublish(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
`;

/** KEYS[1]: the step starts hash; ARGV: step, seq, ttl. The first attempt's start stands. */
const MARK_STEP_SCRIPT = `${KEEP_ALIVE}
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
keepAlive(KEYS[1], ARGV[3])
`;

/** KEYS: completionKeys(); ARGV[1]: seconds every one of them lives at least. */
const HOLD_SCRIPT = `${KEEP_ALIVE}
for _, key in ipairs(KEYS) do keepAlive(key, ARGV[1]) end
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    longhaulPublish(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
    longhaulPublishToUser(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
    longhaulMarkStep(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
    longhaulHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
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
  /**
   * Keeps every key of the completion for at least `seconds` plus the stream TTL: a turn waiting for approvals
   * publishes nothing until a decision or the expiry, which may be days away, and a viewer may resume it meanwhile.
   */
  holdLog(completionId: string, seconds: number): Promise<void>;
  /**
   * The completion has finished: every key of it expires after the replay window (one round trip). Replays after
   * that are rebuilt from Postgres, so Redis holds nothing per finished completion beyond a reconnect's window.
   */
  expireLog(completionId: string): Promise<void>;
}

export interface ChunkPublisherOptions {
  /** Approximate cap of each log, in entries. */
  maxLen: number;
  /** How long a log lives past its latest event while its completion runs (and a user's log, always). */
  ttlSeconds: number;
  /** How long a finished completion's keys live: the window for a viewer reconnecting after a network blip. */
  replayWindowSeconds: number;
}

export function createChunkPublisher(redis: Redis, options: ChunkPublisherOptions): ChunkPublisher {
  // EVALSHA with a fallback to EVAL: the script body is not resent with every token.
  redis.defineCommand('longhaulPublish', { lua: PUBLISH_SCRIPT });
  redis.defineCommand('longhaulPublishToUser', { lua: PUBLISH_TO_USER_SCRIPT });
  redis.defineCommand('longhaulMarkStep', { lua: MARK_STEP_SCRIPT });
  redis.defineCommand('longhaulHold', { lua: HOLD_SCRIPT });
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
      await redis.longhaulMarkStep(1, streamKeys.stepStarts(completionId), step, seq, options.ttlSeconds);
    },
    async dropStepChunks(completionId, step) {
      const from = await redis.hget(streamKeys.stepStarts(completionId), String(step));
      if (from === null) return 0;
      const entries = await redis.xrange(streamKeys.log(completionId), `0-${from}`, '+');
      if (entries.length === 0) return 0;
      return redis.xdel(streamKeys.log(completionId), ...entries.map(([id]) => id));
    },
    async publish(completionId, chunk, alsoToUser) {
      const keys = [...completionKeys(completionId), streamKeys.channel(completionId)];
      const seq = await runPublishScript('longhaulPublish', keys, chunk);
      if (alsoToUser) await publishToUser(alsoToUser, chunk);
      return seq;
    },
    async holdLog(completionId, seconds) {
      const keys = completionKeys(completionId);
      await redis.longhaulHold(keys.length, ...keys, Math.ceil(seconds) + options.ttlSeconds);
    },
    async expireLog(completionId) {
      const transaction = redis.multi();
      for (const key of completionKeys(completionId)) transaction.expire(key, options.replayWindowSeconds);
      await transaction.exec();
    },
  };
}

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

/** Next seq, log entry `0-<seq>` (trimmed to about maxLen), live message; the caller sees to the log's expiry. */
const APPEND_AND_PUBLISH = `
local function appendAndPublish(seqKey, logKey, channel, maxLen, chunkType, json)
  local seq = redis.call('INCR', seqKey)
  redis.call('XADD', logKey, 'MAXLEN', '~', maxLen, '0-' .. seq, 't', chunkType, 'c', json)
  redis.call('PUBLISH', channel, seq .. ' ' .. chunkType .. ' ' .. json)
  return seq
end
`;

/**
 * Publishes for one or more completions. KEYS: for each, completionKeys() (seq, log, segment, lost, ended, steps)
 * then its live channel. ARGV: the log's cap, the TTL, the refresh slack, then for each completion the number of
 * its chunks followed by each chunk's type and JSON. Returns every chunk's seq (0: dropped), in order.
 *
 * Expiry costs one TTL per completion and run, not one per key and chunk: all of a completion's keys are refreshed
 * together, to TTL + slack, once its log has less than the TTL left, so each lives between TTL and TTL + slack past
 * the latest chunk. A key this run creates in between takes the log's remaining life at once.
 */
const PUBLISH_SCRIPT = `${KEEP_ALIVE}${APPEND_AND_PUBLISH}
local ttl = tonumber(ARGV[2])
local seqs = {}
local arg = 4
for base = 0, #KEYS - 1, 7 do
  local function key(index) return KEYS[base + index] end
  local created = {}
  local function set(index, value)
    if redis.call('SET', key(index), value, 'KEEPTTL', 'GET') == false then created[#created + 1] = key(index) end
  end
  -- After 'abort' or 'error' the message is over until a new segment opens: a Stop's early 'abort' (sent by the
  -- model call) is not followed by the workflow's own status and 'abort' a moment later.
  local ended = redis.call('EXISTS', key(5)) == 1
  local count = tonumber(ARGV[arg])
  arg = arg + 1
  for _ = 1, count do
    local chunkType, json = ARGV[arg], ARGV[arg + 1]
    arg = arg + 2
    local seq = 0
    if chunkType == 'start' and ended then
      redis.call('DEL', key(5))
      ended = false
    end
    if not ended then
      if chunkType == 'abort' or chunkType == 'error' then
        set(5, '1')
        ended = true
      end
      seq = appendAndPublish(key(1), key(2), key(7), ARGV[1], chunkType, json)
      if chunkType == 'start' then set(3, seq) end
      -- Every log begins with 'start': a first chunk of another type means Redis lost the earlier ones (a restart).
      if seq == 1 and chunkType ~= 'start' then set(4, '1') end
    end
    seqs[#seqs + 1] = seq
  end
  local left = redis.call('TTL', key(2))
  if left < ttl then
    for i = 1, 6 do keepAlive(key(i), ttl + tonumber(ARGV[3])) end
  else
    for _, created_key in ipairs(created) do redis.call('EXPIRE', created_key, left) end
  end
end
return seqs
`;

// The user's seq key gets no expiry (unlike a completion's): see streamKeys.userSeq.
const PUBLISH_TO_USER_SCRIPT = `${KEEP_ALIVE}${APPEND_AND_PUBLISH}
local seq = appendAndPublish(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[3], ARGV[4])
keepAlive(KEYS[2], ARGV[2])
return seq
`;

/** KEYS: the step starts hash, the log; ARGV: step, seq, ttl. The first attempt's start stands; it lives as the log. */
const MARK_STEP_SCRIPT = `${KEEP_ALIVE}
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
keepAlive(KEYS[1], math.max(tonumber(ARGV[3]), redis.call('TTL', KEYS[2])))
`;

/** KEYS: completionKeys(); ARGV[1]: seconds every one of them lives at least. */
const HOLD_SCRIPT = `${KEEP_ALIVE}
for _, key in ipairs(KEYS) do keepAlive(key, ARGV[1]) end
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    longhaulPublish(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
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
  /** Publishes chunks in order in one round trip (one script run); returns each one's seq, as `publish` does. */
  publishMany(completionId: string, chunks: readonly UIMessageChunk[]): Promise<number[]>;
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

/** One caller's chunks for one completion, waiting for a script run. */
interface Publish {
  completionId: string;
  chunks: readonly UIMessageChunk[];
  resolve: (seqs: number[]) => void;
  reject: (error: unknown) => void;
}

/** Most chunks in one script run: a run holds Redis while it runs, so it stays short next to other clients'. */
const MAX_CHUNKS_PER_RUN = 256;

/** Takes the next run's publishes off the queue, in order: at least one, then as many as fit. */
function takeRun(waiting: Publish[]): Publish[] {
  let chunks = waiting[0]!.chunks.length;
  let count = 1;
  while (count < waiting.length && chunks + waiting[count]!.chunks.length <= MAX_CHUNKS_PER_RUN) {
    chunks += waiting[count]!.chunks.length;
    count += 1;
  }
  return waiting.splice(0, count);
}

export function createChunkPublisher(redis: Redis, options: ChunkPublisherOptions): ChunkPublisher {
  // EVALSHA with a fallback to EVAL: the script body is not resent with every token.
  redis.defineCommand('longhaulPublish', { lua: PUBLISH_SCRIPT });
  redis.defineCommand('longhaulPublishToUser', { lua: PUBLISH_TO_USER_SCRIPT });
  redis.defineCommand('longhaulMarkStep', { lua: MARK_STEP_SCRIPT });
  redis.defineCommand('longhaulHold', { lua: HOLD_SCRIPT });
  // Keys are refreshed when less than the TTL is left: the slack is how rarely that happens while chunks flow.
  const refreshSlackSeconds = Math.max(1, Math.floor(options.ttlSeconds / 60));

  /**
   * Group commit: a publish leaves at the end of the event-loop turn that made it (setImmediate: after the turn's
   * I/O callbacks, before the next wait for I/O), when no script run is in flight; the publishes made meanwhile
   * (any completion's) wait for it and then go together in the next run. Every model stream whose bytes arrived
   * in the same turn shares one round trip and one script run, which costs a chunk no measurable wait (the turn
   * is already running); an idle worker's chunks each go on their own.
   */
  const waiting: Publish[] = [];
  let running = false;

  async function runScripts(): Promise<void> {
    while (waiting.length > 0) {
      const group = takeRun(waiting);
      const keys = group.flatMap(({ completionId }) => [
        ...completionKeys(completionId),
        streamKeys.channel(completionId),
      ]);
      const args = group.flatMap(({ chunks }) => [
        chunks.length,
        ...chunks.flatMap((chunk) => [chunk.type, JSON.stringify(chunk)]),
      ]);
      try {
        const seqs = (
          await redis.longhaulPublish(
            keys.length,
            ...keys,
            options.maxLen,
            options.ttlSeconds,
            refreshSlackSeconds,
            ...args,
          )
        ).map(Number);
        let from = 0;
        for (const publish of group) {
          publish.resolve(seqs.slice(from, from + publish.chunks.length));
          from += publish.chunks.length;
        }
      } catch (error) {
        for (const publish of group) publish.reject(error);
      }
    }
    running = false;
  }

  function publishMany(completionId: string, chunks: readonly UIMessageChunk[]): Promise<number[]> {
    if (chunks.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      waiting.push({ completionId, chunks, resolve, reject });
      if (!running) {
        running = true;
        setImmediate(() => void runScripts());
      }
    });
  }

  async function publishToUser(userId: string, chunk: UIMessageChunk): Promise<number> {
    const keys = [streamKeys.userSeq(userId), streamKeys.userLog(userId), streamKeys.userChannel(userId)];
    const args = [options.maxLen, options.ttlSeconds, chunk.type, JSON.stringify(chunk)];
    return Number(await redis.longhaulPublishToUser(keys.length, ...keys, ...args));
  }

  return {
    publishToUser,
    publishMany,
    async markStepStart(completionId, step, seq) {
      const keys = [streamKeys.stepStarts(completionId), streamKeys.log(completionId)];
      await redis.longhaulMarkStep(keys.length, ...keys, step, seq, options.ttlSeconds);
    },
    async dropStepChunks(completionId, step) {
      const from = await redis.hget(streamKeys.stepStarts(completionId), String(step));
      if (from === null) return 0;
      const entries = await redis.xrange(streamKeys.log(completionId), `0-${from}`, '+');
      if (entries.length === 0) return 0;
      return redis.xdel(streamKeys.log(completionId), ...entries.map(([id]) => id));
    },
    async publish(completionId, chunk, alsoToUser) {
      const [seq = 0] = await publishMany(completionId, [chunk]);
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

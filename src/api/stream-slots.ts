/**
 * Open SSE streams per user, counted across replicas: each open stream holds a lease in a Redis sorted set per
 * user (member: the stream's id, score: when its lease lapses). An open stream renews its lease on every keep-alive
 * tick and gives it back when it closes; a replica that dies without giving its leases back holds them only until
 * they lapse (three ticks), so a crash never locks a user out for good. Lapsed leases are dropped on the next open.
 * Times are Redis's own clock, so replicas whose clocks disagree still agree on which leases have lapsed.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { LimitExceeded } from './limit-exceeded.js';

const NOW_MS = `local t = redis.call('time') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS[1] the user's set; ARGV: stream id, lease ms, limit. Returns -1 when taken, else ms until a lease lapses. */
const ACQUIRE = `${NOW_MS}
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[3]) then
  local first = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(first[2]) - now
end
redis.call('zadd', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('pexpire', KEYS[1], ARGV[2])
return -1`;

/**
 * Renews a lease, or puts it back if it lapsed while the stream was still open (a long pause). The set lives as long
 * as its newest lease: every lease is as long as this one.
 */
const RENEW = `${NOW_MS}
redis.call('zadd', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('pexpire', KEYS[1], ARGV[2])
return 1`;

const slotsKey = (userId: string) => `longhaul:limit:streams:${userId}`;

export interface StreamLease {
  /** Stops renewing and gives the slot back. Never throws. */
  release(): Promise<void>;
}

export interface StreamSlots {
  /** Takes one of the user's stream slots, renewed until released; throws `LimitExceeded` when all are taken. */
  acquire(userId: string): Promise<StreamLease>;
}

export function createStreamSlots(
  redis: Redis,
  options: { maxPerUser: number; renewEveryMs: number; log: Logger },
): StreamSlots {
  const { maxPerUser, renewEveryMs, log } = options;
  const leaseMs = renewEveryMs * 3;
  const unheld: StreamLease = { release: async () => {} };
  return {
    async acquire(userId) {
      const key = slotsKey(userId);
      const id = randomUUID();
      let taken: number;
      try {
        taken = Number(await redis.eval(ACQUIRE, 1, key, id, leaseMs, maxPerUser));
      } catch (error) {
        // Without Redis the stream itself cannot be served either; let its route say so rather than this check.
        log.warn({ err: error, userId }, 'stream limit not checked: Redis did not answer');
        return unheld;
      }
      if (taken >= 0) {
        throw new LimitExceeded(
          'too_many_streams',
          `at most ${maxPerUser} open event streams per user; close one first`,
          maxPerUser,
          taken,
        );
      }
      const renew = setInterval(() => {
        redis
          .eval(RENEW, 1, key, id, leaseMs)
          .catch((error: unknown) => log.warn({ err: error, userId }, 'stream lease not renewed'));
      }, renewEveryMs);
      renew.unref();
      return {
        async release() {
          clearInterval(renew);
          await redis.zrem(key, id).then(
            () => undefined,
            (error: unknown) => log.warn({ err: error, userId }, 'stream lease not released: it lapses on its own'),
          );
        },
      };
    },
  };
}

/**
 * Per-minute limits kept in Redis, so every replica counts against the same window: requests per user, and failed
 * authentications per client address (`ctx.ip`, which believes X-Forwarded-For only behind LONGHAUL_TRUST_PROXY).
 * A limit of 0 installs nothing. When Redis does not answer, requests go through and a warning is logged: a Redis
 * outage should not also take down the routes that Postgres alone can serve.
 */
import type { Middleware } from 'koa';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../log.js';
import { AppError } from '../app-error.js';
import { LimitExceeded } from '../limit-exceeded.js';

const WINDOW_SECONDS = 60;

function perMinute(redis: Redis, name: string, limit: number) {
  // rejectIfRedisNotReady: while Redis reconnects, fail at once instead of queueing the request behind it.
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `longhaul:limit:${name}`,
    points: limit,
    duration: WINDOW_SECONDS,
    rejectIfRedisNotReady: true,
  });
}

/**
 * Consumes one point; resolves to the refusal when the window is spent, to undefined when the point was taken or
 * Redis could not be asked.
 */
async function take(limiter: RateLimiterRedis, key: string, log: Logger): Promise<RateLimiterRes | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection;
    log.warn({ err: rejection, limiter: limiter.keyPrefix }, 'rate limit not checked: Redis did not answer');
    return undefined;
  }
}

/** After authentication: at most `limit` requests per user per minute, whichever replica serves them. */
export function limitRequestsPerUser(redis: Redis, limit: number, log: Logger): Middleware | undefined {
  if (limit === 0) return undefined;
  const requests = perMinute(redis, 'requests', limit);
  return async function limitRequests(ctx, next) {
    const refusal = await take(requests, ctx.state.user.id, log);
    if (refusal) {
      throw new LimitExceeded(
        'rate_limited',
        `more than ${limit} requests in a minute; slow down`,
        limit,
        refusal.msBeforeNext,
      );
    }
    await next();
  };
}

/**
 * Wraps `authenticate`: an address whose credentials were refused `limit` times in a minute is refused with a 429
 * before its next credential is checked, a right one included, so guessing keys or tokens costs a minute per
 * `limit` guesses. Only requests that carry credentials count, and of those only the ones refused with a 401.
 *
 * Each attempt takes its point before the check and gives it back once it is accepted: counting only after the
 * check would let a burst of parallel guesses all pass an empty counter.
 */
export function limitAuthFailures(authenticate: Middleware, redis: Redis, limit: number, log: Logger): Middleware {
  if (limit === 0) return authenticate;
  const failures = perMinute(redis, 'auth-failures', limit);
  const giveBack = (address: string) =>
    failures.reward(address, 1).catch((error: unknown) => log.warn({ err: error }, 'auth attempt not given back'));
  return async function authenticateWithinFailureLimit(ctx, next) {
    if (!ctx.get('authorization')) return authenticate(ctx, next);
    const address = ctx.ip;
    const refusal = await take(failures, address, log);
    if (refusal) {
      throw new LimitExceeded(
        'too_many_auth_failures',
        `more than ${limit} failed authentications from this address in a minute; try again later`,
        limit,
        refusal.msBeforeNext,
      );
    }
    let accepted = false;
    try {
      await authenticate(ctx, () => {
        accepted = true;
        void giveBack(address);
        return next();
      });
    } catch (error) {
      // Only a refused credential is a failure; a 503 (signing keys unreachable) is ours, not the caller's.
      if (!accepted && !(error instanceof AppError && error.status === 401)) void giveBack(address);
      throw error;
    }
  };
}

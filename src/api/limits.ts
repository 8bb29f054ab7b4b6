/**
 * The API's share of the limits that hold across replicas (README, Security › Limits). Requests per user and
 * failed authentications per address are installed by `createApp`; the stream slots are held by each SSE route.
 * Active completions per user are counted where a turn opens (`src/completions/active-completions-cap.ts`).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { createStreamSlots, type StreamSlots } from './stream-slots.js';

export interface ApiLimits {
  /** Requests per user per minute; 0 = unlimited. */
  requestsPerMinute: number;
  /** Refused credentials per client address per minute; 0 = unlimited. */
  authFailuresPerMinute: number;
  /** Open SSE streams per user; undefined = unlimited. */
  streams?: StreamSlots;
}

export function createApiLimits(
  redis: Redis,
  settings: { requestsPerMinute: number; authFailuresPerMinute: number; streamsPerUser: number; keepAliveMs: number },
  log: Logger,
): ApiLimits {
  return {
    requestsPerMinute: settings.requestsPerMinute,
    authFailuresPerMinute: settings.authFailuresPerMinute,
    // Leases are renewed on the keep-alive beat, so a dead replica's streams lapse a few beats after it died.
    ...(settings.streamsPerUser > 0
      ? {
          streams: createStreamSlots(redis, {
            maxPerUser: settings.streamsPerUser,
            renewEveryMs: settings.keepAliveMs,
            log,
          }),
        }
      : {}),
  };
}

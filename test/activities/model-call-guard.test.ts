/**
 * How often a streaming model call heartbeats: each heartbeat is a write on the Temporal server, so it beats only
 * as often as liveness needs (the heartbeat timeout is 5 s), and every second once a Stop's hint is waiting for
 * the cancellation it announces. Timers are vitest's, so the count does not depend on how busy the machine is.
 */
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, expect, it, vi } from 'vitest';
import { createModelCallGuard } from '../../src/activities/model-call-guard.js';

afterEach(() => vi.useRealTimers());

it('heartbeats every 2 s while streaming, and at once and every second after a stop hint', async () => {
  vi.useFakeTimers();
  const env = new MockActivityEnvironment();
  let heartbeats = 0;
  env.on('heartbeat', () => (heartbeats += 1));
  let hint: (() => void) | undefined;
  const seen: number[] = [];

  await env.run(async () => {
    const guard = createModelCallGuard(Context.current(), {
      stallTimeoutMs: 60_000,
      stopConfirmTimeoutMs: 60_000,
      watchStop: (onStop) => {
        hint = onStop;
        return () => (hint = undefined);
      },
    });
    for (let second = 1; second <= 5; second++) {
      await vi.advanceTimersByTimeAsync(1_000);
      guard.touch();
      seen.push(heartbeats);
    }
    hint!();
    seen.push(heartbeats);
    for (let second = 1; second <= 2; second++) {
      await vi.advanceTimersByTimeAsync(1_000);
      seen.push(heartbeats);
    }
    guard.dispose();
  });

  // Seconds 1–5 of the answer, then the hint, then two seconds waiting for Temporal's cancellation.
  expect(seen).toEqual([0, 1, 1, 2, 2, 3, 4, 5]);
});

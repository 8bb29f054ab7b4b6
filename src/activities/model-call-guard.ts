/**
 * Keeps a streaming model call honest about liveness and quick to stop: heartbeats on a timer, a stall check that
 * aborts a provider stream that has gone quiet (a hung connection becomes a retryable failure instead of a
 * completion that never ends), and two ways a Stop cuts the stream: Temporal's cancellation, and the API's stop
 * hint that arrives before it. Per-event work is one clock read: this runs for every token.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../workflows/definitions.js';

export class StallError extends Error {
  override name = 'StallError';
}

export class StopRequested extends Error {
  override name = 'StopRequested';
}

/** How often the stall clock is checked. */
const CHECK_EVERY_MS = 1_000;
/**
 * Heartbeats only prove liveness (the heartbeat timeout is 5 s) and carry Temporal's cancellation back, and each
 * is a write on the Temporal server: one every 2 s leaves 3 s for a busy event loop, and an answer shorter than
 * that sends none. Once a stop hint arrived they go out on every check, so the cancellation the hint announces is
 * picked up within a second.
 */
const HEARTBEAT_EVERY_MS = 2_000;

export type StopWatch = (onStop: () => void) => () => void;

export function createModelCallGuard(
  context: Context,
  {
    stallTimeoutMs,
    stopConfirmTimeoutMs,
    watchStop,
  }: { stallTimeoutMs: number; stopConfirmTimeoutMs: number; watchStop: StopWatch },
) {
  const controller = new AbortController();
  const onCancel = () => controller.abort(context.cancellationSignal.reason);
  context.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  let stopHinted = false;
  const unwatchStop = watchStop(() => {
    stopHinted = true;
    controller.abort(new StopRequested('the user stopped the completion'));
    // Ask Temporal now for the cancellation this hint announces, instead of at the next timer tick.
    context.heartbeat();
  });
  let lastEvent = Date.now();
  let lastHeartbeat = Date.now();
  const check = setInterval(
    () => {
      const now = Date.now();
      // Half a check of slack: a timer that fires a little early still beats on its second tick.
      if (stopHinted || now - lastHeartbeat >= HEARTBEAT_EVERY_MS - CHECK_EVERY_MS / 2) {
        context.heartbeat();
        lastHeartbeat = now;
      }
      if (now - lastEvent >= stallTimeoutMs) {
        controller.abort(new StallError(`no data from the provider for ${stallTimeoutMs} ms`));
      }
    },
    Math.min(CHECK_EVERY_MS, stallTimeoutMs),
  );

  return {
    signal: controller.signal,
    /** Call on every provider event: resets the stall clock. */
    touch() {
      lastEvent = Date.now();
    },
    stalled(): StallError | undefined {
      return controller.signal.reason instanceof StallError ? controller.signal.reason : undefined;
    },
    /** Whether a Stop (Temporal's cancellation or the hint ahead of it) cut the stream. */
    stopped(): boolean {
      return context.cancellationSignal.aborted || controller.signal.reason instanceof StopRequested;
    },
    /**
     * Temporal's cancellation, to throw from the activity. After a hint it is on its way (the API sends the
     * cancel request right after the hint); heartbeats keep going until it arrives. Should Temporal never
     * confirm (the request failed), the call fails rather than holding its worker slot forever.
     */
    async cancellation(): Promise<unknown> {
      const cancelled = context.cancellationSignal;
      if (!cancelled.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, stopConfirmTimeoutMs);
          cancelled.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
      if (cancelled.aborted) return cancelled.reason;
      return ApplicationFailure.nonRetryable(
        `the completion was stopped but Temporal did not confirm its cancellation within ${stopConfirmTimeoutMs} ms`,
        FAILURE_TYPES.stopNotConfirmed,
      );
    },
    /** Also aborts the provider request when the call ends before its stream was read (an error before it). */
    dispose() {
      clearInterval(check);
      unwatchStop();
      context.cancellationSignal.removeEventListener('abort', onCancel);
      if (!controller.signal.aborted) controller.abort(new Error('the model call ended'));
    },
  };
}

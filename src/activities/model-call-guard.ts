/**
 * Keeps a streaming model call honest about liveness: heartbeats on every event and on a timer (the worker
 * throttles what reaches Temporal), and a stall timer that aborts a provider stream that has gone quiet, so a hung
 * connection becomes a retryable failure instead of a completion that never ends.
 */
import type { Context } from '@temporalio/activity';

export class StallError extends Error {
  override name = 'StallError';
}

export function createModelCallGuard(context: Context, stallTimeoutMs: number) {
  const controller = new AbortController();
  const onCancel = () => controller.abort(context.cancellationSignal.reason);
  context.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  let stallTimer: NodeJS.Timeout | undefined;
  const armStall = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(
      () => controller.abort(new StallError(`no data from the provider for ${stallTimeoutMs} ms`)),
      stallTimeoutMs,
    );
  };
  const beat = setInterval(() => context.heartbeat(), 1_000);
  armStall();
  context.heartbeat();

  return {
    signal: controller.signal,
    /** Call on every provider event: proves liveness and re-arms the stall timer. */
    touch() {
      context.heartbeat();
      armStall();
    },
    stalled(): StallError | undefined {
      return controller.signal.reason instanceof StallError ? controller.signal.reason : undefined;
    },
    dispose() {
      clearTimeout(stallTimer);
      clearInterval(beat);
      context.cancellationSignal.removeEventListener('abort', onCancel);
    },
  };
}

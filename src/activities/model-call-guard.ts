/**
 * Keeps a streaming model call honest about liveness: heartbeats while events arrive and on a timer (the worker
 * throttles what reaches Temporal), and a stall check that aborts a provider stream that has gone quiet, so a hung
 * connection becomes a retryable failure instead of a completion that never ends. Per-event work is two clock
 * reads: this runs for every token.
 */
import type { Context } from '@temporalio/activity';

export class StallError extends Error {
  override name = 'StallError';
}

const HEARTBEAT_EVERY_MS = 100;
const CHECK_EVERY_MS = 1_000;

export function createModelCallGuard(context: Context, stallTimeoutMs: number) {
  const controller = new AbortController();
  const onCancel = () => controller.abort(context.cancellationSignal.reason);
  context.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  let lastEvent = Date.now();
  let lastBeat = lastEvent;
  const check = setInterval(
    () => {
      context.heartbeat();
      if (Date.now() - lastEvent >= stallTimeoutMs) {
        controller.abort(new StallError(`no data from the provider for ${stallTimeoutMs} ms`));
      }
    },
    Math.min(CHECK_EVERY_MS, stallTimeoutMs),
  );
  context.heartbeat();

  return {
    signal: controller.signal,
    /** Call on every provider event: proves liveness and resets the stall clock. */
    touch() {
      lastEvent = Date.now();
      // Each heartbeat call crosses into native code; a few per second is plenty for a Stop to land promptly.
      if (lastEvent - lastBeat >= HEARTBEAT_EVERY_MS) {
        lastBeat = lastEvent;
        context.heartbeat();
      }
    },
    stalled(): StallError | undefined {
      return controller.signal.reason instanceof StallError ? controller.signal.reason : undefined;
    },
    dispose() {
      clearInterval(check);
      context.cancellationSignal.removeEventListener('abort', onCancel);
    },
  };
}

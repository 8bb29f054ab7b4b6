/**
 * Cancel request → `abort` at the client: each stream asks to be cancelled after its third text chunk, while
 * `concurrency` such streams run at once. A cancel route that answers 404/405 (not built yet) is reported as
 * "not available"; the streams are then ended by the system's own means so they cost the next phase nothing.
 */
import { now } from '../clock.js';
import { openStream } from '../sse-client.js';
import { summarize, type Distribution } from '../stats.js';
import type { StreamShape } from '../stream-shape.js';
import type { Target } from '../target.js';

export interface CancelFigures {
  concurrency: number;
  available: boolean;
  /** Status of the cancel request when it was not accepted. */
  refusedStatus?: number;
  latency: Distribution | null;
  attempts: number;
  failures: string[];
}

const CANCEL_AFTER_CHUNKS = 3;
const ABORT_WAIT_MS = 15_000;

type Outcome = { latency: number } | { refused: number } | { failure: string };

async function cancelOne(target: Target, shape: StreamShape): Promise<Outcome> {
  let completionId: string | undefined;
  let cancelSentAt = 0;
  let cancelStatus: Promise<number> | undefined;
  let requested: () => void = () => {};
  const cancelRequested = new Promise<void>((resolve) => (requested = resolve));
  const stream = openStream(
    target,
    { shape, timeoutMs: ABORT_WAIT_MS + 10_000 },
    {
      onCompletionId: (id) => (completionId = id),
      onTextDelta: (received) => {
        if (received < CANCEL_AFTER_CHUNKS || cancelStatus || !completionId) return;
        cancelSentAt = now();
        cancelStatus = target.cancel(completionId).catch(() => 0);
        requested();
      },
    },
  );
  await Promise.race([cancelRequested, stream.result]);
  if (!cancelStatus) {
    const result = await stream.result;
    return { failure: `stream ended before ${CANCEL_AFTER_CHUNKS} chunks: ${result.error ?? `HTTP ${result.status}`}` };
  }
  const status = await cancelStatus;
  if (status < 200 || status >= 300) {
    stream.close();
    await target.discard(completionId!);
    await stream.result;
    return { refused: status };
  }
  const timer = setTimeout(() => stream.close(), ABORT_WAIT_MS);
  const result = await stream.result;
  clearTimeout(timer);
  if (result.abortAt === undefined) {
    await target.discard(completionId!);
    return { failure: `no abort chunk (${result.finishAt ? 'finished normally' : (result.error ?? 'stream ended')})` };
  }
  return { latency: result.abortAt - cancelSentAt };
}

export async function measureCancel(
  target: Target,
  options: { concurrency: number; rounds: number; shape: StreamShape },
): Promise<CancelFigures> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let refusedStatus: number | undefined;
  let attempts = 0;
  for (let round = 0; round < options.rounds && refusedStatus === undefined; round += 1) {
    const outcomes = await Promise.all(
      Array.from({ length: options.concurrency }, () => cancelOne(target, options.shape)),
    );
    for (const outcome of outcomes) {
      attempts += 1;
      if ('latency' in outcome) latencies.push(outcome.latency);
      else if ('refused' in outcome) refusedStatus ??= outcome.refused;
      else failures.push(outcome.failure);
    }
  }
  const available = refusedStatus === undefined || ![404, 405].includes(refusedStatus);
  return {
    concurrency: options.concurrency,
    available,
    ...(refusedStatus !== undefined ? { refusedStatus } : {}),
    latency: latencies.length > 0 ? summarize(latencies) : null,
    attempts,
    failures: [...new Set(failures)].slice(0, 3),
  };
}

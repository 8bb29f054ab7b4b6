/**
 * The load generator's client: one `POST /api/chat` whose SSE answer is parsed frame by frame as it arrives.
 * node:http rather than fetch: it costs the shared CPU less per chunk, and the client competes with the
 * systems under test for the same two cores. Every receive time is taken once per socket read.
 */
import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { now } from './clock.js';
import { findStamps, modelStringFor, type StreamShape } from './stream-shape.js';
import { chatBody, type Target } from './target.js';

export interface StreamRequest {
  shape: StreamShape;
  threadId?: string;
  text?: string;
  timeoutMs?: number;
}

export interface StreamHooks {
  onCompletionId?(completionId: string): void;
  /** After each text-delta frame, with the number received so far. */
  onTextDelta?(received: number): void;
}

export interface StreamResult {
  system: string;
  ok: boolean;
  status: number;
  error?: string;
  completionId?: string;
  threadId: string;
  requestAt: number;
  headersAt?: number;
  /** The `start` chunk. */
  startAt?: number;
  firstDeltaAt?: number;
  /** From the first chunk's stamp: when the model server received the request, and emitted the first chunk. */
  modelRequestAt?: number;
  firstEmitAt?: number;
  abortAt?: number;
  finishAt?: number;
  doneAt?: number;
  expected: number;
  received: number;
  duplicates: number;
  /** Chunk receive time minus its emit stamp, in arrival order. */
  latencies: number[];
  /** Receive time of each chunk, for windowed throughput. */
  receivedAt: number[];
  closedByBench: boolean;
}

export interface OpenStream {
  result: Promise<StreamResult>;
  /** Hangs up (a client going away). */
  close(): void;
}

/** Many concurrent streams to one loopback origin: no socket limit, sockets reused between completions. */
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

const TYPE_PATTERN = /"type":"([^"]+)"/;

export function openStream(target: Target, spec: StreamRequest, hooks: StreamHooks = {}): OpenStream {
  const threadId = spec.threadId ?? `bench-${randomUUID()}`;
  const body = chatBody(
    threadId,
    `m-${randomUUID()}`,
    spec.text ?? 'Benchmark, please stream.',
    modelStringFor(spec.shape),
  );
  const result: StreamResult = {
    system: target.name,
    ok: false,
    status: 0,
    threadId,
    requestAt: 0,
    expected: spec.shape.chunks,
    received: 0,
    duplicates: 0,
    latencies: [],
    receivedAt: [],
    closedByBench: false,
  };
  const seen = new Uint8Array(spec.shape.chunks);
  let req: ClientRequest | undefined;

  const done = new Promise<StreamResult>((resolve) => {
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== undefined) result.error = error;
      result.ok = error === undefined && result.status === 200 && result.doneAt !== undefined;
      resolve(result);
    };
    const timer = setTimeout(() => {
      finish(`timeout after ${spec.timeoutMs ?? 120_000} ms`);
      req?.destroy();
    }, spec.timeoutMs ?? 120_000);

    const onFrame = (frame: string, at: number) => {
      for (const line of frame.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const payload = line.slice(6);
        if (payload === '[DONE]') {
          result.doneAt = at;
          continue;
        }
        const type = TYPE_PATTERN.exec(payload)?.[1];
        if (type === 'text-delta') {
          result.firstDeltaAt ??= at;
          for (const stamp of findStamps(payload)) {
            if (stamp.index >= seen.length || seen[stamp.index]) {
              result.duplicates += 1;
              continue;
            }
            seen[stamp.index] = 1;
            result.received += 1;
            result.latencies.push(at - stamp.emittedAt);
            result.receivedAt.push(at);
            if (stamp.requestAt !== undefined) {
              result.modelRequestAt = stamp.requestAt;
              result.firstEmitAt = stamp.emittedAt;
            }
          }
          hooks.onTextDelta?.(result.received);
        } else if (type === 'start') {
          result.startAt ??= at;
        } else if (type === 'abort') {
          result.abortAt ??= at;
        } else if (type === 'finish') {
          result.finishAt ??= at;
        } else if (type === 'error') {
          result.error = `error chunk: ${payload}`;
        }
      }
    };

    result.requestAt = now();
    const url = new URL('/api/chat', target.url);
    req = httpRequest(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...target.headers },
    });
    req.setNoDelay(true);
    req.on('error', (error) => finish(result.closedByBench ? 'closed by bench' : error.message));
    req.on('response', (res) => {
      result.headersAt = now();
      result.status = res.statusCode ?? 0;
      const completionId = res.headers['x-longhaul-completion-id'];
      if (typeof completionId === 'string') {
        result.completionId = completionId;
        hooks.onCompletionId?.(completionId);
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (text: string) => {
        const at = now();
        buffer += text;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          onFrame(buffer.slice(0, end), at);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      });
      res.on('end', () => finish(result.status === 200 ? undefined : `HTTP ${result.status}: ${buffer.slice(0, 300)}`));
      res.on('error', (error) => finish(result.closedByBench ? 'closed by bench' : error.message));
      res.on('close', () => finish(result.closedByBench ? 'closed by bench' : undefined));
    });
    req.end(body);
  });

  return {
    result: done,
    close() {
      result.closedByBench = true;
      req?.destroy();
    },
  };
}

/** Opens a stream and waits for its end. */
export function runStream(target: Target, spec: StreamRequest, hooks?: StreamHooks): Promise<StreamResult> {
  return openStream(target, spec, hooks).result;
}

/** Chunks that never arrived on a stream that ran to its end (or failed): must be 0. */
export function lostChunks(result: StreamResult): number {
  return result.closedByBench ? 0 : result.expected - result.received;
}

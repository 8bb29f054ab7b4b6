/**
 * Where a Longhaul chunk's time goes between the model and the client, from outside src/: the emit stamp in
 * each chunk is compared with the moment it passes three observation points.
 *   - worker publish: the worker's Redis client is wrapped at its `longhaulPublish` command (defined by
 *     src/stream/chunk-publisher.ts); call time and reply time. If the publisher stops using that command the
 *     figures read "n/a" instead of breaking the bench.
 *   - Redis delivery: a bench-owned connection PSUBSCRIBEs to every completion channel.
 *   - API subscriber: a listener added after the API's own on its subscriber connection.
 * It runs inside Longhaul's child process, where those connections live; the stamps come from the model server
 * in the bench process, on the same machine clock (clock.ts). Client receipt is measured by the load generator.
 * Tracing runs only between start() and stop(), so it costs nothing during the throughput ramp.
 */
import type { Redis } from 'ioredis';
import { now } from './clock.js';
import { summarize, type Distribution } from './stats.js';
import { findStamps } from './stream-shape.js';
import { createRedis } from '../src/runtime/connections.js';
import { streamKeys } from '../src/stream/stream-keys.js';

export interface HopSummary {
  /** Emit → the worker calls Redis (SDK parse + activity loop, incl. waiting for earlier publishes). */
  workerPublishCall: Distribution;
  /** Emit → the worker's publish returns. */
  workerPublishReply: Distribution;
  /** Round trip of every publish call (a script run: every chunk type, often several chunks). */
  publishRoundTrip: Distribution;
  /** Emit → a PSUBSCRIBEd bench connection receives the message. */
  redisDelivery: Distribution;
  /** Emit → the API's subscriber connection hands the message to its listeners. */
  apiReceive: Distribution;
  /** Emit → the load generator reads it, in the traced streams (set by the bench, not the tracer). */
  client?: Distribution;
}

export interface HopTracer {
  start(): Promise<void>;
  /** Ends tracing and summarises what was seen since start(). */
  stop(): Promise<HopSummary>;
  close(): Promise<void>;
}

export async function createHopTracer(options: {
  redisUrl: string;
  workerRedis: Redis;
  apiSubscriber: Redis;
}): Promise<HopTracer> {
  let enabled = false;
  const samples = {
    workerPublishCall: [] as number[],
    workerPublishReply: [] as number[],
    publishRoundTrip: [] as number[],
    redisDelivery: [] as number[],
    apiReceive: [] as number[],
  };
  const record = (list: number[], text: string, at: number) => {
    for (const stamp of findStamps(text)) list.push(at - stamp.emittedAt);
  };

  const commands = options.workerRedis as unknown as Record<string, unknown>;
  const original = commands.longhaulPublish;
  if (typeof original === 'function') {
    commands.longhaulPublish = (...args: unknown[]): Promise<unknown> => {
      const calledAt = now();
      const reply = original.apply(options.workerRedis, args) as Promise<unknown>;
      if (!enabled) return reply;
      // A group-committed run carries the chunks of several completions: each one's stamp is a sample, not
      // only the last (the freshest) one's.
      const chunks = args.filter((arg): arg is string => typeof arg === 'string');
      for (const chunk of chunks) record(samples.workerPublishCall, chunk, calledAt);
      return reply.then((value) => {
        const at = now();
        samples.publishRoundTrip.push(at - calledAt);
        for (const chunk of chunks) record(samples.workerPublishReply, chunk, at);
        return value;
      });
    };
  }

  options.apiSubscriber.on('message', (_channel: string, message: string) => {
    if (enabled) record(samples.apiReceive, message, now());
  });

  const listener = createRedis(options.redisUrl, 'longhaul-bench-tracer');
  listener.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    if (enabled) record(samples.redisDelivery, message, now());
  });
  const pattern = streamKeys.channel('*');

  const summary = (): HopSummary => ({
    workerPublishCall: summarize(samples.workerPublishCall),
    workerPublishReply: summarize(samples.workerPublishReply),
    publishRoundTrip: summarize(samples.publishRoundTrip),
    redisDelivery: summarize(samples.redisDelivery),
    apiReceive: summarize(samples.apiReceive),
  });

  return {
    async start() {
      for (const list of Object.values(samples)) list.length = 0;
      await listener.psubscribe(pattern);
      enabled = true;
    },
    async stop() {
      enabled = false;
      await listener.punsubscribe(pattern);
      return summary();
    },
    async close() {
      enabled = false;
      if (typeof original === 'function') commands.longhaulPublish = original;
      await listener.quit();
    },
  };
}

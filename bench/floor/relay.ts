/**
 * The least the brief's fixed shape adds to a bare Temporal turn: every chunk through Redis pub/sub (a plain
 * PUBLISH of the chunk's JSON, pipelined; no log, sequence numbers or expiry), one subscriber that receives it for
 * the viewer, and the turn's two messages in Postgres (one INSERT each, on one connection, into a table of this
 * process's own). Turning those chunks into SSE frames and parsing the model's stream are the baseline's work and
 * are counted there.
 *
 * `resumable` adds the least a stream a viewer can resume needs: each chunk also appended to a capped log, with
 * the log's id in the live message so a resuming viewer can tell what it has (one script per chunk, pipelined),
 * and the log given an expiry when the answer ends.
 */
import { Redis, type Result } from 'ioredis';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { stampedText } from '../stream-shape.js';

export interface RelayConnections {
  redisUrl: string;
  databaseUrl: string;
}

export interface Relay {
  /** Publishes `chunks` text chunks, `answerMs` spread evenly, to `channel`; then stores the answer. */
  answer(channel: string, answerMs: number, chunks: number, resumable?: boolean): Promise<void>;
  /** Subscribes to `channel` and stores the user's message; the promise it returns settles once `chunks` arrived. */
  open(channel: string, chunks: number): Promise<{ received: Promise<void> }>;
  close(): Promise<void>;
}

/** KEYS: the log, the channel; ARGV: the log's cap, the chunk's JSON. */
const APPEND_AND_PUBLISH = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'c', ARGV[2])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[2])
`;
const LOG_CAP = 10_000;
const LOG_TTL_SECONDS = 300;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    floorAppendAndPublish(log: string, channel: string, cap: number, json: string): Result<unknown, Context>;
  }
}

export async function createRelay(connections: RelayConnections): Promise<Relay> {
  const publisher = new Redis(connections.redisUrl, { enableAutoPipelining: true });
  publisher.defineCommand('floorAppendAndPublish', { numberOfKeys: 2, lua: APPEND_AND_PUBLISH });
  const subscriber = new Redis(connections.redisUrl);
  // One connection that never closes (its temporary table lives as long as it): the floor leaves nothing behind
  // in the database it is metered on. The pool queues the turns' statements for it.
  const db = new pg.Pool({ connectionString: connections.databaseUrl, max: 1, idleTimeoutMillis: 0 });
  await db.query('CREATE TEMP TABLE floor_messages (turn text NOT NULL, role text NOT NULL, body text NOT NULL)');
  const waiting = new Map<string, { left: number; done: () => void }>();
  subscriber.on('message', (channel: string) => {
    const turn = waiting.get(channel);
    if (!turn) return;
    turn.left -= 1;
    if (turn.left === 0) {
      waiting.delete(channel);
      turn.done();
    }
  });
  const store = (turn: string, role: string, body: string) =>
    db.query('INSERT INTO floor_messages (turn, role, body) VALUES ($1, $2, $3)', [turn, role, body]);

  return {
    async answer(channel, answerMs, chunks, resumable = false) {
      const text: string[] = [];
      const log = `${channel}:log`;
      for (let index = 0; index < chunks; index += 1) {
        await sleep(answerMs / chunks);
        const delta = stampedText(index, performance.now());
        text.push(delta);
        const json = JSON.stringify({ type: 'text-delta', id: 'text-0', delta });
        if (resumable) await publisher.floorAppendAndPublish(log, channel, LOG_CAP, json);
        else await publisher.publish(channel, json);
      }
      await Promise.all([
        store(channel, 'assistant', text.join('')),
        resumable ? publisher.expire(log, LOG_TTL_SECONDS) : undefined,
      ]);
    },
    async open(channel, chunks) {
      const received = new Promise<void>((done) => waiting.set(channel, { left: chunks, done }));
      await subscriber.subscribe(channel);
      await store(channel, 'user', 'hello');
      return {
        received: received.finally(() => void subscriber.unsubscribe(channel)),
      };
    },
    async close() {
      await Promise.all([publisher.quit(), subscriber.quit(), db.end()]);
    },
  };
}

/**
 * The least the brief's fixed shape adds to a bare Temporal turn: every chunk through Redis pub/sub (a plain
 * PUBLISH of the chunk's JSON, pipelined; no log, sequence numbers or expiry), one subscriber that receives it for
 * the viewer, and the turn's two messages in Postgres (one INSERT each, on one connection, into a table of this
 * process's own). Turning those chunks into SSE frames and parsing the model's stream are the baseline's work and
 * are counted there.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { stampedText } from '../stream-shape.js';

export interface RelayConnections {
  redisUrl: string;
  databaseUrl: string;
}

export interface Relay {
  /** Publishes `chunks` text chunks, `answerMs` spread evenly, to `channel`; then stores the answer. */
  answer(channel: string, answerMs: number, chunks: number): Promise<void>;
  /** Subscribes to `channel` and stores the user's message; the promise it returns settles once `chunks` arrived. */
  open(channel: string, chunks: number): Promise<{ received: Promise<void> }>;
  close(): Promise<void>;
}

export async function createRelay(connections: RelayConnections): Promise<Relay> {
  const publisher = new Redis(connections.redisUrl, { enableAutoPipelining: true });
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
    async answer(channel, answerMs, chunks) {
      const text: string[] = [];
      for (let index = 0; index < chunks; index += 1) {
        await sleep(answerMs / chunks);
        const delta = stampedText(index, performance.now());
        text.push(delta);
        await publisher.publish(channel, JSON.stringify({ type: 'text-delta', id: 'text-0', delta }));
      }
      await store(channel, 'assistant', text.join(''));
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

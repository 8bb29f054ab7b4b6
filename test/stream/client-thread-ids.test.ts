import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/pool.js';
import type { ChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { withClientThreadIds } from '../../src/stream/client-thread-ids.js';
import type { UIMessageChunk } from '../../src/stream/ui-chunks.js';

/** Records what reaches Redis, in the order it is sent. */
function recordingPublisher() {
  const sent: string[] = [];
  const publisher: ChunkPublisher = {
    publish: async (completionId, chunk, alsoToUser) => {
      sent.push(`${completionId}${alsoToUser ? `+${alsoToUser}` : ''} ${JSON.stringify(chunk)}`);
      return sent.length;
    },
    publishToUser: async (userId, chunk) => {
      sent.push(`${userId} ${JSON.stringify(chunk)}`);
      return sent.length;
    },
    markStepStart: async () => {},
    dropStepChunks: async () => 0,
  };
  return { sent, publisher };
}

/** Threads table of one thread: Longhaul's `thr_1` is the client's `abc`. */
const db = {
  query: async (_sql: string, params: unknown[]) => ({ rows: params[0] === 'thr_1' ? [{ clientId: 'abc' }] : [] }),
} as unknown as Queryable;

describe('withClientThreadIds', () => {
  it("names the thread as its client does in announcements, on the completion's stream and the user's channel", async () => {
    const { sent, publisher } = recordingPublisher();
    const shown = withClientThreadIds(publisher, db);
    const status: UIMessageChunk = {
      type: 'data-thread_status',
      id: 's',
      data: { threadId: 'thr_1', completionId: 'c', runStatus: 'running' },
    };
    await shown.publish('c', status, 'usr');
    await shown.publishToUser('usr', {
      type: 'data-approval_status',
      id: 'a',
      data: { threadId: 'thr_1', status: 'requested' },
    });
    // Gone meanwhile: left as it was.
    await shown.publishToUser('usr', { type: 'data-tool_result', id: 't', data: { threadId: 'thr_gone' } });
    expect(sent).toEqual([
      'c+usr {"type":"data-thread_status","id":"s","data":{"threadId":"abc","completionId":"c","runStatus":"running"}}',
      'usr {"type":"data-approval_status","id":"a","data":{"threadId":"abc","status":"requested"}}',
      'usr {"type":"data-tool_result","id":"t","data":{"threadId":"thr_gone"}}',
    ]);
  });

  it("leaves the model's data alone and sends other chunks at once, in the order they were sent", async () => {
    const { sent, publisher } = recordingPublisher();
    const shown = withClientThreadIds(publisher, db);
    const object: UIMessageChunk = { type: 'data-object', id: 'o', data: { threadId: 'thr_1' } };
    void shown.publish('c', { type: 'text-start', id: 't' });
    void shown.publish('c', { type: 'text-delta', id: 't', delta: 'hi' });
    void shown.publish('c', object);
    expect(sent).toEqual([
      'c {"type":"text-start","id":"t"}',
      'c {"type":"text-delta","id":"t","delta":"hi"}',
      'c {"type":"data-object","id":"o","data":{"threadId":"thr_1"}}',
    ]);
  });
});

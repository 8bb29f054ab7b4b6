import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { createThreadsRepo } from '../../src/db/threads-repo.js';
import { createUsersRepo } from '../../src/db/users-repo.js';
import type { ChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { withClientThreadIds } from '../../src/stream/client-thread-ids.js';
import type { ThreadStatusData, UIMessageChunk } from '../../src/stream/ui-chunks.js';

/** Records what reaches Redis, in the order it is sent. */
function recordingPublisher() {
  const sent: string[] = [];
  const publisher: ChunkPublisher = {
    publish: async (completionId, chunk, alsoToUser) => {
      sent.push(`${completionId}${alsoToUser ? `+${alsoToUser}` : ''} ${JSON.stringify(chunk)}`);
      return sent.length;
    },
    publishMany: async (completionId, chunks) =>
      chunks.map((chunk) => {
        sent.push(`${completionId} ${JSON.stringify(chunk)}`);
        return sent.length;
      }),
    publishToUser: async (userId, chunk) => {
      sent.push(`${userId} ${JSON.stringify(chunk)}`);
      return sent.length;
    },
    markStepStart: async () => {},
    dropStepChunks: async () => 0,
    holdLog: async () => {},
    expireLog: async () => {},
  };
  return { sent, publisher };
}

describe('withClientThreadIds', () => {
  const db = createPool(inject('databaseUrl'), 2);
  /** One thread in Postgres: Longhaul's `thr_1` is the client's `abc`. */
  const thr1 = `thr_${randomUUID()}`;
  beforeAll(async () => {
    const user = await createUsersRepo(db).ensureUser(`client-ids-${randomUUID()}`);
    await createThreadsRepo(db).create({
      id: thr1,
      clientId: 'abc',
      userId: user.id,
      title: null,
      doubleTextPolicy: 'reject',
      agent: null,
    });
  });
  afterAll(() => db.end());

  it("names the thread as its client does in announcements, on the completion's stream and the user's channel", async () => {
    const { sent, publisher } = recordingPublisher();
    const shown = withClientThreadIds(publisher, db);
    const status: UIMessageChunk = {
      type: 'data-thread_status',
      id: 's',
      data: { threadId: thr1, completionId: 'c', runStatus: 'running' },
    };
    await shown.publish('c', status, 'usr');
    await shown.publishToUser('usr', {
      type: 'data-approval_status',
      id: 'a',
      data: { threadId: thr1, status: 'requested' },
    });
    // Gone meanwhile: left as it was.
    await shown.publishToUser('usr', { type: 'data-tool_result', id: 't', data: { threadId: 'thr_gone' } });
    await shown.publishMany('c', [{ type: 'text-delta', id: 't', delta: 'x' }, status]);
    expect(sent).toEqual([
      'c+usr {"type":"data-thread_status","id":"s","data":{"threadId":"abc","completionId":"c","runStatus":"running"}}',
      'usr {"type":"data-approval_status","id":"a","data":{"threadId":"abc","status":"requested"}}',
      'usr {"type":"data-tool_result","id":"t","data":{"threadId":"thr_gone"}}',
      'c {"type":"text-delta","id":"t","delta":"x"}',
      'c {"type":"data-thread_status","id":"s","data":{"threadId":"abc","completionId":"c","runStatus":"running"}}',
    ]);
  });

  it("leaves the model's data alone and sends other chunks at once, in the order they were sent", async () => {
    const { sent, publisher } = recordingPublisher();
    const shown = withClientThreadIds(publisher, db);
    const object: UIMessageChunk = { type: 'data-object', id: 'o', data: { threadId: thr1 } };
    void shown.publish('c', { type: 'text-start', id: 't' });
    void shown.publish('c', { type: 'text-delta', id: 't', delta: 'hi' });
    void shown.publish('c', object);
    expect(sent).toEqual([
      'c {"type":"text-start","id":"t"}',
      'c {"type":"text-delta","id":"t","delta":"hi"}',
      `c {"type":"data-object","id":"o","data":{"threadId":"${thr1}"}}`,
    ]);
  });

  it('asks Postgres once per thread: a client id never changes', async () => {
    const { sent, publisher } = recordingPublisher();
    let queries = 0;
    const counting = { query: (...args: Parameters<typeof db.query>) => ((queries += 1), db.query(...args)) };
    const shown = withClientThreadIds(publisher, counting as typeof db);
    const status = (runStatus: ThreadStatusData['runStatus']): UIMessageChunk => ({
      type: 'data-thread_status',
      id: 's',
      data: { threadId: thr1, completionId: 'c', runStatus },
    });
    for (const runStatus of ['running', 'awaiting_approval', 'running', 'complete'] as const)
      await shown.publish('c', status(runStatus));
    expect(queries).toBe(1);
    expect(sent.map((line) => JSON.parse(line.slice(2)).data.threadId)).toEqual(['abc', 'abc', 'abc', 'abc']);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { streamKeys } from '../../src/stream/stream-keys.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';

interface UserEvent {
  id: number | undefined;
  chunk: { type: string; data: Record<string, unknown> };
}

/** `GET /v1/events` read frame by frame, as EventSource would: `id:` and `data:` lines, comments skipped. */
async function openEvents(h: Harness, key: string, options: { lastEventId?: string; query?: string } = {}) {
  const response = await h.api(`/v1/events${options.query ?? ''}`, {
    key,
    headers: options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId },
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  async function next(): Promise<UserEvent> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const data = lines.find((line) => line.startsWith('data: '));
        if (!data) continue;
        const id = lines.find((line) => line.startsWith('id: '));
        return { id: id === undefined ? undefined : Number(id.slice(4)), chunk: JSON.parse(data.slice(6)) };
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  }
  return {
    next,
    async until(predicate: (event: UserEvent) => boolean): Promise<UserEvent[]> {
      const events: UserEvent[] = [];
      for (;;) {
        const event = await next();
        events.push(event);
        if (predicate(event)) return events;
      }
    },
    close: () => reader.cancel(),
  };
}

const statusOf = (completionId: string, runStatus: string) => (event: UserEvent) =>
  event.chunk.type === 'data-thread_status' &&
  event.chunk.data.completionId === completionId &&
  event.chunk.data.runStatus === runStatus;

const describeEvent = ({ id, chunk }: UserEvent) =>
  `${id} ${chunk.type.slice(5)}:${String(chunk.data.runStatus ?? chunk.data.status)}`;

describe('GET /v1/events resumes after Last-Event-ID', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  /** One whole turn through POST /api/chat, read to its end. */
  async function turn(apiKey: string, script: Parameters<Harness['model']['enqueue']>, tools?: string[]) {
    h.model.enqueue(...script);
    const body = {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('go')],
      ...(tools ? { tools } : {}),
    };
    const response = await postChat(h, body, apiKey);
    const chunks = await readValidatedChunks(response);
    return { completionId: response.headers.get('x-longhaul-completion-id')!, chunks };
  }

  it('sends a reconnecting client exactly the events it missed, once and in order, then live ones', async () => {
    const user = await h.createUser();
    const first = await openEvents(h, user.apiKey);
    const one = await turn(user.apiKey, [{ kind: 'text', chunks: ['Hello.'] }]);
    const seen = await first.until(statusOf(one.completionId, 'complete'));
    const lastEventId = seen.at(-1)!.id!;
    await first.close();

    // While the tab is away, a turn asks for an approval.
    const two = await turn(
      user.apiKey,
      [
        { kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: ['{"amount":7}'] }] },
        { kind: 'text', chunks: ['Paid.'] },
      ],
      ['transfer'],
    );
    expect(two.chunks.at(-1)?.type).toBe('finish');

    const resumed = await openEvents(h, user.apiKey, { lastEventId: String(lastEventId) });
    const missed = [await resumed.next(), await resumed.next(), await resumed.next()];
    expect(missed.map(describeEvent)).toEqual([
      `${lastEventId + 1} thread_status:running`,
      `${lastEventId + 2} approval_status:requested`,
      `${lastEventId + 3} thread_status:awaiting_approval`,
    ]);
    expect(missed.every((event) => event.chunk.data.completionId === two.completionId)).toBe(true);

    // The same replay through ?lastEventId=, for clients that cannot set the header.
    const byQuery = await openEvents(h, user.apiKey, { query: `?lastEventId=${lastEventId}` });
    expect([await byQuery.next(), await byQuery.next(), await byQuery.next()]).toEqual(missed);
    await byQuery.close();

    const { approvals } = await readJson(await h.api('/v1/approvals?status=pending', { key: user.apiKey }));
    const approval = approvals.find((a: { completionId: string }) => a.completionId === two.completionId);
    const decided = await h.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      key: user.apiKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', argsDigest: approval.argsDigest }),
    });
    expect(decided.status).toBe(200);
    const live = await resumed.until(statusOf(two.completionId, 'complete'));
    await resumed.close();
    expect(live.map(describeEvent)).toEqual([
      `${lastEventId + 4} approval_status:approved`,
      `${lastEventId + 5} thread_status:running`,
      `${lastEventId + 6} thread_status:complete`,
    ]);
  });

  it('stays live only without Last-Event-ID', async () => {
    const user = await h.createUser();
    await turn(user.apiKey, [{ kind: 'text', chunks: ['Before.'] }]);
    const events = await openEvents(h, user.apiKey);
    const after = await turn(user.apiKey, [{ kind: 'text', chunks: ['After.'] }]);
    const [firstEvent] = await events.until(statusOf(after.completionId, 'complete'));
    await events.close();
    expect(firstEvent?.chunk.data).toMatchObject({ completionId: after.completionId, runStatus: 'running' });
  });

  it('rejects a bad Last-Event-ID with 400 and the error shape', async () => {
    for (const [headers, query] of [
      [{ 'last-event-id': 'abc' }, ''],
      [{ 'last-event-id': '-1' }, ''],
      [{ 'last-event-id': '1.5' }, ''],
      [{}, '?lastEventId=seven'],
    ] as const) {
      const response = await h.api(`/v1/events${query}`, { headers });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/json');
      const body = await readJson(response);
      expect(body).toEqual({ error: { code: 'invalid_request', message: expect.stringContaining('Last-Event-ID') } });
    }
  });

  it('replays from a bounded log and says with data-events_gap what it no longer holds', async () => {
    const user = await h.createUser();
    // A worker's publisher with a small cap: the API only reads what it left in Redis.
    const publisher = createChunkPublisher(h.redis, { maxLen: 10, ttlSeconds: 60, replayWindowSeconds: 60 });
    const chunk = (n: number) =>
      ({
        type: 'data-approval_status',
        id: `approval-${n}`,
        data: { n, status: 'requested' },
        transient: true,
      }) as const;
    for (let n = 1; n <= 400; n++) await publisher.publishToUser(user.userId, chunk(n));
    const length = await h.redis.xlen(streamKeys.userLog(user.userId));
    expect(length).toBeLessThanOrEqual(110); // MAXLEN ~ 10 trims in whole stream nodes (≤ 100 entries each)
    const ttl = await h.redis.ttl(streamKeys.userLog(user.userId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);

    const resumesAt = 401 - length;
    const events = await openEvents(h, user.apiKey, { lastEventId: '3' });
    const gap = await events.next();
    expect(gap).toEqual({
      id: resumesAt - 1,
      chunk: { type: 'data-events_gap', data: { lastEventId: 3, resumesAt }, transient: true },
    });
    await publisher.publishToUser(user.userId, chunk(401));
    const rest = await events.until((event) => event.chunk.data.n === 401);
    await events.close();
    expect(rest.map((event) => event.id)).toEqual(Array.from({ length: length + 1 }, (_, i) => resumesAt + i));
    expect(rest.map((event) => event.chunk.data.n)).toEqual(
      Array.from({ length: length + 1 }, (_, i) => resumesAt + i),
    );
  });
});

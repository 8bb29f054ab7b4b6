/**
 * Ids a client chooses (useChat's chat id, its message ids, `POST /v1/threads {id}`) are the client's own: two users
 * using the same ids never meet, neither learns that the other's exists, and every response shows each its own id.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readTurn, readValidatedChunks, textOf, userMessage } from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

describe('client-chosen ids are per user', () => {
  let h: Harness;
  let alice: { key: string; userId: string };
  let bob: { key: string; userId: string };
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
    alice = { key: h.apiKey, userId: h.userId };
    const created = await h.createUser();
    bob = { key: created.apiKey, userId: created.userId };
  });
  afterAll(() => h?.close());

  const as = (user: { key: string }, path: string, init: RequestInit = {}) => h.api(path, { ...init, key: user.key });
  const post = (body: unknown): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('lets two users create a thread with the same id, each seeing only their own', async () => {
    const id = `abc-${randomUUID().slice(0, 8)}`;
    const first = await as(bob, '/v1/threads', post({ id, title: 'Bob' }));
    expect(first.status).toBe(201);
    expect(await readJson(first)).toMatchObject({ id, title: 'Bob', userId: bob.userId });
    // No 409 that would tell Alice the id is in use by someone.
    const second = await as(alice, '/v1/threads', post({ id, title: 'Alice' }));
    expect(second.status).toBe(201);
    expect(await readJson(second)).toMatchObject({ id, title: 'Alice', userId: alice.userId });
    // Her own id twice is still a conflict.
    expect((await as(alice, '/v1/threads', post({ id }))).status).toBe(409);

    expect(await readJson(await as(alice, `/v1/threads/${id}`))).toMatchObject({ id, title: 'Alice', completions: [] });
    expect(await readJson(await as(bob, `/v1/threads/${id}`))).toMatchObject({ id, title: 'Bob', completions: [] });
    const renamed = await as(alice, `/v1/threads/${id}`, { ...post({ title: 'Alice 2' }), method: 'PATCH' });
    expect(await readJson(renamed)).toMatchObject({ id, title: 'Alice 2' });
    expect((await readJson(await as(bob, `/v1/threads/${id}`))).title).toBe('Bob');
    const listed = async (user: { key: string }) =>
      ((await readJson(await as(user, '/v1/threads?limit=200'))).threads as { id: string; title: string }[]).filter(
        (t) => t.id === id,
      );
    expect(await listed(alice)).toEqual([expect.objectContaining({ id, title: 'Alice 2' })]);
    expect(await listed(bob)).toEqual([expect.objectContaining({ id, title: 'Bob' })]);
  });

  it('keeps transcripts, completions and audit apart when both chat on the same id with the same message id', async () => {
    const chatId = `abc-${randomUUID().slice(0, 8)}`;
    const messageId = `m-${randomUUID().slice(0, 8)}`;
    const turns: Record<string, { completionId: string; text: string }> = {};
    for (const [name, user] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      h.model.enqueue({ kind: 'text', chunks: [`hello `, name] });
      const response = await postChat(
        h,
        { id: chatId, trigger: 'submit-message', messages: [userMessage(`I am ${name}`, messageId)] },
        user.key,
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('x-longhaul-thread-id')).toBe(chatId);
      const completionId = response.headers.get('x-longhaul-completion-id')!;
      const { message, chunks } = await readTurn(response);
      expect(textOf(message)).toBe(`hello ${name}`);
      // The worker's status chunks name the thread as the client does.
      const statuses = chunks.filter((chunk) => chunk.type === 'data-thread_status');
      expect(statuses.length).toBeGreaterThan(0);
      for (const status of statuses) expect((status as { data: { threadId: string } }).data.threadId).toBe(chatId);
      turns[name] = { completionId, text: `hello ${name}` };
    }
    for (const [name, user] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      const { completionId, text } = turns[name]!;
      await waitFor(
        async () => (await readJson(await as(user, `/v1/completions/${completionId}`))).status === 'completed',
      );
      const { messages } = await readJson(await as(user, `/v1/threads/${chatId}/messages`));
      expect(messages.map((m: { id: string; role: string }) => m.role)).toEqual(['user', 'assistant']);
      expect(messages[0]).toMatchObject({ id: messageId, parts: [{ type: 'text', text: `I am ${name}` }] });
      expect(messages[1].parts).toContainEqual(expect.objectContaining({ type: 'text', text }));

      const thread = await readJson(await as(user, `/v1/threads/${chatId}`));
      expect(thread.id).toBe(chatId);
      expect(thread.completions.map((c: { id: string; threadId: string }) => [c.id, c.threadId])).toEqual([
        [completionId, chatId],
      ]);
      expect(await readJson(await as(user, `/v1/completions/${completionId}`))).toMatchObject({
        id: completionId,
        threadId: chatId,
      });

      const audit = await readJson(await as(user, `/v1/threads/${chatId}/audit`));
      expect(audit.threadId).toBe(chatId);
      expect(audit.events.length).toBeGreaterThan(0);
      for (const event of audit.events) expect(event).toMatchObject({ threadId: chatId, completionId });
    }
    // Each completion belongs to one user only.
    expect((await as(bob, `/v1/completions/${turns.alice!.completionId}`)).status).toBe(404);
    expect((await as(alice, `/v1/completions/${turns.bob!.completionId}`)).status).toBe(404);
  });

  /** The first event of the user's channel (replayed from its start) that matches. */
  async function userEvent(
    user: { key: string },
    matches: (chunk: { type: string; data: Record<string, unknown> }) => boolean,
  ) {
    const response = await as(user, '/v1/events?lastEventId=0');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the event stream ended');
        buffer += decoder.decode(value, { stream: true });
        for (const line of buffer.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const chunk = JSON.parse(line.slice(6));
          if (matches(chunk)) return chunk;
        }
      }
    } finally {
      await reader.cancel();
    }
  }

  it("touches only the caller's thread with stream, stop, approvals and delete", async () => {
    const chatId = `abc-${randomUUID().slice(0, 8)}`;
    // Bob's turn waits for his approval of a transfer.
    h.model.enqueue({ kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: [JSON.stringify({ amount: 7 })] }] });
    const bobTurn = await postChat(
      h,
      { id: chatId, trigger: 'submit-message', messages: [userMessage('pay')], tools: ['transfer'] },
      bob.key,
    );
    expect(bobTurn.status).toBe(200);
    const bobCompletion = bobTurn.headers.get('x-longhaul-completion-id')!;
    await readValidatedChunks(bobTurn);
    const inbox = async (user: { key: string }) =>
      (
        (await readJson(await as(user, '/v1/approvals'))).approvals as {
          threadId: string;
          completionId: string;
          toolCallId: string;
          argsDigest: string;
        }[]
      ).filter((a) => a.threadId === chatId);
    const [pending] = await inbox(bob);
    expect(pending).toMatchObject({ threadId: chatId, completionId: bobCompletion });
    const active = (await readJson(await as(bob, '/v1/completions'))).completions;
    expect(active).toContainEqual(expect.objectContaining({ id: bobCompletion, threadId: chatId }));
    // His channel, written by the worker, names the thread as he does too.
    const requested = await userEvent(
      bob,
      (chunk) => chunk.type === 'data-approval_status' && chunk.data.completionId === bobCompletion,
    );
    expect(requested.data).toMatchObject({ threadId: chatId, status: 'requested' });

    // Alice's thread of the same id is hers alone: created, answered, idle.
    h.model.enqueue({ kind: 'text', chunks: ['done'] });
    const aliceTurn = await postChat(
      h,
      { id: chatId, trigger: 'submit-message', messages: [userMessage('hi')] },
      alice.key,
    );
    expect(aliceTurn.status).toBe(200);
    const aliceCompletion = aliceTurn.headers.get('x-longhaul-completion-id')!;
    await readValidatedChunks(aliceTurn);
    await waitFor(
      async () => (await readJson(await as(alice, `/v1/completions/${aliceCompletion}`))).status === 'completed',
    );
    expect(await inbox(alice)).toEqual([]);

    expect((await as(alice, `/api/chat/${chatId}/stream`)).status).toBe(204);
    const stop = await as(alice, `/api/chat/${chatId}/stop`, { method: 'POST' });
    expect(await readJson(stop)).toEqual({ completionId: null, status: 'idle' });
    expect((await readJson(await as(bob, `/v1/completions/${bobCompletion}`))).status).toBe('awaiting_approval');

    expect((await as(alice, `/v1/threads/${chatId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await as(alice, `/v1/threads/${chatId}`)).status).toBe(404);
    expect((await as(bob, `/v1/threads/${chatId}`)).status).toBe(200);
    expect(await inbox(bob)).toHaveLength(1);

    // Bob's own stream and decision reach his turn, under his id.
    const resumed = await as(bob, `/api/chat/${chatId}/stream`);
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('x-longhaul-thread-id')).toBe(chatId);
    await resumed.body?.cancel();
    h.model.enqueue({ kind: 'text', chunks: ['paid'] });
    const decided = await as(
      bob,
      `/v1/approvals/${pending!.toolCallId}`,
      post({ decision: 'approve', argsDigest: pending!.argsDigest }),
    );
    expect(decided.status).toBe(200);
    await waitFor(
      async () => (await readJson(await as(bob, `/v1/completions/${bobCompletion}`))).status === 'completed',
    );
    const { messages } = await readJson(await as(bob, `/v1/threads/${chatId}/messages`));
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
  });

  it('answers the REST completion with the thread id the client named', async () => {
    const threadId = `abc-${randomUUID().slice(0, 8)}`;
    for (const user of [bob, alice]) {
      expect((await as(user, '/v1/threads', post({ id: threadId }))).status).toBe(201);
      h.model.enqueue({ kind: 'text', chunks: ['ok'] });
      const started = await as(user, '/v1/completions', post({ message: 'hi', threadId }));
      expect(started.status).toBe(202);
      const turn = await readJson(started);
      expect(turn).toMatchObject({ threadId, streamUrl: `/api/chat/${threadId}/stream` });
      await readValidatedChunks(await as(user, turn.eventsUrl));
      await waitFor(
        async () => (await readJson(await as(user, `/v1/completions/${turn.completionId}`))).status === 'completed',
      );
    }
  });

  it('answers 409, not 500, when another request of the same user creates the thread first', async () => {
    const chatId = `abc-${randomUUID().slice(0, 8)}`;
    const other = await h.pool.connect();
    try {
      // Another request's new thread, not yet committed: this request finds no thread, then meets it on insert.
      await other.query('BEGIN');
      await other.query(`INSERT INTO threads (id, client_id, user_id) VALUES ($1, $2, $3)`, [
        `thr-${randomUUID()}`,
        chatId,
        alice.userId,
      ]);
      const sent = postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('hi')] }, alice.key);
      await waitFor(async () => {
        const { rows } = await h.pool.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].n > 0;
      });
      await other.query('COMMIT');
      const response = await sent;
      expect(response.status).toBe(409);
      expect((await readJson(response)).error.code).toBe('conflict');
    } finally {
      other.release();
    }
    const { messages } = await readJson(await as(alice, `/v1/threads/${chatId}/messages`));
    expect(messages).toEqual([]);
  });
});

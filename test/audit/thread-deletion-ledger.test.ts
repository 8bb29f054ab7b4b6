import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';
import { createThreadsRepo } from '../../src/db/threads-repo.js';

interface LedgerEvent {
  id: number;
  type: string;
  actor: string;
  threadId: string;
  completionId: string | null;
  data: Record<string, unknown>;
}

describe('the audit ledger outlives its thread', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  /** Longhaul's own id of the caller's thread: the ledger rows carry it, not the client's. */
  const internalId = async (chatId: string) =>
    (
      await h.pool.query<{ id: string }>(`SELECT id FROM threads WHERE client_id = $1 AND user_id = $2`, [
        chatId,
        h.userId,
      ])
    ).rows[0]!.id;

  async function threadWithTwoTurns(): Promise<string> {
    const chatId = `chat-${randomUUID()}`;
    await (
      await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('a private question')] })
    ).text();
    await waitFor(async () => (await readJson(await h.api(`/v1/threads/${chatId}`))).activeCompletionId === null);
    await (await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('and another')] })).text();
    await waitFor(async () => (await readJson(await h.api(`/v1/threads/${chatId}`))).activeCompletionId === null);
    return chatId;
  }

  const ledgerRows = async (threadId: string) =>
    (
      await h.pool.query<{ id: string; type: string }>(
        `SELECT id, type FROM audit_events WHERE thread_id = $1 ORDER BY id`,
        [threadId],
      )
    ).rows;

  it('keeps every ledger row when the thread is deleted and appends a thread_deleted tombstone', async () => {
    const chatId = await threadWithTwoTurns();
    const threadId = await internalId(chatId);
    const before = await ledgerRows(threadId);
    expect(before.map((row) => row.type)).toContain('completion_finished');
    const { events: exported } = (await readJson(await h.api(`/v1/threads/${chatId}/audit`))) as {
      events: LedgerEvent[];
    };

    expect((await h.api(`/v1/threads/${chatId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.api(`/v1/threads/${chatId}`)).status).toBe(404);
    expect((await h.pool.query(`SELECT 1 FROM messages WHERE thread_id = $1`, [threadId])).rowCount).toBe(0);
    expect((await h.pool.query(`SELECT 1 FROM completions WHERE thread_id = $1`, [threadId])).rowCount).toBe(0);

    const after = await ledgerRows(threadId);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((row) => row.type).slice(before.length)).toEqual(['thread_deleted']);

    const response = await h.api(`/v1/threads/${chatId}/audit`);
    expect(response.status).toBe(200);
    const ledger = (await readJson(response)) as { threadId: string; events: LedgerEvent[] };
    expect(ledger.threadId).toBe(chatId);
    expect(ledger.events.slice(0, -1)).toEqual(exported.map((event) => ({ ...event })));
    const tombstone = ledger.events.at(-1)!;
    expect(tombstone).toMatchObject({
      type: 'thread_deleted',
      actor: h.userId,
      threadId: chatId,
      completionId: null,
      data: { messagesDeleted: 4, completionsDeleted: 2, titleLength: 'a private question'.length },
    });
    expect(JSON.stringify(tombstone.data)).not.toContain('private');

    const ndjson = await h.api(`/v1/threads/${chatId}/audit`, { headers: { accept: 'application/x-ndjson' } });
    expect(
      (await ndjson.text())
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).type)
        .at(-1),
    ).toBe('thread_deleted');
  });

  it("keeps a deleted thread's ledger from everyone but its owner, and from edits", async () => {
    const chatId = await threadWithTwoTurns();
    const threadId = await internalId(chatId);
    expect((await h.api(`/v1/threads/${chatId}`, { method: 'DELETE' })).status).toBe(204);

    const stranger = await h.createUser();
    const refused = await h.api(`/v1/threads/${chatId}/audit`, { key: stranger.apiKey });
    expect(refused.status).toBe(404);
    expect((await h.api(`/v1/threads/${chatId}`, { method: 'DELETE', key: stranger.apiKey })).status).toBe(404);
    expect((await h.api(`/v1/threads/never-existed-${randomUUID()}/audit`)).status).toBe(404);
    // Deleting twice is a 404, and leaves one tombstone.
    expect((await h.api(`/v1/threads/${chatId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await ledgerRows(threadId)).filter((row) => row.type === 'thread_deleted')).toHaveLength(1);

    await expect(
      h.pool.query(`UPDATE audit_events SET actor = 'someone else' WHERE thread_id = $1`, [threadId]),
    ).rejects.toThrow(/append-only/);
  });

  it('answers an empty ledger for a live thread that has none yet, and 404 for another user', async () => {
    const created = await h.api('/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'empty' }),
    });
    const { id } = await readJson(created);
    expect(await readJson(await h.api(`/v1/threads/${id}/audit`))).toEqual({ threadId: id, events: [] });
    const stranger = await h.createUser();
    expect((await h.api(`/v1/threads/${id}/audit`, { key: stranger.apiKey })).status).toBe(404);

    expect((await h.api(`/v1/threads/${id}`, { method: 'DELETE' })).status).toBe(204);
    const { events } = (await readJson(await h.api(`/v1/threads/${id}/audit`))) as { events: LedgerEvent[] };
    expect(events).toMatchObject([
      { type: 'thread_deleted', data: { messagesDeleted: 0, completionsDeleted: 0, titleLength: 5 } },
    ]);
  });

  it('tombstones the sub-agent threads that go with their parent, each in its own ledger', async () => {
    const chatId = await threadWithTwoTurns();
    const childId = `${chatId}-sub`;
    await createThreadsRepo(h.pool).createIfMissing({
      id: childId,
      clientId: childId,
      userId: h.userId,
      title: 'sub',
      doubleTextPolicy: 'reject',
      agent: null,
      parentThreadId: await internalId(chatId),
    });
    expect((await h.api(`/v1/threads/${chatId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.api(`/v1/threads/${childId}`)).status).toBe(404);
    const { events } = (await readJson(await h.api(`/v1/threads/${childId}/audit`))) as { events: LedgerEvent[] };
    expect(events).toMatchObject([
      {
        type: 'thread_deleted',
        actor: h.userId,
        data: { deletedWith: chatId, messagesDeleted: 0, completionsDeleted: 0, titleLength: 3 },
      },
    ]);
    const parent = (await readJson(await h.api(`/v1/threads/${chatId}/audit`))) as { events: LedgerEvent[] };
    expect(parent.events.filter((event) => event.type === 'thread_deleted')).toHaveLength(1);
    expect(parent.events.at(-1)!.data).not.toHaveProperty('deletedWith');
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { listNotesTool, readNoteTool, saveNoteTool } from '../../src/tools/builtin/notes.js';
import type { ToolContext } from '../../src/tools/tool-definition.js';
import { toolContext } from './tool-context.js';

const pool = createPool(inject('databaseUrl'), 2);
let alice: ToolContext;
let bob: ToolContext;

async function createUserWithThread(): Promise<ToolContext> {
  const userId = `usr_${randomUUID()}`;
  const threadId = `thr_${randomUUID()}`;
  await pool.query('INSERT INTO users (id, name) VALUES ($1, $2)', [userId, `notes-test-${userId}`]);
  await pool.query('INSERT INTO threads (id, user_id) VALUES ($1, $2)', [threadId, userId]);
  return toolContext({ userId, threadId, pool });
}

beforeAll(async () => {
  alice = await createUserWithThread();
  bob = await createUserWithThread();
});

afterAll(() => pool.end());

async function save(context: ToolContext, input: unknown) {
  return saveNoteTool.execute(saveNoteTool.input.parse(input), context);
}
async function list(context: ToolContext, input: unknown = {}) {
  return listNotesTool.execute(listNotesTool.input.parse(input), context);
}
async function read(context: ToolContext, noteId: string) {
  return readNoteTool.execute(readNoteTool.input.parse({ noteId }), context);
}

describe('notes tools', () => {
  it('saves once per tool call id: a retry returns the original note', async () => {
    const call = { ...alice, toolCallId: `call_${randomUUID()}` };

    const first = await save(call, { title: 'Packing list', body: 'tent, stove' });
    const retry = await save(call, { title: 'Packing list (retry)', body: 'something else' });

    expect(first.noteId).toBe(call.toolCallId);
    expect(retry).toEqual(first);
    const { rows } = await pool.query('SELECT title, body, user_id, thread_id FROM notes WHERE id = $1', [
      call.toolCallId,
    ]);
    expect(rows).toEqual([
      { title: 'Packing list', body: 'tent, stove', user_id: alice.userId, thread_id: alice.threadId },
    ]);
  });

  it('lists the newest notes first and reads one back', async () => {
    const older = await save({ ...alice, toolCallId: `call_${randomUUID()}` }, { title: 'Older', body: 'first' });
    const newer = await save({ ...alice, toolCallId: `call_${randomUUID()}` }, { title: 'Newer', body: 'second' });

    const { notes } = await list(alice, { limit: 2 });
    expect(notes).toEqual([
      { noteId: newer.noteId, title: 'Newer', createdAt: newer.savedAt },
      { noteId: older.noteId, title: 'Older', createdAt: older.savedAt },
    ]);
    expect(await read(alice, older.noteId)).toEqual({
      noteId: older.noteId,
      title: 'Older',
      body: 'first',
      createdAt: older.savedAt,
    });
  });

  it("does not show one user's notes to another", async () => {
    const call = { ...alice, toolCallId: `call_${randomUUID()}` };
    const secret = await save(call, { title: 'Secret', body: 'alice only' });

    await expect(read(bob, secret.noteId)).rejects.toThrow(`note ${secret.noteId} not found`);
    expect((await list(bob)).notes).toEqual([]);
  });

  it('rejects an empty title and an over-long body in the input schema', () => {
    expect(saveNoteTool.input.safeParse({ title: '  ', body: 'x' }).success).toBe(false);
    expect(saveNoteTool.input.safeParse({ title: 't', body: 'x'.repeat(20_001) }).success).toBe(false);
    expect(listNotesTool.input.safeParse({ limit: 51 }).success).toBe(false);
  });
});

/**
 * Notes: a small per-user memory the model can write to and read back across threads. Saving is a side effect
 * the user should see first, so it is durable and needs approval; reading is inline, and marked as a read of
 * private data so that a page read later in the turn cannot quietly have the model send a note elsewhere.
 */
import { z } from 'zod';
import { createNotesRepo } from '../../db/notes-repo.js';
import { defineTool } from '../tool-definition.js';

/**
 * The note id is the tool call id, so a retried activity or a replayed workflow stores the note once and
 * reports the same note back.
 */
export const saveNoteTool = defineTool({
  name: 'save_note',
  description:
    'Saves a note for the user so it can be found again later, in this or any other conversation. Use it when ' +
    'the user asks you to remember, note down or save something. The user must approve before it is saved. ' +
    'Returns { noteId, title, savedAt }.',
  input: z.object({
    title: z.string().trim().min(1).max(200).describe('Short title that says what the note is about.'),
    body: z.string().min(1).max(20_000).describe('The content of the note, as plain text or Markdown.'),
  }),
  mode: 'durable',
  requiresApproval: true,
  async execute({ title, body }, context) {
    const note = await createNotesRepo(context.pool).save({
      id: context.toolCallId,
      userId: context.userId,
      threadId: context.threadId,
      title,
      body,
    });
    return { noteId: note.id, title: note.title, savedAt: note.createdAt.toISOString() };
  },
});

export const listNotesTool = defineTool({
  name: 'list_notes',
  description:
    "Lists the user's saved notes, newest first, without their bodies. Use it to find a note before reading it " +
    'with read_note, or when the user asks what they have saved. Returns { notes: [{ noteId, title, createdAt }] }.',
  input: z.object({
    limit: z.number().int().min(1).max(50).default(20).describe('How many notes to list (1-50, default 20).'),
  }),
  mode: 'inline',
  readsPrivateData: true,
  async execute({ limit }, context) {
    const notes = await createNotesRepo(context.pool).list(context.userId, limit);
    return {
      notes: notes.map((note) => ({ noteId: note.id, title: note.title, createdAt: note.createdAt.toISOString() })),
    };
  },
});

export const readNoteTool = defineTool({
  name: 'read_note',
  description:
    "Reads one of the user's saved notes in full. Use it after list_notes, with a noteId from its result. " +
    'Returns { noteId, title, body, createdAt }.',
  input: z.object({ noteId: z.string().min(1).max(200).describe('The noteId from list_notes or save_note.') }),
  mode: 'inline',
  readsPrivateData: true,
  async execute({ noteId }, context) {
    const note = await createNotesRepo(context.pool).get(noteId, context.userId);
    if (!note) throw new Error(`note ${noteId} not found`);
    return { noteId: note.id, title: note.title, body: note.body, createdAt: note.createdAt.toISOString() };
  },
});

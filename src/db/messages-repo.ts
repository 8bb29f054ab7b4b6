import { z } from 'zod';
import type { Queryable } from './pool.js';
import { uiPartsSchema, type UIPart } from './ui-parts.js';
import type { Usage } from '../llm/types.js';
import { toolResultSchema } from '../tools/tool-result.js';

export type MessageRole = 'system' | 'user' | 'assistant';

export interface StoredMessage {
  id: string;
  uiMessageId: string;
  role: MessageRole;
  parts: UIPart[];
  completionId: string | null;
  step: number;
  createdAt: Date;
}

const storedToolCallsSchema = z.record(
  z.string(),
  z.object({ mode: z.enum(['inline', 'durable', 'background']).nullable(), result: toolResultSchema.nullable() }),
);

/** A tool call's record as stored with it in tool_executions (its typed result, null while it has none). */
export type StoredToolCall = z.infer<typeof storedToolCallsSchema>[string];

/** A transcript row with the records of the tool calls its step made, by tool call id (none for other rows). */
export interface TranscriptMessage extends StoredMessage {
  toolCalls: Record<string, StoredToolCall>;
}

/** One UI message as useChat holds it: the steps of one assistant turn joined back together. */
export interface UIMessageView {
  id: string;
  role: MessageRole;
  parts: UIPart[];
  metadata?: { completionId: string };
}

interface MessageDbRow extends Omit<StoredMessage, 'parts'> {
  parts: unknown;
}

const COLUMNS = `id, ui_message_id AS "uiMessageId", role, parts, completion_id AS "completionId", step,
  created_at AS "createdAt"`;
const PREFIXED_COLUMNS = `m.id, m.ui_message_id AS "uiMessageId", m.role, m.parts, m.completion_id AS "completionId",
  m.step, m.created_at AS "createdAt"`;

function toStored(row: MessageDbRow): StoredMessage {
  return { ...row, parts: uiPartsSchema.parse(row.parts) };
}

function toTranscript({ toolCalls, ...row }: MessageDbRow & { toolCalls: unknown }): TranscriptMessage {
  return { ...toStored(row), toolCalls: storedToolCallsSchema.parse(toolCalls) };
}

/** A user's new message, as the opening of the turn that answers it stores it. */
export interface NewUserMessage {
  id: string;
  threadId: string;
  uiMessageId: string;
  parts: UIPart[];
}

/**
 * The user message's insert with its parameters numbered from `$first`, for the statement that opens the turn
 * answering it. Idempotent on (thread, client message id): a resent request does not duplicate the user's message.
 * Yields the row's id and whether this statement created it.
 */
export function userMessageInsert(m: NewUserMessage, first = 1): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO messages (id, thread_id, ui_message_id, role, parts)
         VALUES ($${first}, $${first + 1}, $${first + 2}, 'user', $${first + 3})
         ON CONFLICT (thread_id, ui_message_id, step) DO UPDATE SET thread_id = EXCLUDED.thread_id
         RETURNING id, (xmax = 0) AS inserted`,
    params: [m.id, m.threadId, m.uiMessageId, JSON.stringify(m.parts)],
  };
}

export function createMessagesRepo(db: Queryable) {
  return {
    /**
     * Writes one assistant step under its deterministic id; a retried step overwrites its earlier attempt. A
     * compaction made before the step (its `data-compaction` part) is not the attempt's to overwrite: it stays first.
     */
    async upsertAssistantStep(m: {
      id: string;
      threadId: string;
      uiMessageId: string;
      completionId: string;
      step: number;
      parts: UIPart[];
      usage: Usage | null;
      metadata?: Record<string, unknown>;
    }): Promise<void> {
      await db.query(
        `INSERT INTO messages (id, thread_id, ui_message_id, role, parts, completion_id, step, usage, metadata)
         VALUES ($1, $2, $3, 'assistant', $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET
           parts = coalesce((SELECT jsonb_agg(p) FROM jsonb_array_elements(messages.parts) p
                             WHERE p->>'type' = 'data-compaction'), '[]'::jsonb) || EXCLUDED.parts,
           usage = EXCLUDED.usage, metadata = EXCLUDED.metadata`,
        [
          m.id,
          m.threadId,
          m.uiMessageId,
          JSON.stringify(m.parts),
          m.completionId,
          m.step,
          JSON.stringify(m.usage),
          m.metadata ? JSON.stringify(m.metadata) : null,
        ],
      );
    },

    /**
     * Adds a part at the end of an assistant step (a steering message, between that step and the next), creating
     * the step's row with only its `step-start` when it has none (a step cut short before any text). Idempotent:
     * a part whose `type` and `id` the row already holds is not added again.
     */
    async appendToStep(m: {
      id: string;
      threadId: string;
      uiMessageId: string;
      completionId: string;
      step: number;
      part: UIPart & { id: string };
    }): Promise<void> {
      await db.query(
        `INSERT INTO messages (id, thread_id, ui_message_id, role, parts, completion_id, step)
         VALUES ($1, $2, $3, 'assistant', jsonb_build_array('{"type":"step-start"}'::jsonb, $4::jsonb), $5, $6)
         ON CONFLICT (id) DO UPDATE SET parts = messages.parts || jsonb_build_array($4::jsonb)
         WHERE NOT messages.parts @> jsonb_build_array(jsonb_build_object('type', $4::jsonb->'type', 'id', $4::jsonb->'id'))`,
        [m.id, m.threadId, m.uiMessageId, JSON.stringify(m.part), m.completionId, m.step],
      );
    },

    /**
     * Puts a compaction's `data-compaction` part first in the step it was made for (before the step's own parts, as
     * the stream sends it before `start-step`), creating the step's row when it has none yet. Idempotent by the
     * part's id.
     */
    async addCompactionPart(m: {
      id: string;
      threadId: string;
      uiMessageId: string;
      completionId: string;
      step: number;
      part: UIPart & { type: 'data-compaction'; id: string };
    }): Promise<void> {
      await db.query(
        `INSERT INTO messages (id, thread_id, ui_message_id, role, parts, completion_id, step)
         VALUES ($1, $2, $3, 'assistant', jsonb_build_array($4::jsonb), $5, $6)
         ON CONFLICT (id) DO UPDATE SET parts = jsonb_build_array($4::jsonb) || messages.parts
         WHERE NOT messages.parts @> jsonb_build_array(jsonb_build_object('type', 'data-compaction', 'id', $4::jsonb->'id'))`,
        [m.id, m.threadId, m.uiMessageId, JSON.stringify(m.part), m.completionId, m.step],
      );
    },

    /**
     * Puts a sub-agent's `data-subagent` part into the parent's step message, where a viewer's message holds it:
     * in place of an earlier one with the same id, else right after the tool call it answers (at the end when that
     * part is not there). One statement, so it composes with the tool result's own update of the same row.
     */
    async storeSubagentPart(toolCallId: string, part: { type: 'data-subagent'; id: string }): Promise<void> {
      await db.query(
        `UPDATE messages m SET parts = (
           SELECT jsonb_agg(kept.p ORDER BY kept.ord NULLS LAST) FROM (
             SELECT e.p, e.ord::numeric AS ord FROM jsonb_array_elements(m.parts) WITH ORDINALITY AS e(p, ord)
             WHERE e.p->>'id' IS DISTINCT FROM $2
             UNION ALL
             SELECT $3::jsonb, (
               SELECT e.ord + 0.5 FROM jsonb_array_elements(m.parts) WITH ORDINALITY AS e(p, ord)
               WHERE e.p->>'toolCallId' = $1 LIMIT 1
             )
           ) AS kept(p, ord)
         )
         FROM tool_executions t WHERE t.id = $1 AND m.id = t.message_id`,
        [toolCallId, part.id, JSON.stringify(part)],
      );
    },

    /** Adds a message the system writes into the thread (e.g. a background tool's result); idempotent by id. */
    async insertSystemMessage(m: {
      id: string;
      threadId: string;
      completionId: string;
      parts: UIPart[];
    }): Promise<void> {
      await db.query(
        `INSERT INTO messages (id, thread_id, ui_message_id, role, parts, completion_id)
         VALUES ($1, $2, $1, 'system', $3, $4) ON CONFLICT (id) DO NOTHING`,
        [m.id, m.threadId, JSON.stringify(m.parts), m.completionId],
      );
    },

    /** The thread's latest user message (what a regenerate answers again). */
    async latestUserMessage(threadId: string): Promise<{ id: string; uiMessageId: string } | undefined> {
      const { rows } = await db.query<{ id: string; uiMessageId: string }>(
        `SELECT id, ui_message_id AS "uiMessageId" FROM messages WHERE thread_id = $1 AND role = 'user'
         ORDER BY position DESC LIMIT 1`,
        [threadId],
      );
      return rows[0];
    },

    async deleteById(id: string): Promise<void> {
      await db.query(`DELETE FROM messages WHERE id = $1`, [id]);
    },

    /**
     * The transcript in turn order, leaving out one row (the step being (re)computed, whose old attempt may
     * exist). A turn's assistant steps follow the user message they answer, even when a later message was
     * stored while they ran (double texting). Each step comes with its tool calls' typed records: the model
     * reads those, the parts' states and error texts are the browser's view of them.
     */
    async listForThread(threadId: string, excludeId?: string): Promise<TranscriptMessage[]> {
      const { rows } = await db.query<MessageDbRow & { toolCalls: unknown }>(
        `SELECT ${PREFIXED_COLUMNS}, coalesce(calls.records, '{}'::jsonb) AS "toolCalls" FROM messages m
         LEFT JOIN completions c ON m.role = 'assistant' AND c.id = m.completion_id
         LEFT JOIN messages answered ON answered.id = c.user_message_id
         LEFT JOIN LATERAL (
           SELECT jsonb_object_agg(t.id, jsonb_build_object('mode', t.mode, 'result', t.result)) AS records
           FROM tool_executions t WHERE m.role = 'assistant' AND t.completion_id = m.completion_id AND t.message_id = m.id
         ) calls ON true
         WHERE m.thread_id = $1 AND ($2::text IS NULL OR m.id <> $2) AND c.superseded_at IS NULL
         ORDER BY coalesce(answered.position, m.position), m.role = 'assistant', m.step, m.position`,
        [threadId, excludeId ?? null],
      );
      return rows.map(toTranscript);
    },

    async listByCompletion(completionId: string): Promise<StoredMessage[]> {
      const { rows } = await db.query<MessageDbRow>(
        `SELECT ${COLUMNS} FROM messages WHERE completion_id = $1 ORDER BY step`,
        [completionId],
      );
      return rows.map(toStored);
    },
  };
}

/** Groups stored rows into UI messages, in transcript order. */
export function toUIMessages(rows: StoredMessage[]): UIMessageView[] {
  const byId = new Map<string, UIMessageView>();
  for (const row of rows) {
    const existing = byId.get(row.uiMessageId);
    if (existing) {
      existing.parts.push(...row.parts);
      continue;
    }
    byId.set(row.uiMessageId, {
      id: row.uiMessageId,
      role: row.role,
      parts: [...row.parts],
      ...(row.completionId ? { metadata: { completionId: row.completionId } } : {}),
    });
  }
  return [...byId.values()];
}

export type MessagesRepo = ReturnType<typeof createMessagesRepo>;

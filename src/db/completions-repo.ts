import type { CompletionStatus } from '../workflows/definitions.js';
import { auditInsert, type AuditEvent } from './audit-repo.js';
import { userMessageInsert, type NewUserMessage } from './messages-repo.js';
import type { Queryable } from './pool.js';

// The statuses are a workflow contract (LonghaulStatus); re-exported for the repository's many readers.
export { ACTIVE_STATUSES, type CompletionStatus } from '../workflows/definitions.js';

export interface CompletionRow {
  id: string;
  threadId: string;
  userId: string;
  model: string;
  status: CompletionStatus;
  assistantMessageId: string;
  workflowId: string;
  steps: number;
  finishReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  error: { code: string; message: string } | null;
  agent: string | null;
  agentVersion: string | null;
  output: unknown;
  createdAt: Date;
  startedAt: Date | null;
  firstTokenAt: Date | null;
  finishedAt: Date | null;
  cancelRequestedAt: Date | null;
  /** Set when the turn was answered again (regenerate): this answer left the transcript. */
  supersededAt: Date | null;
}

const COLUMNS = `id, thread_id AS "threadId", user_id AS "userId", model, status,
  assistant_message_id AS "assistantMessageId", workflow_id AS "workflowId", steps,
  finish_reason AS "finishReason", input_tokens AS "inputTokens", output_tokens AS "outputTokens", error,
  agent, agent_version AS "agentVersion", output,
  created_at AS "createdAt", started_at AS "startedAt", first_token_at AS "firstTokenAt",
  finished_at AS "finishedAt", cancel_requested_at AS "cancelRequestedAt",
  superseded_at AS "supersededAt"`;

export interface NewCompletion {
  id: string;
  threadId: string;
  userId: string;
  model: string;
  assistantMessageId: string;
  workflowId: string;
  /** Set for a turn that must wait for this earlier completion of the thread to end (`enqueue`, `interrupt`). */
  afterCompletionId?: string;
  /** The user message this completion answers: the row id of a stored one, or a new one to store. */
  answers: { storedId: string } | NewUserMessage;
  agent: { name: string; version: string };
  parentCompletionId?: string;
}

/** Every write here is idempotent, because activities that call it are retried. */
export function createCompletionsRepo(db: Queryable) {
  return {
    /**
     * Writes the completion unless it exists (a retried opening), the user message it answers when that is new
     * (stored once per UI message id), and points its thread at it, in one statement: the opening's transaction
     * pays one round trip for what took four (the message, a read before the insert, the insert, the pointer).
     * Returns the answered message's row id and whether this call stored it.
     */
    async createAndActivate(c: NewCompletion): Promise<{ id: string; inserted: boolean }> {
      const answered =
        'storedId' in c.answers
          ? { sql: 'SELECT $12::text AS id, false AS inserted', params: [c.answers.storedId] }
          : userMessageInsert(c.answers, 12);
      const { rows } = await db.query<{ id: string; inserted: boolean }>(
        `WITH answered AS (
           ${answered.sql}
         ), created AS (
           INSERT INTO completions (id, thread_id, user_id, model, status, assistant_message_id, workflow_id,
             after_completion_id, user_message_id, agent, agent_version, parent_completion_id)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, answered.id, $9, $10, $11 FROM answered
           ON CONFLICT (id) DO NOTHING
         ), activated AS (
           UPDATE threads SET active_completion_id = $1, updated_at = now() WHERE id = $2
         )
         SELECT id, inserted FROM answered`,
        [
          c.id,
          c.threadId,
          c.userId,
          c.model,
          c.afterCompletionId ? 'queued' : 'running',
          c.assistantMessageId,
          c.workflowId,
          c.afterCompletionId ?? null,
          c.agent.name,
          c.agent.version,
          c.parentCompletionId ?? null,
          ...answered.params,
        ],
      );
      return rows[0]!;
    },

    async get(id: string): Promise<CompletionRow | undefined> {
      const { rows } = await db.query<CompletionRow>(`SELECT ${COLUMNS} FROM completions WHERE id = $1`, [id]);
      return rows[0];
    },

    /** The earlier completion of the thread this one was opened to wait for (double texting), if any. */
    async afterCompletionIdOf(id: string): Promise<string | undefined> {
      const { rows } = await db.query<{ after: string | null }>(
        `SELECT after_completion_id AS after FROM completions WHERE id = $1`,
        [id],
      );
      return rows[0]?.after ?? undefined;
    },

    /** The user's completion, with the id its thread's client names it by (what the API shows). */
    async getForUser(id: string, userId: string): Promise<(CompletionRow & { clientThreadId: string }) | undefined> {
      const { rows } = await db.query<CompletionRow & { clientThreadId: string }>(
        `SELECT ${COLUMNS}, (SELECT client_id FROM threads WHERE threads.id = completions.thread_id) AS "clientThreadId"
         FROM completions WHERE id = $1 AND user_id = $2`,
        [id, userId],
      );
      return rows[0];
    },

    async listByThread(threadId: string): Promise<CompletionRow[]> {
      const { rows } = await db.query<CompletionRow>(
        `SELECT ${COLUMNS} FROM completions WHERE thread_id = $1 ORDER BY created_at`,
        [threadId],
      );
      return rows;
    },

    /**
     * A queued turn becomes running when it starts; `fact` (the ledger's `message_received`) is appended by the same
     * statement, atomic on its own, so beginning a turn costs one round trip rather than a transaction's four.
     */
    async markStarted(id: string, fact: AuditEvent): Promise<void> {
      const audit = auditInsert(fact, 2);
      await db.query(
        `WITH started AS (
           UPDATE completions SET started_at = coalesce(started_at, now()),
             status = CASE WHEN status = 'queued' THEN 'running' ELSE status END
           WHERE id = $1
         )
         ${audit.sql}`,
        [id, ...audit.params],
      );
    },

    /** Records the first token once; returns seconds since the completion was created, or null if already set. */
    async markFirstToken(id: string): Promise<number | null> {
      const { rows } = await db.query<{ seconds: number }>(
        `UPDATE completions SET first_token_at = now() WHERE id = $1 AND first_token_at IS NULL
         RETURNING extract(epoch FROM now() - created_at)::float8 AS seconds`,
        [id],
      );
      return rows[0]?.seconds ?? null;
    },

    /** The finished answers to a user message that are still in the transcript. */
    async listCurrentAnswers(userMessageId: string): Promise<CompletionRow[]> {
      const { rows } = await db.query<CompletionRow>(
        `SELECT ${COLUMNS} FROM completions WHERE user_message_id = $1 AND superseded_at IS NULL ORDER BY created_at`,
        [userMessageId],
      );
      return rows;
    },

    /** Takes answers out of the transcript (regenerate), or puts them back (`at` null) when that turn is undone. */
    async setSuperseded(ids: string[], at: 'now' | null): Promise<void> {
      await db.query(`UPDATE completions SET superseded_at = ${at === 'now' ? 'now()' : 'NULL'} WHERE id = ANY($1)`, [
        ids,
      ]);
    },

    /** The first Stop wins; later ones keep its time. */
    async markCancelRequested(id: string): Promise<void> {
      await db.query(
        `UPDATE completions SET cancel_requested_at = now() WHERE id = $1 AND cancel_requested_at IS NULL`,
        [id],
      );
    },
    async setStatus(id: string, status: CompletionStatus): Promise<void> {
      await db.query(`UPDATE completions SET status = $2 WHERE id = $1 AND finished_at IS NULL`, [id, status]);
    },

    /**
     * Ends the completion once, frees its thread (the pointer is cleared only if it still names this completion, so
     * a newer turn is never cleared by an old one) and appends `fact` (the ledger's `completion_finished`), in one
     * statement. Totals are summed over every model call attempt (failed and retried ones included), recorded once
     * each; steps are the persisted step messages. The fact's data gets them as `steps`, `inputTokens` and
     * `outputTokens` (0 when no call reported usage), and the finished row is returned with them, so nothing is
     * read back. A second call changes nothing and returns nothing.
     */
    async finish(
      completion: { id: string; threadId: string },
      outcome: { status: CompletionStatus; finishReason?: string; error?: { code: string; message: string } },
      fact: AuditEvent,
    ): Promise<CompletionRow | undefined> {
      const audit = auditInsert(fact, 6, {
        source: 'finished',
        data: `jsonb_build_object('steps', steps, 'inputTokens', coalesce("inputTokens", 0), 'outputTokens', coalesce("outputTokens", 0))`,
      });
      const { rows } = await db.query<CompletionRow>(
        `WITH freed AS (
           UPDATE threads SET active_completion_id = NULL, updated_at = now()
           WHERE id = $5 AND active_completion_id = $1
         ), finished AS (
           UPDATE completions c SET
             status = $2, finish_reason = $3, error = $4, finished_at = now(),
             steps = totals.total_steps, input_tokens = totals.total_input, output_tokens = totals.total_output
           FROM (
             SELECT (SELECT count(*)::int FROM messages WHERE completion_id = $1 AND role = 'assistant') AS total_steps,
                    sum(input_tokens)::int AS total_input,
                    sum(output_tokens)::int AS total_output
             FROM usage_events WHERE completion_id = $1
           ) totals
           WHERE c.id = $1 AND c.finished_at IS NULL
           RETURNING ${COLUMNS}
         ), recorded AS (
           ${audit.sql}
         )
         SELECT * FROM finished`,
        [
          completion.id,
          outcome.status,
          outcome.finishReason ?? null,
          outcome.error ? JSON.stringify(outcome.error) : null,
          completion.threadId,
          ...audit.params,
        ],
      );
      return rows[0];
    },

    async setOutput(id: string, output: unknown): Promise<void> {
      await db.query(`UPDATE completions SET output = $2 WHERE id = $1`, [id, JSON.stringify(output)]);
    },

    /**
     * The user's live work (a sidebar's source), newest first, with the thread title and steps so far; `threadId`
     * is the id the thread's client names it by.
     */
    async listActive(userId: string, statuses: readonly CompletionStatus[]) {
      const { rows } = await db.query<{
        id: string;
        threadId: string;
        threadTitle: string | null;
        agent: string | null;
        model: string;
        status: CompletionStatus;
        step: number;
        startedAt: Date | null;
        createdAt: Date;
      }>(
        `SELECT c.id, t.client_id AS "threadId", t.title AS "threadTitle", c.agent, c.model, c.status,
           (SELECT count(*)::int FROM messages m WHERE m.completion_id = c.id AND m.role = 'assistant') AS step,
           c.started_at AS "startedAt", c.created_at AS "createdAt"
         FROM completions c JOIN threads t ON t.id = c.thread_id
         WHERE c.user_id = $1 AND c.status = ANY($2) ORDER BY c.created_at DESC LIMIT 200`,
        [userId, statuses],
      );
      return rows;
    },

    async delete(id: string): Promise<void> {
      await db.query(`DELETE FROM completions WHERE id = $1`, [id]);
    },
  };
}

export type CompletionsRepo = ReturnType<typeof createCompletionsRepo>;

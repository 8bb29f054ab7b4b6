import type { Queryable } from './pool.js';

/** A summary of a thread's transcript up to (and including) one message row, sent in place of those rows. */
export interface Compaction {
  id: string;
  threadId: string;
  completionId: string;
  step: number;
  round: number;
  throughMessageId: string;
  coveredMessages: number;
  previousId: string | null;
  summary: string;
  summaryTokens: number;
  inputTokens: number;
  outputTokens: number;
}

const COLUMNS = `id, thread_id AS "threadId", completion_id AS "completionId", step, round,
  through_message_id AS "throughMessageId", covered_messages AS "coveredMessages", previous_id AS "previousId",
  summary, summary_tokens AS "summaryTokens", input_tokens AS "inputTokens", output_tokens AS "outputTokens"`;

export function compactionId(completionId: string, step: number, round: number): string {
  return `${completionId}:${step}:${round}`;
}

export function createCompactionsRepo(db: Queryable) {
  return {
    /** Idempotent by id: a retried compaction that finds its row keeps the first one. */
    async insert(compaction: Compaction): Promise<void> {
      await db.query(
        `INSERT INTO context_compactions (id, thread_id, completion_id, step, round, through_message_id,
           covered_messages, previous_id, summary, summary_tokens, input_tokens, output_tokens)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
        [
          compaction.id,
          compaction.threadId,
          compaction.completionId,
          compaction.step,
          compaction.round,
          compaction.throughMessageId,
          compaction.coveredMessages,
          compaction.previousId,
          compaction.summary,
          compaction.summaryTokens,
          compaction.inputTokens,
          compaction.outputTokens,
        ],
      );
    },

    async get(id: string): Promise<Compaction | undefined> {
      const { rows } = await db.query<Compaction>(`SELECT ${COLUMNS} FROM context_compactions WHERE id = $1`, [id]);
      return rows[0];
    },

    /** The thread's compactions, newest first: the first whose covered row is still in the transcript applies. */
    async listForThread(threadId: string): Promise<Compaction[]> {
      const { rows } = await db.query<Compaction>(
        `SELECT ${COLUMNS} FROM context_compactions WHERE thread_id = $1 ORDER BY created_at DESC, id DESC`,
        [threadId],
      );
      return rows;
    },
  };
}

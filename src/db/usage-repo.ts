import type { Queryable } from './pool.js';

export interface UsageEvent {
  completionId: string;
  userId: string;
  step: number;
  attempt: number;
  inputTokens: number;
  outputTokens: number;
  estimated: boolean;
  outcome: 'completed' | 'failed' | 'cancelled';
}

/** Usage per model call attempt; written once per attempt (a retried write of the same attempt changes nothing). */
export function createUsageRepo(db: Queryable) {
  return {
    async record(event: UsageEvent): Promise<void> {
      await db.query(
        `INSERT INTO usage_events (completion_id, user_id, step, attempt, input_tokens, output_tokens, estimated, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
        [
          event.completionId,
          event.userId,
          event.step,
          event.attempt,
          event.inputTokens,
          event.outputTokens,
          event.estimated,
          event.outcome,
        ],
      );
    },

    /** Tokens (input + output) used by one completion, and by its user since the start of the UTC day. */
    async totals(completionId: string, userId: string): Promise<{ completion: number; userToday: number }> {
      const { rows } = await db.query<{ completion: string; user_today: string }>(
        `SELECT
           coalesce(sum(input_tokens + output_tokens) FILTER (WHERE completion_id = $1), 0) AS completion,
           coalesce(sum(input_tokens + output_tokens), 0) AS user_today
         FROM usage_events WHERE user_id = $2 AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
        [completionId, userId],
      );
      return { completion: Number(rows[0]?.completion ?? 0), userToday: Number(rows[0]?.user_today ?? 0) };
    },
  };
}

export type UsageRepo = ReturnType<typeof createUsageRepo>;

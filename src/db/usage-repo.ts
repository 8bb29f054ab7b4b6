import { auditInsert, type AuditEvent } from './audit-repo.js';
import type { Queryable } from './pool.js';

export interface UsageEvent {
  completionId: string;
  /** The top completion of a sub-agent tree (itself for a top-level completion): budgets are per tree. */
  rootCompletionId: string;
  userId: string;
  step: number;
  attempt: number;
  inputTokens: number;
  outputTokens: number;
  estimated: boolean;
  outcome: 'completed' | 'failed' | 'cancelled';
  /** A compaction's summarising call (its round within the step), else the step's answer. */
  compaction?: { round: number };
}

/** Usage per model call attempt; written once per attempt (a retried write of the same attempt changes nothing). */
export function createUsageRepo(db: Queryable) {
  return {
    /** Writes the attempt's usage, and with `fact` its ledger row in the same statement (one round trip). */
    async record(event: UsageEvent, fact?: AuditEvent): Promise<void> {
      const usage = [
        event.completionId,
        event.userId,
        event.step,
        event.attempt,
        event.inputTokens,
        event.outputTokens,
        event.estimated,
        event.outcome,
        event.rootCompletionId,
        event.compaction ? 'compaction' : 'answer',
        event.compaction?.round ?? 0,
      ];
      const insert = `INSERT INTO usage_events (completion_id, user_id, step, attempt, input_tokens, output_tokens,
           estimated, outcome, root_completion_id, purpose, round)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`;
      if (!fact) {
        await db.query(insert, usage);
        return;
      }
      const audit = auditInsert(fact, usage.length + 1);
      await db.query(`WITH charged AS (${insert}) ${audit.sql}`, [...usage, ...audit.params]);
    },

    /**
     * Tokens (input + output) used by a completion tree (a completion and its sub-agents, by root id), and by
     * its user since the start of the UTC day.
     */
    async totals(rootCompletionId: string, userId: string): Promise<{ completion: number; userToday: number }> {
      const { rows } = await db.query<{ completion: string; user_today: string }>(
        `WITH today AS (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start)
         SELECT
           coalesce(sum(input_tokens + output_tokens) FILTER (WHERE root_completion_id = $1), 0) AS completion,
           coalesce(sum(input_tokens + output_tokens) FILTER (WHERE created_at >= today.start), 0) AS user_today
         FROM usage_events, today
         WHERE user_id = $2 AND (root_completion_id = $1 OR created_at >= today.start)`,
        [rootCompletionId, userId],
      );
      return { completion: Number(rows[0]?.completion ?? 0), userToday: Number(rows[0]?.user_today ?? 0) };
    },
  };
}

export type UsageRepo = ReturnType<typeof createUsageRepo>;

/**
 * Token budgets: a completion's own (its sub-agents spend it too, through the root completion) and each user's per
 * UTC day. Checked before every model call, so a spent budget refuses the call before anything is streamed or
 * written; the caller turns the refusal into its own kind of failure.
 */
import { createAuditRepo } from '../db/audit-repo.js';
import { createUsageRepo } from '../db/usage-repo.js';
import type { CallModelInput } from '../workflows/definitions.js';
import type { LifecycleDeps, Origin } from './lifecycle-deps.js';

/**
 * Returns what was exceeded, worded for the user, or undefined when the call may go ahead. A refusal is written
 * to the audit ledger once per step, however often the call is retried.
 */
export async function checkBudgets(
  { pool }: LifecycleDeps,
  origin: Origin,
  step: CallModelInput,
  dailyBudget: number,
): Promise<string | undefined> {
  const budget = step.limits.tokenBudget;
  if (!budget && !dailyBudget) return undefined;
  const used = await createUsageRepo(pool).totals(step.parent?.rootCompletionId ?? step.completionId, step.userId);
  const exceeded =
    budget && used.completion >= budget
      ? `this completion used ${used.completion} of its ${budget} token budget`
      : dailyBudget && used.userToday >= dailyBudget
        ? `you used ${used.userToday} of your ${dailyBudget} tokens for today`
        : undefined;
  if (!exceeded) return undefined;
  await createAuditRepo(pool).append({
    key: `budget_exceeded:${step.completionId}:${step.step}`,
    threadId: step.threadId,
    completionId: step.completionId,
    userId: step.userId,
    type: 'budget_exceeded',
    actor: 'system',
    data: {
      step: step.step,
      completionTokens: used.completion,
      userTokensToday: used.userToday,
      budget,
      daily: dailyBudget,
    },
    ...origin,
  });
  return exceeded;
}

/**
 * The `compactContext` activity: summarises a thread's older turns by a model call of its own, when a step's
 * transcript would not fit in its context window (callModel said so and sent nothing). Durable and idempotent:
 * the compaction is stored under `<completion>:<step>:<round>`, so a retry that finds it (a worker that died after
 * storing it) neither calls the model nor stores it again; it only makes sure the step shows it. Budgeted and
 * audited like a model call: the budgets are checked first, the call's usage is charged (purpose `compaction`),
 * and the ledger gets a `context_compacted` row.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { checkBudgets } from '../completions/budgets.js';
import { afterCompaction } from '../completions/context-window.js';
import { contextPolicyFor, inputBudget } from '../completions/context-policy.js';
import { planCompaction, summaryRequest } from '../completions/compaction-plan.js';
import { toModelContext } from '../completions/model-context.js';
import { stepMessageId } from '../completions/record-step.js';
import { createAuditRepo } from '../db/audit-repo.js';
import { compactionId, createCompactionsRepo, type Compaction } from '../db/compactions-repo.js';
import { createMessagesRepo, type TranscriptMessage } from '../db/messages-repo.js';
import { createUsageRepo } from '../db/usage-repo.js';
import { estimateTokensByChars } from '../llm/char-token-estimate.js';
import { toProviderError } from '../llm/provider-error.js';
import type { ModelProvider, ModelRequest, Usage } from '../llm/types.js';
import { DEFAULT_MODEL_OUTPUT_CHARS } from '../tools/tool-definition.js';
import { FAILURE_TYPES, type CompactContextInput } from '../workflows/definitions.js';
import { activityOrigin } from './activity-origin.js';
import { resolveProvider, toActivityFailure } from './call-model.js';
import type { ActivityDeps } from './deps.js';

export function createCompactContext(deps: ActivityDeps) {
  const { pool, publisher, tools, agents, settings } = deps;
  const compactions = createCompactionsRepo(pool);
  const messages = createMessagesRepo(pool);
  const messagesOf = (rows: TranscriptMessage[]) =>
    toModelContext(rows, { outputCap: (name) => tools.get(name)?.maxModelOutputChars ?? DEFAULT_MODEL_OUTPUT_CHARS });

  /** Summarises the next rows (extending the thread's current summary) and stores the result. */
  async function summarise(input: CompactContextInput, id: string): Promise<Compaction> {
    const context = Context.current();
    const origin = activityOrigin();
    const exceeded = await checkBudgets(deps, origin, input, settings.userDailyTokenBudget);
    if (exceeded) {
      throw ApplicationFailure.create({
        type: FAILURE_TYPES.budgetExceeded,
        message: `budget_exceeded: ${exceeded}`,
        nonRetryable: true,
      });
    }
    const { provider, model } = resolveProvider(deps.providers, input.model);
    const [rows, stored] = await Promise.all([
      messages.listForThread(input.threadId, stepMessageId(input.completionId, input.step)),
      compactions.listForThread(input.threadId),
    ]);
    const kept = afterCompaction(rows, stored);
    const agent = input.agent ? agents.get(input.agent.name) : undefined;
    const policy = contextPolicyFor({
      agent,
      model: input.model,
      maxOutputTokens: input.limits.maxOutputTokens,
      windowOverride: settings.contextWindowTokens,
    });
    const budget = inputBudget(policy);
    const previous = kept.compaction;
    const covered = planCompaction(kept.rows, messagesOf, budget, previous?.summary);
    if (!covered) {
      throw ApplicationFailure.create({
        type: FAILURE_TYPES.contextOverflow,
        message: 'context_overflow: only the newest message is left to send, and it does not fit in the context window',
        nonRetryable: true,
      });
    }
    const request = summaryRequest(model, messagesOf(covered), previous?.summary, budget);
    const { summary, usage } = await runSummary(provider, request, context).catch(async (error: unknown) => {
      await charge(input, context.info.attempt, estimateUsage(request), 'failed', true);
      // A Stop (or a `now` steering message) ends the call as the cancellation it is, not as a provider failure.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      if (error instanceof ApplicationFailure) throw error;
      throw toActivityFailure(toProviderError(provider.name, error, context.cancellationSignal));
    });
    const through = covered.at(-1)!;
    const compaction: Compaction = {
      id,
      threadId: input.threadId,
      completionId: input.completionId,
      step: input.step,
      round: input.round,
      throughMessageId: through.id,
      coveredMessages: rows.indexOf(through) + 1,
      previousId: previous?.id ?? null,
      summary,
      summaryTokens: usage.outputTokens,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
    };
    await charge(input, context.info.attempt, usage, 'completed', false);
    await createAuditRepo(pool).append({
      key: `context_compacted:${id}`,
      threadId: input.threadId,
      completionId: input.completionId,
      userId: input.userId,
      type: 'context_compacted',
      actor: 'model',
      data: {
        compactionId: id,
        model: input.model,
        step: input.step,
        round: input.round,
        attempt: context.info.attempt,
        coveredMessages: compaction.coveredMessages,
        throughMessageId: compaction.throughMessageId,
        extends: compaction.previousId,
        windowTokens: policy.windowTokens,
        reserveTokens: policy.reserveTokens,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
      },
      ...origin,
    });
    // Stored last: a compaction that exists is one whose call was charged and audited.
    await compactions.insert(compaction);
    return compaction;
  }

  async function charge(
    input: CompactContextInput,
    attempt: number,
    usage: Usage,
    outcome: 'completed' | 'failed',
    estimated: boolean,
  ): Promise<void> {
    await createUsageRepo(pool).record({
      completionId: input.completionId,
      rootCompletionId: input.parent?.rootCompletionId ?? input.completionId,
      userId: input.userId,
      step: input.step,
      attempt,
      ...usage,
      estimated,
      outcome,
      compaction: { round: input.round },
    });
  }

  return async function compactContext(input: CompactContextInput): Promise<{ compactionId: string }> {
    const id = compactionId(input.completionId, input.step, input.round);
    const compaction = (await compactions.get(id)) ?? (await summarise(input, id));
    const part = {
      type: 'data-compaction' as const,
      id: `compaction-${id}`,
      data: {
        compactionId: id,
        coveredMessages: compaction.coveredMessages,
        summaryTokens: compaction.summaryTokens,
        extends: compaction.previousId,
      },
    };
    await messages.addCompactionPart({
      id: stepMessageId(input.completionId, input.step),
      threadId: input.threadId,
      uiMessageId: input.assistantMessageId,
      completionId: input.completionId,
      step: input.step,
      part,
    });
    // Sent again by a retry that found the compaction stored: the client replaces a data part by its id.
    await publisher.publish(input.completionId, part);
    return { compactionId: id };
  };
}

const HEARTBEAT_EVERY_MS = 1_000;

/** Streams the summary, heartbeating per event so a dead worker's call is retried and a Stop reaches it. */
async function runSummary(
  provider: ModelProvider,
  request: ModelRequest,
  context: Context,
): Promise<{ summary: string; usage: Usage }> {
  let summary = '';
  let usage: Usage | undefined;
  // Also while the model is silent (before its first token): the heartbeat timeout judges the worker, not the model.
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    for await (const event of provider.stream(request, context.cancellationSignal)) {
      context.heartbeat();
      if (event.type === 'text-delta') summary += event.delta;
      if (event.type === 'usage') usage = event.usage;
    }
  } finally {
    clearInterval(beat);
  }
  if (!summary.trim()) {
    throw ApplicationFailure.retryable(
      'the model answered the compaction with an empty summary',
      FAILURE_TYPES.providerUnavailable,
    );
  }
  return {
    summary: summary.trim(),
    usage: usage ?? { ...estimateUsage(request), outputTokens: estimateTokensByChars(summary) },
  };
}

function estimateUsage(request: ModelRequest): Usage {
  return { inputTokens: estimateTokensByChars([request.system, request.messages]), outputTokens: 0 };
}

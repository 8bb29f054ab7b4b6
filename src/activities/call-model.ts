import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { checkBudgets } from '../completions/budgets.js';
import { egressPolicyFor } from '../completions/egress.js';
import {
  announceStep,
  keepStoppedText,
  markFirstToken,
  recordAttempt,
  recordStep,
  stepMessageId,
  type StreamedAttempt,
} from '../completions/record-step.js';
import { createChunkBatcher } from '../stream/chunk-batcher.js';
import { createStepStream, reasoningIdFor, textIdFor, toolCallIdFor } from '../completions/step-stream.js';
import { createObjectStream } from '../completions/structured-output.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { parseModelString } from '../llm/model-string.js';
import { ProviderError, toProviderError } from '../llm/provider-error.js';
import { metrics, providerErrorClass } from '../metrics.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import { FAILURE_TYPES, type CallModelInput, type StepSummary } from '../workflows/definitions.js';
import { contextPolicyFor, type ContextPolicy } from '../completions/context-policy.js';
import { afterCompaction, checkFit, summaryMessage, type FitVerdict } from '../completions/context-window.js';
import { createCompactionsRepo, type Compaction } from '../db/compactions-repo.js';
import { DEFAULT_MODEL_OUTPUT_CHARS } from '../tools/tool-definition.js';
import { createBeginCompletion } from './begin-completion.js';
import { activityOrigin } from './activity-origin.js';
import type { ActivityDeps } from './deps.js';
import { createModelCallGuard } from './model-call-guard.js';
import { startedNow } from './started-now.js';
import { createSystemPromptBuilder } from './system-prompt.js';
import { toModelContext } from '../completions/model-context.js';
import { deliverSteering } from '../completions/steering.js';

/**
 * One model call of a completion: checks the token budgets, loads the transcript from Postgres, streams the
 * provider's answer to Redis chunk by chunk, and hands the finished step to the lifecycle module, which records it
 * and returns its summary. What stays here is Temporal's part: the attempt number, heartbeats and cancellation
 * (the guard), and turning refusals and provider errors into ApplicationFailures that drive Temporal's retries.
 *
 * Retries: each attempt streams under its own text part id; a retried attempt first drops its predecessor's
 * chunks from the replay log and tells live viewers with `data-step-reset`. Stop: a cancelled attempt keeps
 * the reasoning and text streamed so far (marked stopped) and ends as a cancellation.
 */
export function createCallModel(deps: ActivityDeps) {
  const { pool, publisher, stopHints, providers, tools, agents, settings } = deps;
  const beginTurn = createBeginCompletion(deps);
  const messages = createMessagesRepo(pool);
  const systemPromptFor = createSystemPromptBuilder({ db: pool, agents, tools });
  const compactions = createCompactionsRepo(pool);
  const outputCap = (toolName: string) => tools.get(toolName)?.maxModelOutputChars ?? DEFAULT_MODEL_OUTPUT_CHARS;

  return async function callModel(input: CallModelInput): Promise<StepSummary> {
    const context = Context.current();
    const attempt = context.info.attempt;
    const origin = activityOrigin();
    const { provider, model } = resolveProvider(providers, input.model);
    // A retried attempt first drops its predecessor's chunks from the replay log, before the turn's `start` is
    // sent again below: that one must stay, it opens what a resume replays.
    if (attempt > 1) await publisher.dropStepChunks(input.completionId, input.step);
    // Opening the turn, loading the transcript and sending the request are all on the first token's path: they
    // overlap, and only the stream's own chunks wait for `start` to be out.
    const opening = input.begin ? beginTurn(input) : Promise.resolve();
    void opening.catch(() => {});

    const enforceBudgets = async () => {
      const exceeded = await checkBudgets(deps, origin, input, settings.userDailyTokenBudget);
      if (exceeded) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.budgetExceeded,
          message: `budget_exceeded: ${exceeded}`,
          nonRetryable: true,
        });
      }
    };
    let loaded: [
      void,
      Awaited<ReturnType<typeof messages.listForThread>>,
      Awaited<ReturnType<typeof systemPromptFor>>,
      Compaction[],
    ];
    let received: UIMessageChunk[] = [];
    try {
      const budgets = enforceBudgets();
      // Steering messages this step receives are written into the transcript before it is read, once the budgets
      // have let the step run: a message is delivered only to a model call that is made.
      if (input.steering) received = await budgets.then(() => deliverSteering(deps, origin, input));
      loaded = await Promise.all([
        budgets,
        messages.listForThread(input.threadId, stepMessageId(input.completionId, input.step)),
        systemPromptFor(input),
        compactions.listForThread(input.threadId),
      ]);
    } catch (error) {
      // A refused turn is still opened first, so its `error` follows a `start` like every other answer.
      await opening;
      throw error;
    }
    const [, rows, { system, agent }, stored] = loaded;
    const kept = afterCompaction(rows, stored);
    const transcript = [...summaryMessage(kept.compaction), ...toModelContext(kept.rows, { outputCap })];
    const outputSchema = input.structuredOutput ? agent?.output : undefined;
    const allowedTools = input.tools ?? [];
    const publish = (chunk: UIMessageChunk) => publisher.publish(input.completionId, chunk);
    const request = {
      model,
      ...(system ? { system } : {}),
      messages: transcript,
      maxOutputTokens: input.limits.maxOutputTokens,
      ...(allowedTools.length > 0 ? { tools: tools.schemasFor(allowedTools) } : {}),
    };
    const policy = contextPolicyFor({
      agent,
      model: input.model,
      maxOutputTokens: input.limits.maxOutputTokens,
      windowOverride: settings.contextWindowTokens,
    });
    let fit: FitVerdict;
    try {
      fit = await checkFit(provider, request, policy, kept.rows.length, context.cancellationSignal);
    } catch (error) {
      await opening;
      // Stopped (or cut for a `now` message) while counting: a cancellation, which the workflow tells from a failure.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      throw error instanceof ProviderError ? toActivityFailure(error) : error;
    }
    if (fit.kind !== 'fits') {
      await opening;
      if (fit.kind === 'compact') {
        // Nothing was sent: the steering messages this call delivered are shown now, the call after the
        // compaction finds them delivered already.
        for (const chunk of received) await publish(chunk);
        return {
          messageId: stepMessageId(input.completionId, input.step),
          toolCalls: [],
          rejectedToolCalls: 0,
          usage: null,
          finishReason: 'other',
          compact: true,
        };
      }
      throw contextFailure(fit, policy, input.agent?.name);
    }
    const startedAt = Date.now();
    const guard = createModelCallGuard(context, {
      stallTimeoutMs: settings.stallTimeoutMs,
      stopConfirmTimeoutMs: settings.stopConfirmTimeoutMs,
      watchStop: (onStop) => stopHints.watch(input.completionId, onStop),
    });
    const events = startedNow(provider.stream(request, guard.signal));
    try {
      await opening;
      await announceStep(deps, input, attempt, received);
    } catch (error) {
      guard.dispose();
      throw error;
    }

    // The stream's own chunks may be batched; everything published directly waits until they are out.
    const batcher = createChunkBatcher(publisher, input.completionId);
    const objectStream = outputSchema ? createObjectStream(input.completionId, batcher.publish) : undefined;
    const stream = createStepStream({
      publish: batcher.publish,
      ...(objectStream ? { textSink: (delta: string) => objectStream.append(delta) } : {}),
      textId: textIdFor(input.step, attempt),
      reasoningId: reasoningIdFor(input.step, attempt),
      toolCallId: (index) => toolCallIdFor(input.completionId, input.step, index),
      onFirstText: () => markFirstToken(deps, input),
    });
    const streamed = (): StreamedAttempt => {
      const { reasoning, text, calls, usage, finishReason } = stream.state;
      return {
        attempt,
        sent: transcript,
        startedAt,
        reasoning,
        text,
        calls,
        usage,
        finishReason,
        countedInputTokens: fit.tokens,
      };
    };

    try {
      for await (const event of events) {
        guard.touch();
        await stream.handle(event);
      }
    } catch (error) {
      const stall = guard.stalled();
      if (guard.stopped()) {
        await stream.close();
        await batcher.flushed();
        // Stopped by the hint: the user sees `abort` now, not when the workflow's bookkeeping has caught up.
        if (!context.cancellationSignal.aborted) await publish({ type: 'abort', reason: 'cancelled' });
        await keepStoppedText(deps, input, { attempt, ...stream.state });
        await recordAttempt(deps, origin, input, streamed(), 'cancelled');
        throw await guard.cancellation();
      }
      // What was queued before the failure still reaches viewers ahead of the retry's `data-step-reset`.
      await batcher.flushed().catch(() => {});
      if (stall) {
        metrics.providerErrors.inc({ provider: provider.name, class: providerErrorClass('stalled', true) });
        await recordAttempt(deps, origin, input, streamed(), 'failed', `stalled: ${stall.message}`);
        throw ApplicationFailure.retryable(`the model stream stalled: ${stall.message}`, FAILURE_TYPES.providerStalled);
      }
      const failure = toProviderError(provider.name, error);
      metrics.providerErrors.inc({
        provider: provider.name,
        class: providerErrorClass(failure.code, failure.retryable),
      });
      await recordAttempt(deps, origin, input, streamed(), 'failed', failure.message);
      throw toActivityFailure(failure);
    } finally {
      guard.dispose();
    }
    await stream.close();
    await batcher.flushed();
    const egress = egressPolicyFor(agent, settings.fetchAllowedHosts);
    return recordStep(deps, origin, input, streamed(), { tools, outputSchema, egress });
  };
}

export function resolveProvider(providers: ActivityDeps['providers'], modelString: string) {
  const parsed = parseModelString(modelString);
  const provider = parsed && providers[parsed.provider];
  if (!parsed || !provider) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.providerRejected,
      message: `model ${modelString} is not available on this worker`,
      nonRetryable: true,
    });
  }
  return { provider, model: parsed.model };
}

/** A call that cannot fit however much is compacted: the turn fails, naming the numbers that do not add up. */
function contextFailure(
  fit: Extract<FitVerdict, { kind: 'window-too-small' | 'overflow' }>,
  policy: ContextPolicy,
  agentName: string | undefined,
): ApplicationFailure {
  const window = `the context window of ${agentName ? `agent ${agentName}` : 'this model'} (${policy.windowTokens} tokens, ${policy.reserveTokens} of them kept for the answer)`;
  const [type, message] =
    fit.kind === 'window-too-small'
      ? [
          FAILURE_TYPES.contextWindowTooSmall,
          `context_window_too_small: ${window} is smaller than its system prompt and tools (${fit.promptTokens} tokens)`,
        ]
      : [
          FAILURE_TYPES.contextOverflow,
          `context_overflow: the newest message does not fit in ${window} even with the earlier conversation summarised (${fit.tokens} tokens)`,
        ];
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Temporal owns retries: retryable provider errors retry with the provider's own hint as the next delay. */
export function toActivityFailure(error: ProviderError): ApplicationFailure {
  return ApplicationFailure.create({
    type: error.retryable ? FAILURE_TYPES.providerUnavailable : FAILURE_TYPES.providerRejected,
    message: error.message,
    nonRetryable: !error.retryable,
    ...(error.retryAfterMs !== undefined ? { nextRetryDelay: error.retryAfterMs } : {}),
  });
}

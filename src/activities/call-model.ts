import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createAuditRepo } from '../db/audit-repo.js';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { auditFromActivity } from './audit-from-activity.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import type { UIPart } from '../db/ui-parts.js';
import { createUsageRepo } from '../db/usage-repo.js';
import { parseModelString } from '../llm/model-string.js';
import { ProviderError, toProviderError } from '../llm/provider-error.js';
import type { FinishReason, ModelMessage, ModelProvider, Usage } from '../llm/types.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import type { CompletionInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';
import { createBeginCompletion } from './begin-completion.js';
import { createModelCallGuard } from './model-call-guard.js';
import { startedNow } from './started-now.js';
import { settleToolCalls, type RunnableToolCall } from './settle-tool-calls.js';
import { createStepStream } from './step-stream.js';
import { publishSubagentProgress } from '../completions/announcements.js';
import { createSystemPromptBuilder } from './system-prompt.js';
import { createObjectStream, objectPartId, validateObject } from './structured-output.js';
import { metrics } from '../metrics.js';
import { toModelContext } from '../completions/model-context.js';

export type { RunnableToolCall } from './settle-tool-calls.js';

export interface CallModelInput extends CompletionInput {
  step: number;
  /** The turn's first call also opens it (marks it started, sends `start`), overlapping the request it makes. */
  begin?: boolean;
}

/** What enters workflow history: ids, digests, policies and counts, never text or arguments. */
export interface StepSummary {
  messageId: string;
  toolCalls: RunnableToolCall[];
  rejectedToolCalls: number;
  usage: Usage | null;
  finishReason: FinishReason;
  /** Structured output only: why the answer did not validate (the next step is the model's repair attempt). */
  outputProblem?: string;
}

export const BUDGET_EXCEEDED = 'BudgetExceeded';

export function stepMessageId(completionId: string, step: number): string {
  return `${completionId}:${step}`;
}

/** Deterministic per completion, step and call order, so a re-run step reuses its ids; safe for both vendors. */
export function toolCallIdFor(completionId: string, step: number, index: number): string {
  return `tc_${completionId.replace(/^cmp_/, '')}_${step}_${index}`;
}

/**
 * One model call of a completion: checks the token budgets, loads the transcript from Postgres, streams the
 * provider's answer to Redis chunk by chunk, settles tool calls that cannot run, persists the step's assistant
 * message under a deterministic id, records the attempt's usage, and returns a summary.
 *
 * Retries: each attempt streams under its own text part id; a retried attempt first drops its predecessor's
 * chunks from the replay log and tells live viewers with `data-step-reset`. Stop: a cancelled attempt keeps
 * the text streamed so far (marked stopped) and ends as a cancellation.
 */
export function createCallModel(deps: ActivityDeps) {
  const { pool, publisher, stopHints, providers, tools, agents, settings, log } = deps;
  const beginTurn = createBeginCompletion(deps);
  const messages = createMessagesRepo(pool);
  const completions = createCompletionsRepo(pool);
  const executions = createToolExecutionsRepo(pool);
  const usageRepo = createUsageRepo(pool);
  const audit = createAuditRepo(pool);
  const systemPromptFor = createSystemPromptBuilder({ db: pool, agents, tools });

  return async function callModel(input: CallModelInput): Promise<StepSummary> {
    const context = Context.current();
    const attempt = context.info.attempt;
    const { provider, model } = resolveProvider(providers, input.model);
    // A retried attempt first drops its predecessor's chunks from the replay log, before the turn's `start` is
    // sent again below: that one must stay, it opens what a resume replays.
    if (attempt > 1) await publisher.dropStepChunks(input.completionId, input.step);
    // Opening the turn, loading the transcript and sending the request are all on the first token's path: they
    // overlap, and only the stream's own chunks wait for `start` to be out.
    const opening = input.begin ? beginTurn(input) : Promise.resolve();
    void opening.catch(() => {});

    const messageId = stepMessageId(input.completionId, input.step);
    let loaded: [void, Awaited<ReturnType<typeof messages.listForThread>>, Awaited<ReturnType<typeof systemPromptFor>>];
    try {
      loaded = await Promise.all([enforceBudgets(input), messages.listForThread(input.threadId, messageId), systemPromptFor(input)]);
    } catch (error) {
      // A refused turn is still opened first, so its `error` follows a `start` like every other answer.
      await opening;
      throw error;
    }
    const [, rows, { system, agent }] = loaded;
    const transcript = toModelContext(rows);
    const outputSchema = input.structuredOutput ? agent?.output : undefined;
    const allowedTools = input.tools ?? [];
    const publish = (chunk: UIMessageChunk) => publisher.publish(input.completionId, chunk);
    const startedAt = Date.now();
    const guard = createModelCallGuard(context, {
      stallTimeoutMs: settings.stallTimeoutMs,
      stopConfirmTimeoutMs: settings.stopConfirmTimeoutMs,
      watchStop: (onStop) => stopHints.watch(input.completionId, onStop),
    });
    const events = startedNow(
      provider.stream(
        {
          model,
          ...(system ? { system } : {}),
          messages: transcript,
          maxOutputTokens: input.limits.maxOutputTokens,
          ...(allowedTools.length > 0 ? { tools: tools.schemasFor(allowedTools) } : {}),
        },
        guard.signal,
      ),
    );
    try {
      await opening;
      await announceStep(input, attempt, publish);
    } catch (error) {
      guard.dispose();
      throw error;
    }

    const objectStream = outputSchema ? createObjectStream(input.completionId, publish) : undefined;
    const stream = createStepStream({
      publish,
      ...(objectStream ? { textSink: (delta: string) => objectStream.append(delta) } : {}),
      textId: textIdFor(input.step, attempt),
      toolCallId: (index) => toolCallIdFor(input.completionId, input.step, index),
      onFirstText: async () => {
        if (input.step !== 0) return;
        const seconds = await completions.markFirstToken(input.completionId);
        if (seconds !== null) metrics.timeToFirstToken.observe(seconds);
      },
    });
    const recordUsage = async (outcome: 'completed' | 'failed' | 'cancelled', error?: string) => {
      const usage = stream.state.usage ?? estimateUsage(transcript, stream.state.text);
      const estimated = stream.state.usage === null;
      metrics.tokens.inc({ direction: 'input', model: input.model }, usage.inputTokens);
      metrics.tokens.inc({ direction: 'output', model: input.model }, usage.outputTokens);
      await usageRepo.record({
        completionId: input.completionId,
        rootCompletionId: input.parent?.rootCompletionId ?? input.completionId,
        userId: input.userId,
        step: input.step,
        attempt,
        ...usage,
        estimated,
        outcome,
      });
      const call = {
        model: input.model,
        step: input.step,
        attempt,
        outcome,
        ...usage,
        estimated,
        latencyMs: Date.now() - startedAt,
        ...(outcome === 'completed' ? { finishReason: stream.state.finishReason } : {}),
        ...(error ? { error } : {}),
      };
      const ids = { completionId: input.completionId, threadId: input.threadId, userId: input.userId };
      log.info({ ...ids, ...call }, 'model call');
      await auditFromActivity(audit, {
        key: `model_call:${input.completionId}:${input.step}:${attempt}`,
        ...ids,
        type: 'model_call',
        actor: 'model',
        data: call,
      });
    };

    try {
      for await (const event of events) {
        guard.touch();
        await stream.handle(event);
      }
    } catch (error) {
      const stall = guard.stalled();
      if (guard.stopped()) {
        await stream.closeText();
        // Stopped by the hint: the user sees `abort` now, not when the workflow's bookkeeping has caught up.
        if (!context.cancellationSignal.aborted) await publish({ type: 'abort', reason: 'cancelled' });
        await keepStoppedText(input, stream.state.text);
        await recordUsage('cancelled');
        throw await guard.cancellation();
      }
      if (stall) {
        metrics.providerErrors.inc({ provider: provider.name, class: 'retryable:stalled' });
        await recordUsage('failed', `stalled: ${stall.message}`);
        throw ApplicationFailure.retryable(`the model stream stalled: ${stall.message}`, 'ProviderStalled');
      }
      const failure = toProviderError(provider.name, error);
      metrics.providerErrors.inc({ provider: provider.name, class: failure.retryable ? `retryable:${failure.code}` : failure.code });
      await recordUsage('failed', failure.message);
      throw toActivityFailure(failure);
    } finally {
      guard.dispose();
    }
    await stream.closeText();

    const settled = settleToolCalls(tools, allowedTools, stream.state.calls, {
      completionId: input.completionId,
      threadId: input.threadId,
      userId: input.userId,
      messageId,
      step: input.step,
    });
    const structured = outputSchema && settled.runnable.length === 0 ? validateObject(stream.state.text, outputSchema) : undefined;
    const answerParts: UIPart[] = !structured
      ? stepParts(stream.state.text, settled.parts)
      : structured.ok
        ? [{ type: 'step-start' }, { type: 'data-object', id: objectPartId(input.completionId), data: structured.value }]
        : [{ type: 'step-start' }, { type: 'data-invalid_object', data: { text: stream.state.text, problem: structured.problem } }];
    await saveStep(input, answerParts, stream.state.usage);
    if (structured?.ok) {
      await completions.setOutput(input.completionId, structured.value);
      await publish({ type: 'data-object', id: objectPartId(input.completionId), data: structured.value });
    }
    await recordUsage('completed');
    for (const record of settled.records) {
      await executions.record(record);
      await auditFromActivity(audit, {
        key: `tool_call_requested:${record.id}`,
        threadId: input.threadId,
        completionId: input.completionId,
        userId: input.userId,
        type: 'tool_call_requested',
        actor: 'model',
        data: {
          toolCallId: record.id,
          toolName: record.toolName,
          argsDigest: record.argsDigest,
          status: record.status,
          mode: record.mode,
          requiresApproval: record.requiresApproval,
        },
      });
    }
    for (const chunk of settled.chunks) await publish(chunk);
    if (settled.runnable.length > 0) {
      const currentTool = settled.runnable.map((call) => call.name).join(', ');
      await publishSubagentProgress(publisher, input, { status: 'running', step: input.step, currentTool });
    }
    // With calls to run, the step ends after their outputs (the workflow publishes finish-step), as the
    // protocol's server-executed tool streams do.
    if (settled.runnable.length === 0) await publish({ type: 'finish-step' });
    return {
      messageId,
      toolCalls: settled.runnable,
      rejectedToolCalls: stream.state.calls.length - settled.runnable.length,
      usage: stream.state.usage,
      finishReason: stream.state.finishReason,
      ...(structured && !structured.ok ? { outputProblem: structured.problem } : {}),
    };
  };

  /** Opens the step in the stream; a retried attempt first tells live viewers to hide its predecessor's text. */
  async function announceStep(input: CallModelInput, attempt: number, publish: (chunk: UIMessageChunk) => Promise<number>) {
    if (attempt > 1) {
      await publish({
        type: 'data-step-reset',
        data: {
          step: input.step,
          attempt,
          supersededIds: Array.from({ length: attempt - 1 }, (_, i) => textIdFor(input.step, i + 1)),
        },
      });
    }
    const seq = await publish({ type: 'start-step' });
    if (seq > 0) await publisher.markStepStart(input.completionId, input.step, seq);
    await publishSubagentProgress(publisher, input, { status: 'running', step: input.step, currentTool: null });
  }

  /** Refuses the call before anything is streamed or written when a budget is already spent. */
  async function enforceBudgets(input: CallModelInput): Promise<void> {
    const budget = input.limits.tokenBudget;
    const daily = settings.userDailyTokenBudget;
    if (!budget && !daily) return;
    const used = await usageRepo.totals(input.parent?.rootCompletionId ?? input.completionId, input.userId);
    const exceeded =
      budget && used.completion >= budget
        ? `this completion used ${used.completion} of its ${budget} token budget`
        : daily && used.userToday >= daily
          ? `you used ${used.userToday} of your ${daily} tokens for today`
          : undefined;
    if (!exceeded) return;
    await auditFromActivity(audit, {
      key: `budget_exceeded:${input.completionId}:${input.step}`,
      threadId: input.threadId,
      completionId: input.completionId,
      userId: input.userId,
      type: 'budget_exceeded',
      actor: 'system',
      data: { step: input.step, completionTokens: used.completion, userTokensToday: used.userToday, budget, daily },
    });
    throw budgetExceeded(exceeded);
  }

  function saveStep(input: CallModelInput, parts: UIPart[], usage: Usage | null, metadata?: Record<string, unknown>) {
    return messages.upsertAssistantStep({
      id: stepMessageId(input.completionId, input.step),
      threadId: input.threadId,
      uiMessageId: input.assistantMessageId,
      completionId: input.completionId,
      step: input.step,
      parts,
      usage,
      ...(metadata ? { metadata } : {}),
    });
  }

  /** What the user saw before pressing Stop stays in the transcript, marked as stopped. */
  async function keepStoppedText(input: CallModelInput, text: string): Promise<void> {
    if (text) await saveStep(input, stepParts(text, []), null, { stopped: true });
  }
}

function stepParts(text: string, toolParts: UIPart[]): UIPart[] {
  return [{ type: 'step-start' }, ...(text ? [{ type: 'text', text, state: 'done' as const }] : []), ...toolParts];
}

function textIdFor(step: number, attempt: number): string {
  return `text-${step}-${attempt}`;
}

/** Roughly four characters a token: enough to charge a failed attempt that never reported usage. */
function estimateUsage(transcript: ModelMessage[], text: string): Usage {
  const sent = transcript.reduce((sum, message) => sum + JSON.stringify(message).length, 0);
  return { inputTokens: Math.ceil(sent / 4), outputTokens: Math.ceil(text.length / 4) };
}

function budgetExceeded(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: BUDGET_EXCEEDED, message: `budget_exceeded: ${message}`, nonRetryable: true });
}

function resolveProvider(providers: ActivityDeps['providers'], modelString: string) {
  const parsed = parseModelString(modelString);
  const provider = parsed && providers[parsed.provider];
  if (!parsed || !provider) {
    throw ApplicationFailure.create({
      type: 'ProviderRejected',
      message: `model ${modelString} is not available on this worker`,
      nonRetryable: true,
    });
  }
  return { provider: provider satisfies ModelProvider, model: parsed.model };
}

/** Temporal owns retries: retryable provider errors retry with the provider's own hint as the next delay. */
function toActivityFailure(error: ProviderError): ApplicationFailure {
  return ApplicationFailure.create({
    type: error.retryable ? 'ProviderUnavailable' : 'ProviderRejected',
    message: error.message,
    nonRetryable: !error.retryable,
    ...(error.retryAfterMs !== undefined ? { nextRetryDelay: error.retryAfterMs } : {}),
  });
}

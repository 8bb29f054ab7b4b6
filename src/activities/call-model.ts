import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import type { UIPart } from '../db/ui-parts.js';
import { parseModelString } from '../llm/model-string.js';
import { ProviderError, toProviderError } from '../llm/provider-error.js';
import type { FinishReason, ModelProvider, ToolCallRequest, Usage } from '../llm/types.js';
import type { CompletionInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';
import { toModelMessages } from './to-model-messages.js';

export interface CallModelInput extends CompletionInput {
  step: number;
}

/** What enters workflow history: ids, digests and counts, never text. */
export interface StepSummary {
  messageId: string;
  toolCalls: { id: string; name: string }[];
  usage: Usage | null;
  finishReason: FinishReason;
}

const HEARTBEAT_EVERY_MS = 2_000;

export function stepMessageId(completionId: string, step: number): string {
  return `${completionId}:${step}`;
}

/**
 * One model call of a completion: loads the transcript from Postgres, streams the provider's answer to Redis
 * chunk by chunk, persists the step's assistant message under a deterministic id, and returns a summary.
 * Each attempt streams under its own part ids, so a retried step never appends to an earlier attempt's text.
 */
export function createCallModel({ pool, publisher, providers }: ActivityDeps) {
  const messages = createMessagesRepo(pool);
  const completions = createCompletionsRepo(pool);

  return async function callModel(input: CallModelInput): Promise<StepSummary> {
    const context = Context.current();
    const { provider, model } = resolveProvider(providers, input.model);
    const messageId = stepMessageId(input.completionId, input.step);
    const transcript = toModelMessages(await messages.listForThread(input.threadId, messageId));

    const publish = (chunk: Parameters<typeof publisher.publish>[1]) => publisher.publish(input.completionId, chunk);
    const textId = `text-${input.step}-${context.info.attempt}`;
    let text = '';
    let textOpen = false;
    let usage: Usage | null = null;
    let finishReason: FinishReason = 'other';
    const toolCalls: ToolCallRequest[] = [];
    let lastHeartbeat = 0;

    await publish({ type: 'start-step' });
    try {
      const events = provider.stream(
        { model, messages: transcript, maxOutputTokens: input.limits.maxOutputTokens },
        context.cancellationSignal,
      );
      for await (const event of events) {
        const now = Date.now();
        if (now - lastHeartbeat >= HEARTBEAT_EVERY_MS) {
          context.heartbeat();
          lastHeartbeat = now;
        }
        switch (event.type) {
          case 'text-delta':
            if (!textOpen) {
              textOpen = true;
              await publish({ type: 'text-start', id: textId });
              if (input.step === 0) await completions.markFirstToken(input.completionId);
            }
            text += event.delta;
            await publish({ type: 'text-delta', id: textId, delta: event.delta });
            break;
          case 'tool-call-end':
            toolCalls.push({ id: event.id, name: event.name, argsJson: event.argsJson });
            break;
          case 'usage':
            usage = event.usage;
            break;
          case 'finish':
            finishReason = event.reason;
            break;
        }
      }
    } catch (error) {
      // A cancelled activity must end as a cancellation, not as a provider failure the workflow would retry.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      throw toActivityFailure(toProviderError(provider.name, error));
    }
    if (textOpen) await publish({ type: 'text-end', id: textId });

    const parts: UIPart[] = [{ type: 'step-start' }];
    if (text) parts.push({ type: 'text', text, state: 'done' });
    await messages.upsertAssistantStep({
      id: messageId,
      threadId: input.threadId,
      uiMessageId: input.assistantMessageId,
      completionId: input.completionId,
      step: input.step,
      parts,
      usage,
    });
    await publish({ type: 'finish-step' });
    return { messageId, toolCalls: toolCalls.map(({ id, name }) => ({ id, name })), usage, finishReason };
  };
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

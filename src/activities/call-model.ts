import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { createToolExecutionsRepo } from '../db/tool-executions-repo.js';
import type { UIPart } from '../db/ui-parts.js';
import { parseModelString } from '../llm/model-string.js';
import { ProviderError, toProviderError } from '../llm/provider-error.js';
import type { FinishReason, ModelProvider, Usage } from '../llm/types.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import { resolveToolCall } from '../tools/resolve-tool-call.js';
import type { ToolCallPolicy } from '../tools/tool-registry.js';
import { toToolPartPatch } from '../tools/tool-result.js';
import type { CompletionInput } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';
import { toModelMessages } from './to-model-messages.js';

export interface CallModelInput extends CompletionInput {
  step: number;
}

/** A call the workflow must run. Rejected calls (unknown tool, bad arguments) are settled inside callModel. */
export interface RunnableToolCall extends ToolCallPolicy {
  id: string;
  name: string;
  argsDigest: string;
}

/** What enters workflow history: ids, digests, policies and counts, never text or arguments. */
export interface StepSummary {
  messageId: string;
  toolCalls: RunnableToolCall[];
  rejectedToolCalls: number;
  usage: Usage | null;
  finishReason: FinishReason;
}

const HEARTBEAT_EVERY_MS = 2_000;

export function stepMessageId(completionId: string, step: number): string {
  return `${completionId}:${step}`;
}

/** Deterministic per completion, step and call order, so a re-run step reuses its ids; safe for both vendors. */
export function toolCallIdFor(completionId: string, step: number, index: number): string {
  return `tc_${completionId.replace(/^cmp_/, '')}_${step}_${index}`;
}

interface StreamedToolCall {
  id: string;
  name: string;
  argsJson: string;
}

/**
 * One model call of a completion: loads the transcript from Postgres, streams the provider's answer to Redis
 * chunk by chunk (text and tool-call arguments as they arrive), settles tool calls that cannot run, persists
 * the step's assistant message under a deterministic id, and returns a summary.
 * Each attempt streams under its own part ids, so a retried step never appends to an earlier attempt's text.
 */
export function createCallModel({ pool, publisher, providers, tools }: ActivityDeps) {
  const messages = createMessagesRepo(pool);
  const completions = createCompletionsRepo(pool);
  const executions = createToolExecutionsRepo(pool);

  return async function callModel(input: CallModelInput): Promise<StepSummary> {
    const context = Context.current();
    const { provider, model } = resolveProvider(providers, input.model);
    const messageId = stepMessageId(input.completionId, input.step);
    const transcript = toModelMessages(await messages.listForThread(input.threadId, messageId));
    const allowedTools = input.tools ?? [];

    const publish = (chunk: UIMessageChunk) => publisher.publish(input.completionId, chunk);
    const textId = `text-${input.step}-${context.info.attempt}`;
    let text = '';
    let textOpen = false;
    let usage: Usage | null = null;
    let finishReason: FinishReason = 'other';
    const calls: StreamedToolCall[] = [];
    const callsByProviderId = new Map<string, StreamedToolCall>();
    const callFor = async (providerId: string, name: string) => {
      let call = callsByProviderId.get(providerId);
      if (!call) {
        call = { id: toolCallIdFor(input.completionId, input.step, calls.length), name, argsJson: '' };
        calls.push(call);
        callsByProviderId.set(providerId, call);
        await publish({ type: 'tool-input-start', toolCallId: call.id, toolName: name });
      }
      return call;
    };
    let lastHeartbeat = 0;

    await publish({ type: 'start-step' });
    try {
      const events = provider.stream(
        {
          model,
          messages: transcript,
          maxOutputTokens: input.limits.maxOutputTokens,
          ...(allowedTools.length > 0 ? { tools: tools.schemasFor(allowedTools) } : {}),
        },
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
          case 'tool-call-start':
            await callFor(event.id, event.name);
            break;
          case 'tool-call-delta': {
            const call = callsByProviderId.get(event.id);
            if (call && event.argsDelta) {
              call.argsJson += event.argsDelta;
              await publish({ type: 'tool-input-delta', toolCallId: call.id, inputTextDelta: event.argsDelta });
            }
            break;
          }
          case 'tool-call-end':
            (await callFor(event.id, event.name)).argsJson = event.argsJson;
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
    const runnable: RunnableToolCall[] = [];
    const settledChunks: UIMessageChunk[] = [];
    const records: Parameters<typeof executions.record>[0][] = [];
    for (const call of calls) {
      const resolved = resolveToolCall(tools, allowedTools, call);
      const base = {
        id: call.id,
        completionId: input.completionId,
        threadId: input.threadId,
        userId: input.userId,
        messageId,
        step: input.step,
        toolName: call.name,
        args: resolved.input,
        argsText: call.argsJson,
        argsDigest: resolved.digest,
      };
      const part = { type: `tool-${call.name}`, toolCallId: call.id, input: resolved.input };
      if (resolved.kind === 'valid') {
        parts.push({ ...part, state: 'input-available' });
        settledChunks.push({ type: 'tool-input-available', toolCallId: call.id, toolName: call.name, input: resolved.input });
        records.push({ ...base, mode: resolved.policy.mode, status: 'pending', requiresApproval: resolved.policy.requiresApproval, result: null });
        runnable.push({ id: call.id, name: call.name, argsDigest: resolved.digest, ...resolved.policy });
        continue;
      }
      const { result } = resolved;
      parts.push({ ...part, ...toToolPartPatch(result) });
      const errorText = `${result.kind}: ${result.message}`;
      settledChunks.push(
        result.kind === 'validation_error'
          ? { type: 'tool-input-error', toolCallId: call.id, toolName: call.name, input: resolved.input, errorText }
          : { type: 'tool-input-available', toolCallId: call.id, toolName: call.name, input: resolved.input },
      );
      if (result.kind === 'not_found_error') settledChunks.push({ type: 'tool-output-error', toolCallId: call.id, errorText });
      records.push({
        ...base,
        mode: null,
        status: result.kind === 'validation_error' ? 'invalid' : 'not_found',
        requiresApproval: false,
        result,
      });
    }

    await messages.upsertAssistantStep({
      id: messageId,
      threadId: input.threadId,
      uiMessageId: input.assistantMessageId,
      completionId: input.completionId,
      step: input.step,
      parts,
      usage,
    });
    for (const record of records) await executions.record(record);
    for (const chunk of settledChunks) await publish(chunk);
    // With calls to run, the step ends after their outputs (the workflow publishes finish-step), as the
    // protocol's server-executed tool streams do.
    if (runnable.length === 0) await publish({ type: 'finish-step' });
    return {
      messageId,
      toolCalls: runnable,
      rejectedToolCalls: calls.length - runnable.length,
      usage,
      finishReason,
    };
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

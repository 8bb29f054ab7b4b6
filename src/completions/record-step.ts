/**
 * One model call's step on the record: the assistant message it adds (under a deterministic id, so a retried step
 * overwrites what its predecessor saved), each attempt's usage with its `model_call` audit row, the tool calls the
 * model asked for, and the chunks that open and close the step in the stream. The caller says which attempt this
 * is and where the audit rows come from.
 */
import type { z } from 'zod';
import { createAuditRepo } from '../db/audit-repo.js';
import { createCompletionsRepo } from '../db/completions-repo.js';
import { createMessagesRepo } from '../db/messages-repo.js';
import { createToolExecutionsRepo, type NewToolExecution } from '../db/tool-executions-repo.js';
import type { UIPart } from '../db/ui-parts.js';
import { createUsageRepo } from '../db/usage-repo.js';
import type { FinishReason, ModelMessage, Usage } from '../llm/types.js';
import { metrics, modelLabel } from '../metrics.js';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { CallModelInput, StepSummary } from '../workflows/definitions.js';
import { publishSubagentProgress } from './announcements.js';
import { loadTurnEgress, type EgressPolicy, type TurnEgress } from './egress.js';
import type { LifecycleDeps, Origin } from './lifecycle-deps.js';
import { settleToolCalls } from './settle-tool-calls.js';
import { reasoningIdFor, textIdFor, type StreamedToolCall } from './step-stream.js';
import { objectPartId, validateObject } from './structured-output.js';

/** A step without tool calls has nothing for the egress policy to rule on. */
const NO_EGRESS_YET: TurnEgress = { readPrivateData: false, knownTargets: new Set() };

/** One attempt's stream as far as it got: what the step saves and what the attempt is charged. */
export interface StreamedAttempt {
  attempt: number;
  /** The transcript sent; an attempt that never reported usage is charged by its size. */
  sent: ModelMessage[];
  startedAt: number;
  /** The model's thinking, shown to the user and kept in the transcript but never sent back to the model. */
  reasoning: string;
  text: string;
  calls: StreamedToolCall[];
  usage: Usage | null;
  finishReason: FinishReason;
  /** The input tokens counted before the call was sent, recorded beside the usage the provider then reported. */
  countedInputTokens?: number;
}

export function stepMessageId(completionId: string, step: number): string {
  return `${completionId}:${step}`;
}

/**
 * Opens the step in the stream; a retried attempt first tells live viewers to hide its predecessors' reasoning and
 * text (every earlier attempt's ids, whether or not it got that far). What
 * the step received (steering messages, see steering.ts) is announced right before its `start-step`.
 */
export async function announceStep(
  { publisher }: LifecycleDeps,
  step: CallModelInput,
  attempt: number,
  received: UIMessageChunk[] = [],
): Promise<void> {
  for (const chunk of received) await publisher.publish(step.completionId, chunk);
  if (attempt > 1) {
    await publisher.publish(step.completionId, {
      type: 'data-step-reset',
      data: {
        step: step.step,
        attempt,
        supersededIds: Array.from({ length: attempt - 1 }, (_, i) => [
          reasoningIdFor(step.step, i + 1),
          textIdFor(step.step, i + 1),
        ]).flat(),
      },
    });
  }
  const seq = await publisher.publish(step.completionId, { type: 'start-step' });
  if (seq > 0) await publisher.markStepStart(step.completionId, step.step, seq);
  await publishSubagentProgress(publisher, step, { status: 'running', step: step.step, currentTool: null });
}

/** The turn's first token is the latency its user feels: stamped once, by the first step only. */
export async function markFirstToken({ pool }: LifecycleDeps, step: CallModelInput): Promise<void> {
  if (step.step !== 0) return;
  const seconds = await createCompletionsRepo(pool).markFirstToken(step.completionId);
  if (seconds !== null) metrics.timeToFirstToken.observe(seconds);
}

/**
 * Charges one attempt, however it ended: its usage row (what the budgets add up) and its `model_call` audit row
 * (one statement), the token metric and a log line. Usage the provider never reported is estimated, and marked so.
 */
export async function recordAttempt(
  { pool, log }: LifecycleDeps,
  origin: Origin,
  step: CallModelInput,
  attempt: StreamedAttempt,
  outcome: 'completed' | 'failed' | 'cancelled',
  error?: string,
): Promise<void> {
  const usage = attempt.usage ?? estimateUsage(attempt.sent, attempt.reasoning + attempt.text);
  const estimated = attempt.usage === null;
  metrics.tokens.inc({ direction: 'input', model: modelLabel(step.model) }, usage.inputTokens);
  metrics.tokens.inc({ direction: 'output', model: modelLabel(step.model) }, usage.outputTokens);
  const call = {
    model: step.model,
    step: step.step,
    attempt: attempt.attempt,
    outcome,
    ...usage,
    estimated,
    ...(attempt.countedInputTokens !== undefined ? { countedInputTokens: attempt.countedInputTokens } : {}),
    latencyMs: Date.now() - attempt.startedAt,
    ...(outcome === 'completed' ? { finishReason: attempt.finishReason } : {}),
    ...(error ? { error } : {}),
  };
  const ids = { completionId: step.completionId, threadId: step.threadId, userId: step.userId };
  log.info({ ...ids, ...call }, 'model call');
  await createUsageRepo(pool).record(
    {
      completionId: step.completionId,
      rootCompletionId: step.parent?.rootCompletionId ?? step.completionId,
      userId: step.userId,
      step: step.step,
      attempt: attempt.attempt,
      ...usage,
      estimated,
      outcome,
    },
    {
      key: `model_call:${step.completionId}:${step.step}:${attempt.attempt}`,
      ...ids,
      type: 'model_call',
      actor: 'model',
      data: call,
      ...origin,
    },
  );
}

/** What the user saw before pressing Stop (reasoning included) stays in the transcript, marked as stopped. */
export async function keepStoppedText(
  deps: LifecycleDeps,
  step: CallModelInput,
  { attempt, reasoning, text }: { attempt: number; reasoning: string; text: string },
): Promise<void> {
  if (reasoning || text) {
    await saveStep(deps, step, stepParts(step.step, attempt, reasoning, text, []), null, { stopped: true });
  }
}

/**
 * Ends a step whose stream completed: settles the tool calls that cannot run (unknown tool, invalid arguments,
 * a host the egress policy refuses) and the ones the user must approve first (see egress.ts),
 * validates a structured answer, saves the step's assistant message, charges the attempt, records the calls the
 * model asked for, and announces them. With calls to run, the step ends after their outputs (the workflow
 * publishes `finish-step`), as the protocol's server-executed tool streams do.
 */
export async function recordStep(
  deps: LifecycleDeps,
  origin: Origin,
  step: CallModelInput,
  attempt: StreamedAttempt,
  { tools, outputSchema, egress }: { tools: ToolRegistry; outputSchema: z.ZodType | undefined; egress: EgressPolicy },
): Promise<StepSummary> {
  const { pool, publisher } = deps;
  const publish = (chunk: UIMessageChunk) => publisher.publish(step.completionId, chunk);
  const messageId = stepMessageId(step.completionId, step.step);
  const turn = attempt.calls.length > 0 ? await loadTurnEgress(pool, tools, step) : NO_EGRESS_YET;
  const settled = settleToolCalls(
    tools,
    step.tools ?? [],
    attempt.calls,
    { completionId: step.completionId, threadId: step.threadId, userId: step.userId, messageId, step: step.step },
    { policy: egress, turn },
  );
  const structured =
    outputSchema && settled.runnable.length === 0 ? validateObject(attempt.text, outputSchema) : undefined;
  const answerParts: UIPart[] = !structured
    ? stepParts(step.step, attempt.attempt, attempt.reasoning, attempt.text, settled.parts)
    : stepParts(step.step, attempt.attempt, attempt.reasoning, '', [
        structured.ok
          ? { type: 'data-object', id: objectPartId(step.completionId), data: structured.value }
          : { type: 'data-invalid_object', data: { text: attempt.text, problem: structured.problem } },
      ]);
  await saveStep(deps, step, answerParts, attempt.usage);
  if (structured?.ok) {
    await createCompletionsRepo(pool).setOutput(step.completionId, structured.value);
    await publish({ type: 'data-object', id: objectPartId(step.completionId), data: structured.value });
  }
  await recordAttempt(deps, origin, step, attempt, 'completed');
  await recordToolCallRequests(deps, origin, settled.records);
  for (const chunk of settled.chunks) await publish(chunk);
  if (settled.runnable.length > 0) {
    const currentTool = settled.runnable.map((call) => call.name).join(', ');
    await publishSubagentProgress(publisher, step, { status: 'running', step: step.step, currentTool });
  } else {
    await publish({ type: 'finish-step' });
  }
  return {
    messageId,
    toolCalls: settled.runnable,
    rejectedToolCalls: attempt.calls.length - settled.runnable.length,
    usage: attempt.usage,
    finishReason: attempt.finishReason,
    // The detailed problem stays in the `data-invalid_object` part (Postgres), which the repair prompt reads.
    ...(structured && !structured.ok ? { outputProblem: structured.safeProblem } : {}),
  };
}

/** Each call the model asked for, settled or to run, with its `tool_call_requested` audit row. */
async function recordToolCallRequests(
  { pool }: LifecycleDeps,
  origin: Origin,
  records: NewToolExecution[],
): Promise<void> {
  const executions = createToolExecutionsRepo(pool);
  const audit = createAuditRepo(pool);
  for (const record of records) {
    await executions.record(record);
    await audit.append({
      key: `tool_call_requested:${record.id}`,
      threadId: record.threadId,
      completionId: record.completionId,
      userId: record.userId,
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
      ...origin,
    });
  }
}

function saveStep(
  { pool }: LifecycleDeps,
  step: CallModelInput,
  parts: UIPart[],
  usage: Usage | null,
  metadata?: Record<string, unknown>,
): Promise<void> {
  return createMessagesRepo(pool).upsertAssistantStep({
    id: stepMessageId(step.completionId, step.step),
    threadId: step.threadId,
    uiMessageId: step.assistantMessageId,
    completionId: step.completionId,
    step: step.step,
    parts,
    usage,
    ...(metadata ? { metadata } : {}),
  });
}

/**
 * In the order the step streamed them: the model thinks before it answers. The reasoning keeps its stream id, as
 * the ai package's reasoning part does.
 */
function stepParts(step: number, attempt: number, reasoning: string, text: string, toolParts: UIPart[]): UIPart[] {
  return [
    { type: 'step-start' },
    ...(reasoning ? [{ type: 'reasoning', id: reasoningIdFor(step, attempt), text: reasoning, state: 'done' }] : []),
    ...(text ? [{ type: 'text', text, state: 'done' as const }] : []),
    ...toolParts,
  ];
}

/** Roughly four characters a token: enough to charge a failed attempt that never reported usage. */
function estimateUsage(sent: ModelMessage[], text: string): Usage {
  const chars = sent.reduce((sum, message) => sum + JSON.stringify(message).length, 0);
  return { inputTokens: Math.ceil(chars / 4), outputTokens: Math.ceil(text.length / 4) };
}

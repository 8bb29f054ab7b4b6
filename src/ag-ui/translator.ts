/**
 * Turns one completion's published UI-message chunks (stream/ui-chunks.ts) into AG-UI 1.0 events, for one
 * connection: AG-UI is stateful where the UI message stream is not (every text, tool call, step and sub-agent
 * opened must be closed before RUN_FINISHED, and a run starts with RUN_STARTED), so each response gets its own
 * translator. Pure: facts only Postgres knows (an approval's expiry, why a call was denied) come in as `facts`.
 *
 * Longhaul's one assistant UI message becomes one AG-UI assistant message per step (`<messageId>:<text id>`, or
 * `<messageId>:<first tool call id>` for a step without text), as AG-UI transcripts interleave assistant and
 * tool messages. The model's reasoning is a reasoning message of its own (`<messageId>:<reasoning id>`), inside a
 * REASONING_START / REASONING_END pair. What AG-UI has no event for travels as CUSTOM events named `longhaul.<chunk type>`.
 */
import { EventType, PROTOCOL_VERSION, type Event as AgUiEvent, type Interrupt } from '@ag-ui/core';
import type { UIMessageChunk } from '../stream/ui-chunks.js';
import type { PublishedChunk } from './published-chunk.js';
import { createSubagentEvents } from './subagent-events.js';

/** The interrupt's `reason` for a tool call that waits for a person's decision. */
export const TOOL_APPROVAL_REASON = 'tool_approval';

/** What a resume entry's `payload` must look like to decide an approval (a `cancelled` entry denies). */
export const APPROVAL_RESPONSE_SCHEMA = {
  type: 'object',
  properties: { approved: { type: 'boolean' }, reason: { type: 'string' } },
  required: ['approved'],
  additionalProperties: false,
} as const;

export interface ChunkFacts {
  /** With `tool-approval-request`: when the approval lapses (ISO 8601), so a client can tell an expired one. */
  approvalExpiresAt?: string;
  /** With `tool-output-denied`: the result the model reads (a person's denial, or an expired approval). */
  denial?: { reason: string; expired: boolean };
}

export interface AgUiTranslator {
  /** RUN_STARTED: the first event of every response. */
  start(): AgUiEvent[];
  push(chunk: PublishedChunk, facts?: ChunkFacts): AgUiEvent[];
  /** True once RUN_FINISHED or RUN_ERROR went out: nothing more belongs to this run. */
  readonly finished: boolean;
}

export function createAgUiTranslator(run: {
  threadId: string;
  runId: string;
  /** Messages the client sent with this run (it has them; an AG-UI client appends content to an id it knows). */
  clientMessageIds?: readonly string[];
}): AgUiTranslator {
  const { threadId, runId } = run;
  const clientMessageIds = new Set(run.clientMessageIds);
  let assistantMessageId = runId;
  let finished = false;
  let step = { number: -1, open: false, retrying: false };
  /** The AG-UI assistant message this step's text and tool calls belong to. */
  let stepMessageId: string | undefined;
  /** Longhaul text id -> AG-UI message id, while open. */
  const openTexts = new Map<string, string>();
  /** Longhaul reasoning id -> AG-UI reasoning message id, while open. */
  const openReasonings = new Map<string, string>();
  /** Tool calls started in this run: their name, and whether any argument text went out. */
  const calls = new Map<string, { name: string; argsSent: boolean; open: boolean; step: number }>();
  const interrupts: Interrupt[] = [];
  const subagents = createSubagentEvents();

  const textMessageId = (textId: string) => `${assistantMessageId}:${textId}`;

  function openText(textId: string): AgUiEvent[] {
    if (openTexts.has(textId)) return [];
    const messageId = textMessageId(textId);
    openTexts.set(textId, messageId);
    stepMessageId ??= messageId;
    return [{ type: EventType.TEXT_MESSAGE_START, messageId, role: 'assistant' }];
  }

  function openReasoning(reasoningId: string): AgUiEvent[] {
    if (openReasonings.has(reasoningId)) return [];
    const messageId = textMessageId(reasoningId);
    openReasonings.set(reasoningId, messageId);
    return [
      { type: EventType.REASONING_START, messageId },
      { type: EventType.REASONING_MESSAGE_START, messageId, role: 'reasoning' },
    ];
  }

  function closeReasoning(messageId: string): AgUiEvent[] {
    return [
      { type: EventType.REASONING_MESSAGE_END, messageId },
      { type: EventType.REASONING_END, messageId },
    ];
  }

  function startCall(toolCallId: string, name: string): AgUiEvent[] {
    const known = calls.get(toolCallId);
    if (known?.open) return [];
    stepMessageId ??= `${assistantMessageId}:${toolCallId}`;
    calls.set(toolCallId, { name, argsSent: false, open: true, step: step.number });
    return [{ type: EventType.TOOL_CALL_START, toolCallId, toolCallName: name, parentMessageId: stepMessageId }];
  }

  /** A call's arguments are complete: streamed ones end, a call never streamed (a replay) is sent whole first. */
  function endCall(toolCallId: string, name: string, input: unknown): AgUiEvent[] {
    const known = calls.get(toolCallId);
    if (known && !known.open) return [];
    const events = known ? [] : startCall(toolCallId, name);
    const call = calls.get(toolCallId)!;
    if (!call.argsSent) events.push({ type: EventType.TOOL_CALL_ARGS, toolCallId, delta: JSON.stringify(input ?? {}) });
    call.open = false;
    events.push({ type: EventType.TOOL_CALL_END, toolCallId });
    return events;
  }

  function result(toolCallId: string, content: string): AgUiEvent[] {
    const events: AgUiEvent[] = [];
    const call = calls.get(toolCallId);
    if (call?.open) {
      call.open = false;
      events.push({ type: EventType.TOOL_CALL_END, toolCallId });
    }
    events.push({
      type: EventType.TOOL_CALL_RESULT,
      messageId: `${toolCallId}:result`,
      toolCallId,
      content,
      role: 'tool',
    });
    return events;
  }

  /** Closes what is open in the step, and the step: AG-UI refuses to finish a run with any of them open. */
  function closeStep(): AgUiEvent[] {
    const events: AgUiEvent[] = [];
    for (const messageId of openReasonings.values()) events.push(...closeReasoning(messageId));
    openReasonings.clear();
    for (const messageId of openTexts.values()) events.push({ type: EventType.TEXT_MESSAGE_END, messageId });
    openTexts.clear();
    for (const [toolCallId, call] of calls) {
      if (!call.open) continue;
      call.open = false;
      events.push({ type: EventType.TOOL_CALL_END, toolCallId });
    }
    if (step.open) events.push({ type: EventType.STEP_FINISHED, stepName: stepName() });
    step = { ...step, open: false };
    stepMessageId = undefined;
    return events;
  }

  const stepName = () => `step-${step.number}`;

  function finish(outcome: 'success' | 'interrupt' | 'cancelled', metadata?: Record<string, unknown>): AgUiEvent[] {
    finished = true;
    return [
      ...closeStep(),
      ...subagents.end(outcome),
      {
        type: EventType.RUN_FINISHED,
        threadId,
        runId,
        outcome: outcome === 'interrupt' ? { type: 'interrupt', interrupts } : { type: outcome },
        ...(metadata ? { metadata } : {}),
      },
    ];
  }

  function translate(chunk: UIMessageChunk, facts: ChunkFacts): AgUiEvent[] {
    switch (chunk.type) {
      case 'start':
        if (chunk.messageId) assistantMessageId = chunk.messageId;
        return [];
      case 'start-step': {
        const events = closeStep();
        // A retried step is the same step again: it keeps its name (the one before was closed at the reset).
        step = { number: step.retrying ? step.number : step.number + 1, open: true, retrying: false };
        events.push({ type: EventType.STEP_STARTED, stepName: stepName() });
        return events;
      }
      case 'finish-step':
        return closeStep();
      case 'text-start':
        return openText(chunk.id);
      case 'text-delta':
        return [
          ...openText(chunk.id),
          { type: EventType.TEXT_MESSAGE_CONTENT, messageId: textMessageId(chunk.id), delta: chunk.delta },
        ];
      case 'text-end': {
        const messageId = openTexts.get(chunk.id);
        openTexts.delete(chunk.id);
        return messageId ? [{ type: EventType.TEXT_MESSAGE_END, messageId }] : [];
      }
      case 'reasoning-start':
        return openReasoning(chunk.id);
      case 'reasoning-delta':
        return [
          ...openReasoning(chunk.id),
          { type: EventType.REASONING_MESSAGE_CONTENT, messageId: textMessageId(chunk.id), delta: chunk.delta },
        ];
      case 'reasoning-end': {
        const messageId = openReasonings.get(chunk.id);
        openReasonings.delete(chunk.id);
        return messageId ? closeReasoning(messageId) : [];
      }
      case 'tool-input-start':
        return startCall(chunk.toolCallId, chunk.toolName);
      case 'tool-input-delta': {
        const call = calls.get(chunk.toolCallId);
        if (!call?.open) return [];
        call.argsSent = true;
        return [{ type: EventType.TOOL_CALL_ARGS, toolCallId: chunk.toolCallId, delta: chunk.inputTextDelta }];
      }
      case 'tool-input-available':
        return endCall(chunk.toolCallId, chunk.toolName, chunk.input);
      case 'tool-input-error':
        // The model reads the validation error as the call's result: no tool-output chunk follows.
        return [
          ...endCall(chunk.toolCallId, chunk.toolName, chunk.input),
          ...result(chunk.toolCallId, chunk.errorText),
        ];
      case 'tool-approval-request': {
        const name = calls.get(chunk.toolCallId)?.name;
        interrupts.push({
          id: chunk.approvalId,
          reason: TOOL_APPROVAL_REASON,
          message: name ? `Approve the call to ${name}?` : 'Approve this tool call?',
          toolCallId: chunk.toolCallId,
          responseSchema: APPROVAL_RESPONSE_SCHEMA,
          ...(facts.approvalExpiresAt ? { expiresAt: facts.approvalExpiresAt } : {}),
          ...(name ? { metadata: { toolName: name } } : {}),
        });
        return [];
      }
      case 'tool-output-available':
        return result(chunk.toolCallId, toContent(chunk.output));
      case 'tool-output-error':
        return result(chunk.toolCallId, chunk.errorText);
      case 'tool-output-denied':
        return result(
          chunk.toolCallId,
          JSON.stringify({ kind: 'denied', ...(facts.denial ?? { reason: 'denied', expired: false }) }),
        );
      case 'tool-approval-response':
        return [custom(chunk.type, { approvalId: chunk.approvalId, approved: chunk.approved, reason: chunk.reason })];
      case 'steering-message':
        // A run that steered the answer with its own message (a `steer` thread) does not hand it back.
        if (clientMessageIds.has(chunk.id)) return [];
        // The user's words reached the model between two steps: a user message at that place in the transcript is
        // what every AG-UI client already renders, and it keeps the id the client sent it under.
        return [
          { type: EventType.TEXT_MESSAGE_START, messageId: chunk.id, role: 'user' },
          {
            type: EventType.TEXT_MESSAGE_CONTENT,
            messageId: chunk.id,
            delta: chunk.parts.map((part) => part.text).join('\n'),
          },
          { type: EventType.TEXT_MESSAGE_END, messageId: chunk.id },
        ];
      case 'data-step-reset': {
        const superseded = Array.isArray(chunk.data.supersededIds) ? chunk.data.supersededIds : [];
        // Live, the failed attempt's step is open and the retry is that step again; a replay has no failed attempt
        // (the log drops its chunks), so the retry is simply the next step.
        const retrying = step.open;
        const supersededToolCallIds = retrying
          ? [...calls].filter(([, call]) => call.step === step.number).map(([id]) => id)
          : [];
        const events = closeStep();
        step = { ...step, retrying };
        events.push(
          custom(chunk.type, {
            step: chunk.data.step,
            attempt: chunk.data.attempt,
            supersededMessageIds: superseded.map((id) => textMessageId(String(id))),
            supersededToolCallIds,
          }),
        );
        return events;
      }
      case 'data-subagent':
        return subagents.progress(chunk, stepMessageId);
      case 'data-thread_status':
        // RUN_STARTED / RUN_FINISHED already say where the run stands.
        return [];
      case 'finish':
        // A segment that asked for approvals ends with `finish` too: the run is then interrupted, not done.
        return finish(interrupts.length > 0 ? 'interrupt' : 'success', finishMetadata(chunk.messageMetadata));
      case 'abort':
        return finish('cancelled');
      case 'error':
        finished = true;
        return [{ type: EventType.RUN_ERROR, message: chunk.errorText }];
      default:
        // Other data parts (data-object, …), like the parts tools add (source-url, …), have no AG-UI event of
        // their own.
        return [custom(chunk.type, withoutType(chunk))];
    }
  }

  return {
    start: () => [{ type: EventType.RUN_STARTED, threadId, runId, protocolVersion: PROTOCOL_VERSION }],
    push(chunk, facts = {}) {
      if (finished) return [];
      return 'catalogue' in chunk
        ? translate(chunk.catalogue, facts)
        : [custom(chunk.other.type, withoutType(chunk.other))];
    },
    get finished() {
      return finished;
    },
  };
}

function custom(chunkType: string, value: unknown): AgUiEvent {
  return { type: EventType.CUSTOM, name: `longhaul.${chunkType.replace(/^data-/, '')}`, value };
}

function withoutType(chunk: { type: string }): Record<string, unknown> {
  return Object.fromEntries(Object.entries(chunk).filter(([key]) => key !== 'type'));
}

function toContent(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output ?? null);
}

/** The completion and why it finished, for clients that link to it (`/v1/completions/:id`). */
function finishMetadata(messageMetadata: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!messageMetadata) return undefined;
  const { completionId, finishReason } = messageMetadata;
  return typeof completionId === 'string' ? { completionId, finishReason } : undefined;
}

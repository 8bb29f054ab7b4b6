/**
 * Translates the published stream (ui-chunks.ts, ai 7's vocabulary plus `data-step-reset`) for the `ai` version
 * one SSE connection reads. One translator per connection: it remembers where that client's message stands.
 *
 * - Retried steps. ai 7 has `reset-step`, which removes the parts of the current step but keeps its `step-start`,
 *   so the retried attempt's own `start-step` must not reach it (that would be a second step-start); the two become
 *   one `reset-step` under the `start-step`'s seq. ai 5/6 get `data-step-reset` (for withoutSupersededParts).
 *   Either way a reset only goes to a client that holds part of the step: a replay from the Redis log has none of
 *   the superseded attempt (its chunks were dropped before the retry), and a reset there would remove the step
 *   before it.
 * - ai 5 and 6 reject `tool-approval-response` and `steering-message` outright: the decision reaches them as
 *   `data-approval_status` on the user's channel and the tool's output, the steering message as a `data-steering`
 *   part. ai 5 also rejects `tool-approval-request` and `tool-output-denied`: it gets the same facts as a
 *   `data-approval` part (updated in place by its id) and decides through POST /v1/approvals/:toolCallId.
 */
import { z } from 'zod';
import type { UIPart } from '../db/ui-parts.js';
import type { StreamEvent } from './stream-event.js';

export type ClientVersion = 5 | 6 | 7;

/** How a client names its version (header, query, LONGHAUL_UI_VERSION). */
export const CLIENT_VERSIONS = ['5', '6', '7'] as const;

export function toClientVersion(name: (typeof CLIENT_VERSIONS)[number]): ClientVersion {
  return name === '5' ? 5 : name === '6' ? 6 : 7;
}

/** Takes each published event in order, returns what this connection sends for it (none, one or several). */
export type ClientTranslator = (event: StreamEvent) => StreamEvent[];

const approvalRequestSchema = z.object({ approvalId: z.string(), toolCallId: z.string() });
const deniedSchema = z.object({ toolCallId: z.string() });
const steeringSchema = z.object({
  id: z.string(),
  parts: z.array(z.object({ type: z.literal('text'), text: z.string() })),
});

/**
 * Chunks that close the client's current step. Not `start`: a retried first attempt sends it again, inside the
 * step it retries (a continuation's `start` follows a `finish`, which closed the step already).
 */
const STEP_CLOSERS: ReadonlySet<string> = new Set(['finish-step', 'finish', 'abort', 'error']);

export function createClientTranslator(version: ClientVersion): ClientTranslator {
  /** Whether this client holds a step that is still open: a reset may only remove that one. */
  let stepOpen = false;
  /** ai 7: a reset waiting for the retried attempt's `start-step`, which it replaces. */
  let pendingReset = false;
  /** ai 7: a reset went out before something else; the retried attempt's `start-step` is still to be dropped. */
  let dropStartStep = false;

  const forV7 = (event: StreamEvent): StreamEvent[] => {
    if (event.type === 'data-step-reset') {
      if (stepOpen) pendingReset = true;
      return [];
    }
    if (event.type === 'start-step' && (pendingReset || dropStartStep)) {
      const wasPending = pendingReset;
      pendingReset = dropStartStep = false;
      // The step stays open under its first step-start.
      return wasPending ? [resetStep(event.seq)] : [];
    }
    if (pendingReset) {
      pendingReset = false;
      // After an end, no start-step of this attempt follows; otherwise (e.g. a steering message) it still does.
      dropStartStep = !STEP_CLOSERS.has(event.type);
      return [resetStep(event.seq), event];
    }
    if (STEP_CLOSERS.has(event.type)) dropStartStep = false;
    return [event];
  };

  const forOlder = (event: StreamEvent): StreamEvent[] => {
    switch (event.type) {
      case 'data-step-reset':
        return stepOpen ? [event] : [];
      case 'tool-approval-response':
        return [];
      case 'steering-message':
        return [toEvent(event.seq, toDataSteering(steeringSchema.parse(JSON.parse(event.json))))];
    }
    if (version === 6) return [event];
    if (event.type === 'tool-approval-request') {
      const { approvalId, toolCallId } = approvalRequestSchema.parse(JSON.parse(event.json));
      return [toEvent(event.seq, requestedApproval(toolCallId, approvalId))];
    }
    if (event.type === 'tool-output-denied') {
      const { toolCallId } = deniedSchema.parse(JSON.parse(event.json));
      return [toEvent(event.seq, deniedApproval(toolCallId))];
    }
    return [event];
  };

  return (event) => {
    const sent = version === 7 ? forV7(event) : forOlder(event);
    if (STEP_CLOSERS.has(event.type)) stepOpen = false;
    else if (event.type === 'start-step' || isStepContent(event.type)) stepOpen = true;
    return sent;
  };
}

/**
 * A chunk that adds a part to the client's current step, so a client that got it holds part of that step. Tool
 * outputs are not: a continuation after approvals updates the calls of the step before it.
 */
function isStepContent(type: string): boolean {
  return /^(text|reasoning|tool-input)-/.test(type) || type.startsWith('source-') || type === 'file';
}

function resetStep(seq: number): StreamEvent {
  return { seq, type: 'reset-step', json: '{"type":"reset-step"}' };
}

function toEvent(seq: number, part: { type: string }): StreamEvent {
  return { seq, type: part.type, json: JSON.stringify(part) };
}

function toDataSteering({ id, parts }: z.infer<typeof steeringSchema>) {
  return { type: 'data-steering', id: `steering-${id}`, data: { id, parts } };
}

function requestedApproval(toolCallId: string, approvalId: string) {
  const argsDigest = approvalId.slice(approvalId.lastIndexOf(':') + 1);
  return dataApproval(toolCallId, { toolCallId, approvalId, argsDigest, state: 'requested' });
}

function deniedApproval(toolCallId: string) {
  return dataApproval(toolCallId, { toolCallId, state: 'denied' });
}

function dataApproval(toolCallId: string, data: Record<string, string>) {
  return { type: 'data-approval', id: `approval-${toolCallId}`, data };
}

const storedSteeringSchema = steeringSchema.extend({ type: z.literal('steering-message') });
const approvalToolPartSchema = z.looseObject({
  type: z.string().startsWith('tool-'),
  toolCallId: z.string(),
  state: z.string(),
  approval: z.object({ id: z.string() }).optional(),
});
/** Tool part states ai 5 does not know; its stream leaves such a call at `input-available`. */
const AI5_UNKNOWN_STATES: ReadonlySet<string> = new Set(['approval-requested', 'approval-responded', 'output-denied']);

/**
 * One stored step's parts (ui-parts.ts, ai 7's form) as this client's reader builds them from the stream, so the
 * transcript an app loads matches what its stream showed: ai 5/6 read a steering message as `data-steering`; ai 5
 * reads an approval as `data-approval`, which its stream adds once the step's calls are in (before `finish-step`,
 * so before the steering messages the step ends with), while the call's own part keeps to the states ai 5 knows.
 */
export function toClientParts(parts: UIPart[], version: ClientVersion): UIPart[] {
  if (version === 7) return parts;
  const content: UIPart[] = [];
  const approvals: UIPart[] = [];
  const steering: UIPart[] = [];
  for (const part of parts) {
    const steered = storedSteeringSchema.safeParse(part);
    if (steered.success) {
      steering.push(toDataSteering(steered.data));
      continue;
    }
    const tool = version === 5 ? approvalToolPartSchema.safeParse(part) : undefined;
    if (!tool?.success) {
      content.push(part);
      continue;
    }
    const { approval, ...call } = tool.data;
    if (call.state === 'output-denied') approvals.push(deniedApproval(call.toolCallId));
    else if (approval) approvals.push(requestedApproval(call.toolCallId, approval.id));
    content.push(AI5_UNKNOWN_STATES.has(call.state) ? { ...call, state: 'input-available' } : call);
  }
  return [...content, ...approvals, ...steering];
}

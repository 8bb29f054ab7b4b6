/**
 * The stream of a finished completion rebuilt from Postgres, for replays once its Redis log has expired (after
 * the replay window) or was lost. The `ai` client builds from it the message a live viewer ended with: each step's
 * reasoning, text, tool calls with their approvals and outcomes, sources and data parts, in the stored order; the
 * final attempt of a retried step only (what the transcript holds); the steering messages each step received,
 * after the step before it, where the live stream sent them; and a step that waited for approvals ends its segment
 * (`finish` with `awaitingApproval`, so the message's metadata merges as it did live) before the decisions and the
 * continuation. Token boundaries are not kept: each text goes out as one delta.
 */
import { z } from 'zod';
import type { StoredMessage } from '../db/messages-repo.js';
import { steeringPartsSchema } from '../db/steering-repo.js';
import { textPartSchema, type UIPart } from '../db/ui-parts.js';
import type { CompletionRow } from '../db/completions-repo.js';
import { approvalChunks, parseStoredToolPart, toolInputChunk, toolOutcomeChunks } from './stored-tool-part.js';
import type { UIMessageChunk } from './ui-chunks.js';

const steeringPartSchema = z.object({
  type: z.literal('steering-message'),
  id: z.string(),
  parts: steeringPartsSchema,
});

/** Stored with the id it streamed under (record-step.ts), which the ai package keeps in its part. */
const reasoningPartSchema = z.object({ type: z.literal('reasoning'), id: z.string().optional(), text: z.string() });

/** Parts stored with a step that reached the stream as chunks of their own type (tool results' UI parts, objects). */
const passthroughPartSchema = z.looseObject({
  type: z.union([z.enum(['source-url', 'source-document', 'file']), z.string().startsWith('data-')]),
});

/** A structured answer the schema refused is kept for the repair prompt; the stream never carried it. */
const NEVER_STREAMED: ReadonlySet<string> = new Set(['data-invalid_object']);

/** The whole completion (every segment), ending as it ended. */
export function rebuildChunks(completion: CompletionRow, rows: StoredMessage[]): UIMessageChunk[] {
  const start: UIMessageChunk = { type: 'start', messageId: completion.assistantMessageId };
  const chunks: UIMessageChunk[] = [start];
  const steps = rows.filter((row) => row.role === 'assistant');
  steps.forEach((step, index) => {
    chunks.push({ type: 'start-step' });
    const { content, outcomes, asked, steering } = stepChunks(step);
    chunks.push(...content);
    if (asked.requests.length === 0) {
      chunks.push(...outcomes, { type: 'finish-step' }, ...steering);
      return;
    }
    chunks.push(...asked.requests, { type: 'finish-step' });
    chunks.push({
      type: 'finish',
      messageMetadata: { completionId: completion.id, finishReason: 'tool-calls', awaitingApproval: asked.ids },
    });
    chunks.push(...asked.responses);
    // The continuation segment opened once every decision was in (not for a turn stopped while it waited).
    const wentOn = index < steps.length - 1 || completion.status !== 'cancelled';
    chunks.push(...(wentOn ? [start] : []), ...outcomes, ...steering);
  });
  chunks.push(terminalChunk(completion));
  return chunks;
}

/** One stored step's chunks: what it streamed, how its tool calls ended, the approvals it asked for. */
function stepChunks(step: StoredMessage) {
  const content: UIMessageChunk[] = [];
  const outcomes: UIMessageChunk[] = [];
  const asked = { ids: [] as string[], requests: [] as UIMessageChunk[], responses: [] as UIMessageChunk[] };
  const steering: UIMessageChunk[] = [];
  step.parts.forEach((part, index) => {
    const tool = parseStoredToolPart(part);
    if (tool) {
      content.push(toolInputChunk(tool));
      const approval = approvalChunks(tool);
      if (approval.request.length > 0) asked.ids.push(tool.toolCallId);
      asked.requests.push(...approval.request);
      asked.responses.push(...approval.response);
      outcomes.push(...toolOutcomeChunks(tool));
      return;
    }
    const steered = steeringPartSchema.safeParse(part);
    if (steered.success) {
      steering.push(steered.data);
      return;
    }
    content.push(...contentChunks(step.step, index, part));
  });
  return { content, outcomes, asked, steering };
}

function contentChunks(step: number, index: number, part: UIPart): UIMessageChunk[] {
  const reasoning = reasoningPartSchema.safeParse(part);
  if (reasoning.success) {
    const id = reasoning.data.id ?? `reasoning-${step}-${index}`;
    return [
      { type: 'reasoning-start', id },
      { type: 'reasoning-delta', id, delta: reasoning.data.text },
      { type: 'reasoning-end', id },
    ];
  }
  const text = textPartSchema.safeParse(part);
  if (text.success) {
    const id = `text-${step}-${index}`;
    return [
      { type: 'text-start', id },
      { type: 'text-delta', id, delta: text.data.text },
      { type: 'text-end', id },
    ];
  }
  const passthrough = passthroughPartSchema.safeParse(part);
  if (passthrough.success && !NEVER_STREAMED.has(passthrough.data.type)) {
    // Stored as the ai client built it from its chunk, which has the same fields.
    return [passthrough.data as UIMessageChunk];
  }
  return [];
}

function terminalChunk(completion: CompletionRow): UIMessageChunk {
  switch (completion.status) {
    case 'failed':
      return { type: 'error', errorText: completion.error?.message ?? 'The completion failed.' };
    case 'cancelled':
      return { type: 'abort', reason: 'cancelled' };
    default:
      return {
        type: 'finish',
        messageMetadata: {
          completionId: completion.id,
          ...(completion.finishReason ? { finishReason: completion.finishReason } : {}),
          usage: { inputTokens: completion.inputTokens ?? 0, outputTokens: completion.outputTokens ?? 0 },
        },
      };
  }
}

/**
 * Reads a chunk back from the stream log. The log is written from the typed catalogue (stream/ui-chunks.ts), but
 * a tool's own UI parts (`source-url`, …) ride along untyped, so a chunk is parsed, not cast: a catalogue chunk
 * comes back as one, anything else as its type and fields.
 */
import { z } from 'zod';
import type { UIMessageChunk } from '../stream/ui-chunks.js';

const record = z.record(z.string(), z.unknown());
const text = z.string();
const DATA_NAMES = [
  'approval',
  'approval_status',
  'tool_result',
  'step-reset',
  'steering',
  'object',
  'subagent',
  'events_gap',
] as const;

const catalogueSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), messageId: text.optional(), messageMetadata: record.optional() }),
  z.object({ type: z.literal('start-step') }),
  z.object({ type: z.literal('finish-step') }),
  z.object({ type: z.literal('finish'), finishReason: text.optional(), messageMetadata: record.optional() }),
  z.object({ type: z.literal('abort'), reason: text.optional() }),
  z.object({ type: z.literal('error'), errorText: text }),
  z.object({ type: z.enum(['text-start', 'text-end', 'reasoning-start', 'reasoning-end']), id: text }),
  z.object({ type: z.enum(['text-delta', 'reasoning-delta']), id: text, delta: text }),
  z.object({ type: z.literal('tool-input-start'), toolCallId: text, toolName: text }),
  z.object({ type: z.literal('tool-input-delta'), toolCallId: text, inputTextDelta: text }),
  z.object({ type: z.literal('tool-input-available'), toolCallId: text, toolName: text, input: z.unknown() }),
  z.object({
    type: z.literal('tool-input-error'),
    toolCallId: text,
    toolName: text,
    input: z.unknown(),
    errorText: text,
  }),
  z.object({ type: z.literal('tool-approval-request'), approvalId: text, toolCallId: text }),
  z.object({ type: z.literal('tool-output-available'), toolCallId: text, output: z.unknown() }),
  z.object({ type: z.literal('tool-output-error'), toolCallId: text, errorText: text }),
  z.object({ type: z.literal('tool-output-denied'), toolCallId: text }),
  z.object({
    type: z.literal('tool-approval-response'),
    approvalId: text,
    approved: z.boolean(),
    reason: text.optional(),
  }),
  z.object({
    type: z.literal('steering-message'),
    id: text,
    parts: z.array(z.object({ type: z.literal('text'), text })),
  }),
  z.object({
    type: z.literal('data-thread_status'),
    id: text,
    data: z.object({
      threadId: text,
      completionId: text,
      runStatus: z.enum(['running', 'awaiting_approval', 'complete', 'cancelled', 'failed']),
    }),
    transient: z.boolean().optional(),
  }),
  z.object({
    type: z.enum(DATA_NAMES.map((name) => `data-${name}` as const)),
    id: text.optional(),
    data: record,
    transient: z.boolean().optional(),
  }),
]) satisfies z.ZodType<UIMessageChunk>;

const otherChunkSchema = z.looseObject({ type: text });

export type PublishedChunk = { catalogue: UIMessageChunk } | { other: z.infer<typeof otherChunkSchema> };

/** Undefined for an entry that is no chunk object at all, which the writer skips rather than dying on it. */
export function parsePublishedChunk(json: string): PublishedChunk | undefined {
  const value: unknown = JSON.parse(json);
  const catalogue = catalogueSchema.safeParse(value);
  if (catalogue.success) return { catalogue: catalogue.data };
  const other = otherChunkSchema.safeParse(value);
  return other.success ? { other: other.data } : undefined;
}

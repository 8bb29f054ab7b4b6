/**
 * The model's context: the stored transcript as the provider-neutral messages a model call sends. Text comes from
 * the messages' parts; what each tool call returned comes from its typed record (tool_executions.result), never
 * from the tool part's state or error text, which are the browser's view of that record. Reasoning parts are the
 * user's to read only: Anthropic takes a thinking block back only with the signature it came with, which is not kept.
 */
import { z } from 'zod';
import type { StoredToolCall, TranscriptMessage } from '../db/messages-repo.js';
import { textPartSchema, type UIPart } from '../db/ui-parts.js';
import type { ModelMessage, ToolCallRequest } from '../llm/types.js';
import { DEFAULT_MODEL_OUTPUT_CHARS } from '../tools/tool-definition.js';
import {
  BACKGROUND_PENDING_RESULT,
  toModelToolContent,
  toolResultSchema,
  type ToolResult,
} from '../tools/tool-result.js';

/** The call as the model made it; the part's other fields (state, output, errorText) are not read. */
const toolCallPartSchema = z.looseObject({
  type: z.string().startsWith('tool-'),
  toolCallId: z.string(),
  input: z.unknown().optional(),
});

const toolResultPartSchema = z.object({
  type: z.literal('data-tool_result'),
  data: z.object({ toolCallId: z.string(), toolName: z.string(), result: toolResultSchema }),
});

/** Both vendors reject a call without an answer, so a call that has none reads as failed. */
const NO_RESULT: ToolResult = { kind: 'failed', message: 'the call did not produce a result' };

/** A user message added to the running answer (ai 7's part), stored at the end of the step before the one it reached. */
const steeringPartSchema = z.object({
  type: z.literal('steering-message'),
  parts: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
});

export interface ModelContextOptions {
  /** Characters of a tool's result the model reads (the tool's `maxModelOutputChars`). */
  outputCap?: (toolName: string) => number;
}

/**
 * What the model reads of a tool's result: all of it up to the tool's cap, else its start and a note, so the model
 * knows it saw part of it and does not take the cut for the end of the output.
 */
export function capToolContent(content: string, cap: number): string {
  if (content.length <= cap) return content;
  return `${content.slice(0, cap)}\n[Output cut to its first ${cap} of ${content.length} characters to fit the context; the full output is stored.]`;
}

/**
 * Turns the stored transcript into the messages of a model call. A step with tool calls becomes the assistant's
 * calls plus one tool message per call carrying its stored typed result; the steering messages a step ends with
 * follow it as user messages, where the step after it received them.
 */
export function toModelContext(rows: TranscriptMessage[], options: ModelContextOptions = {}): ModelMessage[] {
  const outputCap = options.outputCap ?? (() => DEFAULT_MODEL_OUTPUT_CHARS);
  const messages: ModelMessage[] = [];
  for (const row of rows) {
    if (row.role === 'assistant') {
      messages.push(...assistantStep(row, outputCap), ...steeringMessages(row.parts));
      continue;
    }
    if (row.role === 'system') {
      messages.push(...backgroundResults(row.parts, outputCap));
      continue;
    }
    const text = textOf(row.parts);
    if (text) messages.push({ role: 'user', content: text });
  }
  return messages;
}

function textOf(parts: UIPart[]): string {
  return parts
    .map((part) => textPartSchema.safeParse(part))
    .flatMap((parsed) => (parsed.success ? [parsed.data.text] : []))
    .join('');
}

function steeringMessages(parts: UIPart[]): ModelMessage[] {
  return parts.flatMap((part) => {
    const parsed = steeringPartSchema.safeParse(part);
    if (!parsed.success) return [];
    const text = parsed.data.parts.map((content) => (content.type === 'text' ? (content.text ?? '') : '')).join('');
    return text ? [{ role: 'user' as const, content: text }] : [];
  });
}

/** One assistant step: its answer, or its calls with one tool message per call carrying the call's typed result. */
function assistantStep(row: TranscriptMessage, outputCap: (toolName: string) => number): ModelMessage[] {
  const structured = structuredAnswer(row.parts);
  if (structured) return structured;
  const text = textOf(row.parts);
  const toolParts = row.parts.flatMap((part) => {
    const parsed = toolCallPartSchema.safeParse(part);
    return parsed.success ? [parsed.data] : [];
  });
  if (!text && toolParts.length === 0) return [];
  const toolCalls: ToolCallRequest[] = toolParts.map((part) => ({
    id: part.toolCallId,
    name: part.type.slice('tool-'.length),
    argsJson: JSON.stringify(part.input ?? {}),
  }));
  return [
    { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) },
    ...toolCalls.map((call): ModelMessage => ({
      role: 'tool',
      toolCallId: call.id,
      toolName: call.name,
      content: capToolContent(toModelToolContent(resultOf(row.toolCalls[call.id])), outputCap(call.name)),
    })),
  ];
}

function resultOf(call: StoredToolCall | undefined): ToolResult {
  // A background call answered `pending` in its step, and keeps reading so: what it returned later is a message
  // of its own further on (backgroundResults), while its record now holds that final result.
  if (call?.mode === 'background' && call.result) return BACKGROUND_PENDING_RESULT;
  return call?.result ?? NO_RESULT;
}

const objectPartSchema = z.object({ type: z.literal('data-object'), data: z.unknown() });
const invalidObjectPartSchema = z.object({
  type: z.literal('data-invalid_object'),
  data: z.object({ text: z.string(), problem: z.string() }),
});

/**
 * A structured answer reads back as the JSON the model wrote; an invalid one also carries the correction the
 * repair attempt needs.
 */
function structuredAnswer(parts: UIPart[]): ModelMessage[] | undefined {
  for (const part of parts) {
    const valid = objectPartSchema.safeParse(part);
    if (valid.success) return [{ role: 'assistant', content: JSON.stringify(valid.data.data) }];
    const invalid = invalidObjectPartSchema.safeParse(part);
    if (invalid.success) {
      return [
        { role: 'assistant', content: invalid.data.data.text },
        {
          role: 'user',
          content: `Your answer was rejected: ${invalid.data.data.problem}. Reply again with only the corrected JSON object.`,
        },
      ];
    }
  }
  return undefined;
}

function backgroundResults(parts: UIPart[], outputCap: (toolName: string) => number): ModelMessage[] {
  return parts.flatMap((part) => {
    const parsed = toolResultPartSchema.safeParse(part);
    if (!parsed.success) return [];
    const { toolCallId, toolName, result } = parsed.data.data;
    return [
      {
        role: 'user' as const,
        content: `[Result of the background tool call ${toolName} (${toolCallId}), which returned "pending" earlier]\n${capToolContent(toModelToolContent(result), outputCap(toolName))}`,
      },
    ];
  });
}

import { z } from 'zod';
import type { StoredMessage } from '../db/messages-repo.js';
import { textPartSchema, type UIPart } from '../db/ui-parts.js';
import type { ModelMessage, ToolCallRequest } from '../llm/types.js';
import { toModelToolContent, toolResultSchema, type ToolResult } from '../tools/tool-result.js';

const toolPartSchema = z.looseObject({
  type: z.string().startsWith('tool-'),
  toolCallId: z.string(),
  state: z.string(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
  approval: z.looseObject({ reason: z.string().optional() }).optional(),
});

const toolResultPartSchema = z.object({
  type: z.literal('data-tool_result'),
  data: z.object({ toolCallId: z.string(), toolName: z.string(), result: toolResultSchema }),
});

/**
 * Turns the stored transcript (UI-message parts) into the provider-neutral messages a model call needs. A tool
 * part becomes the assistant's call plus a tool message with what the model reads as the result; a call with
 * no result yet reads as failed, since both vendors reject a call without an answer.
 */
export function toModelMessages(rows: StoredMessage[]): ModelMessage[] {
  const messages: ModelMessage[] = [];
  for (const row of rows) {
    if (row.role === 'system') {
      messages.push(...backgroundResults(row.parts));
      continue;
    }
    const text = row.parts
      .map((part) => textPartSchema.safeParse(part))
      .flatMap((parsed) => (parsed.success ? [parsed.data.text] : []))
      .join('');
    if (row.role === 'assistant') {
      const structured = structuredAnswer(row.parts);
      if (structured) {
        messages.push(...structured);
        continue;
      }
    }
    if (row.role === 'user') {
      if (text) messages.push({ role: 'user', content: text });
      continue;
    }
    const toolParts = row.parts.flatMap((part) => {
      const parsed = toolPartSchema.safeParse(part);
      return parsed.success ? [parsed.data] : [];
    });
    if (!text && toolParts.length === 0) continue;
    const toolCalls: ToolCallRequest[] = toolParts.map((part) => ({
      id: part.toolCallId,
      name: part.type.slice('tool-'.length),
      argsJson: JSON.stringify(part.input ?? {}),
    }));
    messages.push({ role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) });
    for (const part of toolParts) {
      messages.push({
        role: 'tool',
        toolCallId: part.toolCallId,
        toolName: part.type.slice('tool-'.length),
        content: toModelToolContent(resultOf(part)),
      });
    }
  }
  return messages;
}

function resultOf(part: z.infer<typeof toolPartSchema>): ToolResult {
  switch (part.state) {
    case 'output-available': {
      const pending = z.object({ status: z.literal('pending'), message: z.string() }).safeParse(part.output);
      return pending.success ? { kind: 'pending', message: pending.data.message } : { kind: 'completed', output: part.output ?? null };
    }
    case 'output-denied':
      return { kind: 'denied', reason: part.approval?.reason ?? 'denied', expired: false };
    case 'output-error': {
      const [kind, ...rest] = (part.errorText ?? 'failed: unknown error').split(': ');
      const message = rest.join(': ');
      if (kind === 'validation_error' || kind === 'not_found_error') return { kind, message };
      return { kind: 'failed', message: part.errorText ?? 'failed' };
    }
    default:
      return { kind: 'failed', message: 'the call did not produce a result' };
  }
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

function backgroundResults(parts: UIPart[]): ModelMessage[] {
  return parts.flatMap((part) => {
    const parsed = toolResultPartSchema.safeParse(part);
    if (!parsed.success) return [];
    const { toolCallId, toolName, result } = parsed.data.data;
    return [
      {
        role: 'user' as const,
        content: `[Result of the background tool call ${toolName} (${toolCallId}), which returned "pending" earlier]\n${toModelToolContent(result)}`,
      },
    ];
  });
}

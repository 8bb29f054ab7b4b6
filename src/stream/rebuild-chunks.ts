import { z } from 'zod';
import type { StoredMessage } from '../db/messages-repo.js';
import { steeringPartsSchema } from '../db/steering-repo.js';
import { textPartSchema } from '../db/ui-parts.js';
import type { CompletionRow } from '../db/completions-repo.js';
import type { UIMessageChunk } from './ui-chunks.js';

/**
 * The stream of a finished completion rebuilt from Postgres, for replays after the Redis log has expired.
 * Carries the final reasoning and text only (what the transcript holds), not the original token boundaries, and
 * the steering messages each step received: stored at the end of the step before, they go out after its
 * `finish-step`, right before the receiving step's `start-step`, where the live stream sent them.
 */
const steeringPartSchema = z.object({
  type: z.literal('steering-message'),
  id: z.string(),
  parts: steeringPartsSchema,
});

/** Stored with the id it streamed under (record-step.ts), which the ai package keeps in its part. */
const reasoningPartSchema = z.object({ type: z.literal('reasoning'), id: z.string().optional(), text: z.string() });

export function rebuildChunks(completion: CompletionRow, steps: StoredMessage[]): UIMessageChunk[] {
  const chunks: UIMessageChunk[] = [{ type: 'start', messageId: completion.assistantMessageId }];
  for (const step of steps) {
    chunks.push({ type: 'start-step' });
    step.parts.forEach((part, index) => {
      const reasoning = reasoningPartSchema.safeParse(part);
      if (reasoning.success) {
        const id = reasoning.data.id ?? `reasoning-${step.step}-${index}`;
        chunks.push(
          { type: 'reasoning-start', id },
          { type: 'reasoning-delta', id, delta: reasoning.data.text },
          { type: 'reasoning-end', id },
        );
        return;
      }
      const text = textPartSchema.safeParse(part);
      if (!text.success) return;
      const id = `text-${step.step}-${index}`;
      chunks.push(
        { type: 'text-start', id },
        { type: 'text-delta', id, delta: text.data.text },
        { type: 'text-end', id },
      );
    });
    chunks.push({ type: 'finish-step' });
    for (const part of step.parts) {
      const steering = steeringPartSchema.safeParse(part);
      if (steering.success) chunks.push(steering.data);
    }
  }
  switch (completion.status) {
    case 'failed':
      chunks.push({ type: 'error', errorText: completion.error?.message ?? 'The completion failed.' });
      break;
    case 'cancelled':
      chunks.push({ type: 'abort', reason: 'cancelled' });
      break;
    default:
      chunks.push({
        type: 'finish',
        messageMetadata: {
          completionId: completion.id,
          ...(completion.finishReason ? { finishReason: completion.finishReason } : {}),
          usage: { inputTokens: completion.inputTokens ?? 0, outputTokens: completion.outputTokens ?? 0 },
        },
      });
  }
  return chunks;
}

/**
 * Message parts as stored in messages.parts: the Vercel AI SDK UIMessage part form (v5/v6), so a message can
 * go to useChat unchanged. Only the fields Longhaul writes are typed; unknown part types pass through.
 */
import { z } from 'zod';

export const textPartSchema = z.object({
  type: z.literal('text'),
  text: z.string(),
  state: z.enum(['streaming', 'done']).optional(),
});

export const uiPartSchema = z.looseObject({ type: z.string().min(1) });
export const uiPartsSchema = z.array(uiPartSchema);

export type TextPart = z.infer<typeof textPartSchema>;
export type UIPart = z.infer<typeof uiPartSchema>;

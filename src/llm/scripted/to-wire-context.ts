/**
 * Validates a model request the way the vendor would (a missing `max_tokens` is a 400 at Anthropic) and pulls
 * out what the answer depends on. Unknown fields pass: vendors add request fields faster than tests need them.
 */
import { z } from 'zod';
import type { Vendor } from './recorded-request.js';
import type { WireContext } from './wire-response.js';

/** Roughly 4 characters per token: deterministic, so tests can rely on usage without scripting it. */
function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value).length / 4));
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

/** Each vendor's request, validated and reduced to what the answer depends on. */
const requestSchemas = {
  openai: z
    .object({
      model: z.string().min(1),
      messages: z.array(z.unknown()).min(1),
      stream: z.boolean().nullish(),
      stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
    })
    .transform(({ model, messages, stream, stream_options }) => ({
      model,
      stream: stream === true,
      includeUsage: stream_options?.include_usage === true,
      estimatedInputTokens: estimateTokens(messages),
    })),
  anthropic: z
    .object({
      model: z.string().min(1),
      messages: z.array(z.unknown()).min(1),
      max_tokens: z.number().int().positive(),
      system: z.unknown().optional(),
      stream: z.boolean().nullish(),
    })
    .transform(({ model, messages, system, stream }) => ({
      model,
      stream: stream === true,
      includeUsage: true,
      estimatedInputTokens: estimateTokens([system ?? '', messages]),
    })),
} satisfies Record<Vendor, z.ZodType<Omit<WireContext, 'requestIndex'>>>;

export type WireContextResult = { ok: true; context: WireContext } | { ok: false; message: string };

export function toWireContext(vendor: Vendor, body: unknown, requestIndex: number): WireContextResult {
  const parsed = requestSchemas[vendor].safeParse(body);
  if (!parsed.success) return { ok: false, message: describe(parsed.error) };
  return { ok: true, context: { requestIndex, ...parsed.data } };
}

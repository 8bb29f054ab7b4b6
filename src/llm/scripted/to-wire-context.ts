/**
 * Validates a model request the way the vendor would (a missing `max_tokens` is a 400 at Anthropic) and pulls
 * out what the answer depends on. Unknown fields pass: vendors add request fields faster than tests need them.
 */
import { z } from 'zod';
import { estimateTokensByChars } from '../char-token-estimate.js';
import { countOpenAIChatTokens } from '../openai-token-count.js';
import type { Vendor } from './recorded-request.js';
import type { WireContext } from './wire-response.js';

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

/** Anthropic's input as its token counter and its usage report see it: system prompt, messages and tools. */
function anthropicInputTokens({
  messages,
  system,
  tools,
}: {
  messages: unknown[];
  system?: unknown;
  tools?: unknown[];
}) {
  return estimateTokensByChars(tools ? [system ?? '', messages, tools] : [system ?? '', messages]);
}

/** `POST /v1/messages/count_tokens`: the same fields as a message request, without max_tokens. */
const countTokensSchema = z.object({
  model: z.string().min(1),
  messages: z.array(z.unknown()).min(1),
  system: z.unknown().optional(),
  tools: z.array(z.unknown()).optional(),
});

/** The count Anthropic's counting endpoint answers: what a message request with this body reports as input. */
export function toTokenCount(body: unknown): { ok: true; inputTokens: number } | { ok: false; message: string } {
  const parsed = countTokensSchema.safeParse(body);
  if (!parsed.success) return { ok: false, message: describe(parsed.error) };
  return { ok: true, inputTokens: anthropicInputTokens(parsed.data) };
}

/** Each vendor's request, validated and reduced to what the answer depends on. */
const requestSchemas = {
  openai: z
    .object({
      model: z.string().min(1),
      messages: z.array(z.unknown()).min(1),
      stream: z.boolean().nullish(),
      stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
      tools: z.array(z.unknown()).optional(),
    })
    .transform(({ model, messages, stream, stream_options, tools }) => ({
      model,
      stream: stream === true,
      includeUsage: stream_options?.include_usage === true,
      estimatedInputTokens: countOpenAIChatTokens(messages, tools),
    })),
  anthropic: z
    .object({
      model: z.string().min(1),
      messages: z.array(z.unknown()).min(1),
      max_tokens: z.number().int().positive(),
      system: z.unknown().optional(),
      tools: z.array(z.unknown()).optional(),
      stream: z.boolean().nullish(),
    })
    .transform(({ model, messages, system, tools, stream }) => ({
      model,
      stream: stream === true,
      includeUsage: true,
      estimatedInputTokens: anthropicInputTokens({ messages, system, tools }),
    })),
} satisfies Record<Vendor, z.ZodType<Omit<WireContext, 'requestIndex'>>>;

export type WireContextResult = { ok: true; context: WireContext } | { ok: false; message: string };

export function toWireContext(vendor: Vendor, body: unknown, requestIndex: number): WireContextResult {
  const parsed = requestSchemas[vendor].safeParse(body);
  if (!parsed.success) return { ok: false, message: describe(parsed.error) };
  return { ok: true, context: { requestIndex, ...parsed.data } };
}

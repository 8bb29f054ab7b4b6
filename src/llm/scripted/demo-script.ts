/**
 * The answer of the key-less demo: without an API key Longhaul still runs end to end against the scripted
 * model server, and this text makes plain to the person chatting that no real model is answering.
 */
import { z } from 'zod';
import type { RecordedRequest } from './recorded-request.js';
import type { Script } from './script.js';

const bodySchema = z.object({ messages: z.array(z.unknown()) });
const userMessageSchema = z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(z.unknown())]) });
const textBlockSchema = z.object({ type: z.literal('text'), text: z.string() });

const MAX_QUOTE_CHARS = 160;
const DELAY_PER_WORD_MS = 30;

/** The text of the last user message, in either vendor's message format ('' when there is none). */
export function lastUserText(request: RecordedRequest): string {
  const body = bodySchema.safeParse(request.body);
  const messages = body.success ? body.data.messages : [];
  for (const candidate of messages.toReversed()) {
    const message = userMessageSchema.safeParse(candidate);
    if (!message.success) continue;
    const { content } = message.data;
    const text =
      typeof content === 'string'
        ? content
        : content.flatMap((block) => {
            const parsed = textBlockSchema.safeParse(block);
            return parsed.success ? [parsed.data.text] : [];
          }).join(' ');
    if (text.trim()) return text;
  }
  return '';
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUOTE_CHARS ? `${flat.slice(0, MAX_QUOTE_CHARS)}…` : flat;
}

/** Streams a friendly, clearly-labelled demo answer that quotes the user's message back, word by word. */
export function demoScript(request: RecordedRequest): Script {
  const said = quote(lastUserText(request)) || '(nothing)';
  const text =
    `Hello! This is Longhaul's scripted demo model, not a real AI. You said: "${said}". ` +
    'No API key is configured, so every reply comes from a script. Set OPENAI_API_KEY or ANTHROPIC_API_KEY ' +
    'to talk to a real model; the durable workflow, streaming and resume you see here are all real.';
  return { kind: 'text', chunks: text.match(/\S+\s*/g) ?? [text], delayMs: DELAY_PER_WORD_MS };
}

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
        : content
            .flatMap((block) => {
              const parsed = textBlockSchema.safeParse(block);
              return parsed.success ? [parsed.data.text] : [];
            })
            .join(' ');
    if (text.trim()) return text;
  }
  return '';
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUOTE_CHARS ? `${flat.slice(0, MAX_QUOTE_CHARS)}…` : flat;
}

const toolsSchema = z.object({
  tools: z.array(z.union([z.object({ function: z.object({ name: z.string() }) }), z.object({ name: z.string() })])),
});
const toolResultSchema = z.object({
  messages: z.array(z.unknown()),
});

function offeredTools(request: RecordedRequest): string[] {
  const parsed = toolsSchema.safeParse(request.body);
  if (!parsed.success) return [];
  return parsed.data.tools.map((tool) => ('function' in tool ? tool.function.name : tool.name));
}

/** The text of a tool result when the request's last message is one (OpenAI `tool` role, Anthropic tool_result). */
function lastToolResult(request: RecordedRequest): string | undefined {
  const parsed = toolResultSchema.safeParse(request.body);
  const last = parsed.success ? parsed.data.messages.at(-1) : undefined;
  const openai = z.object({ role: z.literal('tool'), content: z.string() }).safeParse(last);
  if (openai.success) return openai.data.content;
  const anthropic = z
    .object({
      role: z.literal('user'),
      content: z.array(z.object({ type: z.literal('tool_result'), content: z.unknown() })),
    })
    .safeParse(last);
  if (anthropic.success) return JSON.stringify(anthropic.data.content[0]?.content ?? '');
  return undefined;
}

const words = (text: string) => text.match(/\S+\s*/g) ?? [text];

/**
 * Streams a friendly, clearly-labelled demo answer that quotes the user's message back, word by word. A message
 * starting with "research " (to an agent that has the research tool) makes it call that tool instead, so the
 * key-less demo shows a sub-agent at work; after a tool result it reports what came back.
 */
export function demoScript(request: RecordedRequest): Script {
  const toolResult = lastToolResult(request);
  if (toolResult !== undefined) {
    const summary = quote(toolResult);
    return { kind: 'text', chunks: words(`The tool answered (scripted demo): ${summary}`), delayMs: DELAY_PER_WORD_MS };
  }
  const question = /^research\s+(.+)/i.exec(lastUserText(request).trim())?.[1];
  if (question && offeredTools(request).includes('research')) {
    return {
      kind: 'tool-calls',
      text: words('Let me hand that to a research sub-agent. '),
      calls: [{ name: 'research', argsChunks: [JSON.stringify({ question })] }],
      delayMs: DELAY_PER_WORD_MS,
    };
  }
  const said = quote(lastUserText(request)) || '(nothing)';
  const text =
    `Hello! This is Longhaul's scripted demo model, not a real AI. You said: "${said}". ` +
    'No API key is configured, so every reply comes from a script. Set OPENAI_API_KEY or ANTHROPIC_API_KEY ' +
    'to talk to a real model; the durable workflow, streaming and resume you see here are all real.';
  return { kind: 'text', chunks: words(text), delayMs: DELAY_PER_WORD_MS };
}

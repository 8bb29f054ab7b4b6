/**
 * Proves the scripted wire format against real vendor bytes: (1) the writers, given the content of a recorded
 * stream, produce the same events apart from ids, timestamps and billing detail; (2) the recorded bytes,
 * replayed over HTTP, drive the providers to the expected events.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAnthropicProvider } from '../../src/llm/anthropic-provider.js';
import { createOpenAIProvider } from '../../src/llm/openai-provider.js';
import { toAnthropicWire } from '../../src/llm/scripted/anthropic-wire.js';
import { toOpenAIWire } from '../../src/llm/scripted/openai-wire.js';
import type { Script } from '../../src/llm/scripted/script.js';
import { createScriptedModelServer, type ScriptedModelServer } from '../../src/llm/scripted/scripted-model-server.js';
import type { WireContext, WireResponse } from '../../src/llm/scripted/wire-response.js';
import type { ModelRequest } from '../../src/llm/types.js';
import { collectEvents, textOf } from './collect-events.js';
import { parseSseEvents, readFixture } from './sse-fixtures.js';

const jsonObject = z.record(z.string(), z.unknown());

function parseData(data: string): Record<string, unknown> {
  return jsonObject.parse(JSON.parse(data));
}

function omit(object: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}

function sseEventsOf(wire: WireResponse): string {
  if (wire.kind !== 'sse') throw new Error(`expected an SSE response, got ${wire.kind}`);
  return wire.events.join('');
}

const context = (model: string): WireContext => ({
  requestIndex: 0,
  model,
  stream: true,
  includeUsage: true,
  estimatedInputTokens: 1,
});

// Per-response identity and fields OpenAI added for its own bookkeeping (obfuscation pads lengths).
const OPENAI_VOLATILE = ['id', 'created', 'model', 'system_fingerprint', 'service_tier', 'obfuscation'];

function normalizeOpenAI(text: string): unknown[] {
  return parseSseEvents(text).map(({ data }) => (data === '[DONE]' ? data : omit(parseData(data), OPENAI_VOLATILE)));
}

/** Message identity aside, usage is compared on the counts that carry meaning at each point. */
function normalizeAnthropic(text: string): unknown[] {
  return parseSseEvents(text).map(({ event, data }) => {
    const payload = parseData(data);
    if (payload.type === 'message_start') {
      const message = jsonObject.parse(payload.message);
      const usage = jsonObject.parse(message.usage);
      return {
        event,
        ...payload,
        message: { ...omit(message, ['id', 'model', 'usage']), usage: { input_tokens: usage.input_tokens } },
      };
    }
    if (payload.type === 'message_delta') {
      return { event, ...payload, usage: { output_tokens: jsonObject.parse(payload.usage).output_tokens } };
    }
    return { event, ...payload };
  });
}

const openAIChunkSchema = z.object({
  choices: z.array(z.object({ delta: z.object({ content: z.string().nullish() }) })),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
});

const anthropicEventSchema = z.object({
  type: z.string(),
  message: z.object({ usage: z.object({ input_tokens: z.number() }) }).optional(),
  content_block: z.object({ type: z.string(), id: z.string().optional(), name: z.string().optional() }).optional(),
  delta: z
    .object({ type: z.string().optional(), text: z.string().optional(), partial_json: z.string().optional() })
    .optional(),
  usage: z.object({ output_tokens: z.number() }).optional(),
});

/** The script that describes a recorded Anthropic stream's content. */
function anthropicScriptOf(text: string): Script {
  const events = parseSseEvents(text).map(({ data }) => anthropicEventSchema.parse(JSON.parse(data)));
  const chunks = events.flatMap((e) =>
    e.delta?.type === 'text_delta' && e.delta.text !== undefined ? [e.delta.text] : [],
  );
  const tool = events.find((e) => e.content_block?.type === 'tool_use')?.content_block;
  const argsChunks = events.flatMap((e) => (e.delta?.partial_json ? [e.delta.partial_json] : []));
  const usage = {
    inputTokens: events.find((e) => e.message)?.message?.usage.input_tokens ?? 0,
    outputTokens: events.findLast((e) => e.usage)?.usage?.output_tokens ?? 0,
  };
  if (!tool?.name) return { kind: 'text', chunks, usage };
  return { kind: 'tool-calls', text: chunks, calls: [{ id: tool.id, name: tool.name, argsChunks }], usage };
}

describe('scripted wire output matches recorded vendor streams', () => {
  it('OpenAI text stream: same chunks, role chunk first, usage: null on each, usage chunk, [DONE]', () => {
    const fixture = readFixture('openai-chat-text.recorded.sse');
    const chunks = parseSseEvents(fixture)
      .filter(({ data }) => data !== '[DONE]')
      .map(({ data }) => openAIChunkSchema.parse(JSON.parse(data)));
    const contents = chunks
      .flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? ''))
      .filter(Boolean);
    const usage = chunks.at(-1)?.usage;
    expect(contents.length).toBeGreaterThan(50);
    const script: Script = {
      kind: 'text',
      chunks: contents,
      usage: { inputTokens: usage?.prompt_tokens ?? -1, outputTokens: usage?.completion_tokens ?? -1 },
    };
    const written = sseEventsOf(toOpenAIWire(script, context('gpt-4.1-nano-2025-04-14')));
    expect(normalizeOpenAI(written)).toEqual(normalizeOpenAI(fixture));
  });

  it('OpenAI tool-call stream: first fragment in the role chunk, then argument fragments by index', () => {
    const fixture = readFixture('openai-chat-tool-call.sse');
    const script: Script = {
      kind: 'tool-calls',
      calls: [
        {
          id: 'call_O17Uplv4lJvD6DVdIvFFeRMw',
          name: 'test-tool',
          argsChunks: ['{"', 'value', '":"', 'Spark', 'le', ' Day', '"}'],
        },
      ],
      usage: { inputTokens: 53, outputTokens: 17 },
    };
    const written = sseEventsOf(toOpenAIWire(script, context('gpt-3.5-turbo-0125')));
    // This recording predates `refusal` and per-chunk `usage: null`; compare what it has.
    const choicesOf = (text: string) =>
      normalizeOpenAI(text).map((event) => {
        if (typeof event === 'string') return event;
        const record = jsonObject.parse(event);
        const choices = z.array(jsonObject).parse(record.choices);
        return choices.map((choice) => ({ ...choice, delta: omit(jsonObject.parse(choice.delta), ['refusal']) }));
      });
    expect(choicesOf(written)).toEqual(choicesOf(fixture));
    expect(normalizeOpenAI(written).at(-2)).toMatchObject({
      usage: { prompt_tokens: 53, completion_tokens: 17, total_tokens: 70 },
    });
  });

  it.each(['anthropic-text.recorded.sse', 'anthropic-tool-use.docs.sse'])(
    'Anthropic %s: same event sequence and payloads',
    (name) => {
      const fixture = readFixture(name);
      const written = sseEventsOf(toAnthropicWire(anthropicScriptOf(fixture), context('claude-sonnet-4-5-20250929')));
      expect(normalizeAnthropic(written)).toEqual(normalizeAnthropic(fixture));
    },
  );
});

describe('recorded vendor bytes drive the providers', () => {
  let server: ScriptedModelServer;
  const request: ModelRequest = { model: 'recorded', messages: [{ role: 'user', content: 'Hi' }] };
  const signal = () => new AbortController().signal;

  beforeAll(async () => {
    server = await createScriptedModelServer();
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());

  const openai = () => createOpenAIProvider({ apiKey: 'sk-test', baseURL: server.openaiBaseURL });
  const anthropic = () => createAnthropicProvider({ apiKey: 'sk-ant-test', baseURL: server.anthropicBaseURL });

  it('OpenAI recorded text, split inside characters', async () => {
    const fixture = readFixture('openai-chat-text.recorded.sse');
    const expectedText = parseSseEvents(fixture)
      .filter(({ data }) => data !== '[DONE]')
      .flatMap(({ data }) =>
        openAIChunkSchema.parse(JSON.parse(data)).choices.map((choice) => choice.delta.content ?? ''),
      )
      .join('');
    server.enqueue({ kind: 'replay', sse: fixture, splitUtf8: true });
    const { events, error } = await collectEvents(openai().stream(request, signal()));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe(expectedText);
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 16, outputTokens: 300 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('OpenAI recorded tool call', async () => {
    server.enqueue({ kind: 'replay', sse: readFixture('openai-chat-tool-call.sse') });
    const { events } = await collectEvents(openai().stream(request, signal()));
    const id = 'call_O17Uplv4lJvD6DVdIvFFeRMw';
    expect(events[0]).toEqual({ type: 'tool-call-start', id, name: 'test-tool' });
    expect(events.slice(-3)).toEqual([
      { type: 'tool-call-end', id, name: 'test-tool', argsJson: '{"value":"Sparkle Day"}' },
      { type: 'usage', usage: { inputTokens: 53, outputTokens: 17 } },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  it('Anthropic recorded text', async () => {
    server.enqueue({ kind: 'replay', sse: readFixture('anthropic-text.recorded.sse') });
    const { events } = await collectEvents(anthropic().stream(request, signal()));
    expect(textOf(events)).toBe(
      "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?",
    );
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 30 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('Anthropic recorded tool call without arguments', async () => {
    server.enqueue({ kind: 'replay', sse: readFixture('anthropic-tool-no-args.recorded.sse') });
    const { events } = await collectEvents(anthropic().stream(request, signal()));
    const id = 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP';
    expect(textOf(events)).toBe("I'll update the issue list for you.");
    expect(events.filter((event) => event.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', id, name: 'updateIssueList' },
      { type: 'tool-call-end', id, name: 'updateIssueList', argsJson: '{}' },
    ]);
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 565, outputTokens: 48 } },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  it('Anthropic documented overloaded error event', async () => {
    server.enqueue({ kind: 'replay', sse: readFixture('anthropic-error-overloaded.docs.sse') });
    const { events, error } = await collectEvents(anthropic().stream(request, signal()));
    expect(events).toEqual([]);
    expect(error).toMatchObject({ provider: 'anthropic', code: 'overloaded_error', retryable: true });
  });
});

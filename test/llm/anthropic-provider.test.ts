/** The Anthropic provider over real HTTP: official SDK → scripted server speaking the Messages API. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, createAnthropicProvider } from '../../src/llm/anthropic-provider.js';
import { createScriptedModelServer, type ScriptedModelServer } from '../../src/llm/scripted/scripted-model-server.js';
import type { ModelProvider, ModelRequest } from '../../src/llm/types.js';
import { collectEvents, never, textOf } from './collect-events.js';
import { describeProviderContract } from './provider-contract.js';

const API_KEY = 'sk-ant-test-key-123456';
const hello: ModelRequest = { model: 'claude-test-model', messages: [{ role: 'user', content: 'Hi' }] };

let server: ScriptedModelServer;
let provider: ModelProvider;

beforeAll(async () => {
  server = await createScriptedModelServer();
  provider = createAnthropicProvider({ apiKey: API_KEY, baseURL: server.anthropicBaseURL });
});
afterEach(() => server.reset());
afterAll(() => server.close());

describeProviderContract('anthropic', () => ({ server, provider }), {
  request: hello,
  httpErrors: [
    [529, 'overloaded_error', true],
    [429, 'rate_limit_error', true],
    [500, 'api_error', true],
    [400, 'invalid_request_error', false],
    [401, 'authentication_error', false],
    [403, 'permission_error', false],
    [404, 'not_found_error', false],
    [413, 'request_too_large', false],
  ],
});

describe('anthropic provider: streaming', () => {
  it('reassembles emoji and CJK split across TCP chunks into exactly the scripted text', async () => {
    const chunks = ['こんにちは', '、世界 🌏', ' 👩‍👩‍👧 family', ' — ok'];
    server.enqueue({ kind: 'text', chunks, splitUtf8: true, delayMs: 2, usage: { inputTokens: 9, outputTokens: 4 } });
    const { events, error } = await collectEvents(provider.stream(hello, never()));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe(chunks.join(''));
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 4 } },
      { type: 'finish', reason: 'stop' },
    ]);
    expect(events.filter((event) => event.type === 'usage')).toHaveLength(1);
  });

  it('streams thinking as reasoning deltas before the text', async () => {
    server.enqueue({ kind: 'text', reasoning: ['Let me ', 'think.'], chunks: ['Answer.'] });
    const { events } = await collectEvents(provider.stream(hello, never()));
    expect(events.slice(0, 3)).toEqual([
      { type: 'reasoning-delta', delta: 'Let me ' },
      { type: 'reasoning-delta', delta: 'think.' },
      { type: 'text-delta', delta: 'Answer.' },
    ]);
  });

  it('streams two parallel tool calls, ending each when its block stops', async () => {
    server.enqueue({
      kind: 'tool-calls',
      text: ['Checking.'],
      calls: [
        { id: 'toolu_paris', name: 'get_weather', argsChunks: ['{"city":', ' "Paris"}'] },
        { name: 'list_issues', argsChunks: [] },
      ],
      usage: { inputTokens: 30, outputTokens: 8 },
    });
    const { events, error } = await collectEvents(provider.stream(hello, never()));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'text-delta', delta: 'Checking.' },
      { type: 'tool-call-start', id: 'toolu_paris', name: 'get_weather' },
      { type: 'tool-call-delta', id: 'toolu_paris', argsDelta: '{"city":' },
      { type: 'tool-call-delta', id: 'toolu_paris', argsDelta: ' "Paris"}' },
      { type: 'tool-call-end', id: 'toolu_paris', name: 'get_weather', argsJson: '{"city": "Paris"}' },
      { type: 'tool-call-start', id: 'toolu_0_1', name: 'list_issues' },
      // A tool without parameters streams no JSON; the call still needs an arguments object.
      { type: 'tool-call-end', id: 'toolu_0_1', name: 'list_issues', argsJson: '{}' },
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 8 } },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  it('sends system, tool_use and tool_result blocks with roles merged, tools, and max_tokens', async () => {
    const request: ModelRequest = {
      model: 'claude-test-model',
      system: 'Be brief.',
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          toolCalls: [
            { id: 'toolu_a', name: 'get_weather', argsJson: '{"city":"Paris"}' },
            { id: 'toolu_b', name: 'get_weather', argsJson: 'not json' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_a', toolName: 'get_weather', content: '{"tempC":21}' },
        { role: 'tool', toolCallId: 'toolu_b', toolName: 'get_weather', content: 'validation_error' },
        { role: 'user', content: 'And Berlin?' },
      ],
    };
    await collectEvents(provider.stream(request, never()));
    const [recorded] = await server.waitForRequests(1);
    expect(recorded).toMatchObject({ vendor: 'anthropic', method: 'POST', path: '/v1/messages' });
    expect(recorded?.headers['x-api-key']).toBe(API_KEY);
    expect(recorded?.headers['anthropic-version']).toBeDefined();
    expect(recorded?.body).toEqual({
      model: 'claude-test-model',
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      stream: true,
      system: 'Be brief.',
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather for a city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Paris' } },
            // Broken arguments still replay as an object; the tool result explains the failure.
            { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_a', content: '{"tempC":21}' },
            { type: 'tool_result', tool_use_id: 'toolu_b', content: 'validation_error' },
            { type: 'text', text: 'And Berlin?' },
          ],
        },
      ],
    });
  });

  it('sends the caller’s maxOutputTokens as max_tokens', async () => {
    await collectEvents(provider.stream({ ...hello, maxOutputTokens: 123 }, never()));
    const [recorded] = await server.waitForRequests(1);
    expect(recorded?.body).toMatchObject({ max_tokens: 123 });
  });
});

describe('anthropic provider: failures', () => {
  it('carries retry-after into retryAfterMs with a readable message', async () => {
    server.enqueue({ kind: 'http-error', status: 529, retryAfterSeconds: 3 });
    const { error } = await collectEvents(provider.stream(hello, never()));
    expect(error).toMatchObject({ retryAfterMs: 3000, message: 'anthropic returned 529 overloaded_error: Overloaded' });
  });

  it('keeps text streamed before an overloaded_error event and reports it as retryable', async () => {
    server.enqueue({ kind: 'error-mid-stream', chunks: ['Partial ', 'answer'] });
    const { events, error } = await collectEvents(provider.stream(hello, never()));
    expect(textOf(events)).toBe('Partial answer');
    expect(events.some((event) => event.type === 'finish' || event.type === 'usage')).toBe(false);
    expect(error).toMatchObject({
      code: 'overloaded_error',
      retryable: true,
      message: 'anthropic stream failed with overloaded_error: Overloaded',
    });
  });

  it('reports a stream that stops before message_stop as retryable stream_incomplete', async () => {
    server.enqueue({
      kind: 'replay',
      sse: 'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"c","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n',
    });
    const { error } = await collectEvents(provider.stream(hello, never()));
    expect(error).toMatchObject({ code: 'stream_incomplete', retryable: true });
  });

  it('closes the HTTP stream when the consumer stops iterating early', async () => {
    server.enqueue({ kind: 'text', chunks: ['one', 'two', 'three'], delayMs: 50 });
    for await (const event of provider.stream(hello, never())) {
      if (event.type === 'text-delta') break;
    }
    const [disconnect] = await server.waitForDisconnects(1);
    expect(disconnect?.requestIndex).toBe(0);
  });
});

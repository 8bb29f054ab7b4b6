/** The OpenAI provider over real HTTP: official SDK → scripted server speaking Chat Completions. */
import { createServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../src/llm/openai-provider.js';
import { ProviderError } from '../../src/llm/provider-error.js';
import { createScriptedModelServer, type ScriptedModelServer } from '../../src/llm/scripted/scripted-model-server.js';
import type { ModelProvider, ModelRequest } from '../../src/llm/types.js';
import { collectEvents, never, textOf } from './collect-events.js';
import { describeProviderContract } from './provider-contract.js';

const API_KEY = 'sk-test-openai-key-123456';
const hello: ModelRequest = { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Hi' }] };

let server: ScriptedModelServer;
let provider: ModelProvider;

beforeAll(async () => {
  server = await createScriptedModelServer();
  provider = createOpenAIProvider({ apiKey: API_KEY, baseURL: server.openaiBaseURL });
});
afterEach(() => server.reset());
afterAll(() => server.close());

describeProviderContract('openai', () => ({ server, provider }), {
  request: hello,
  httpErrors: [
    [429, 'rate_limit_exceeded', true],
    [500, 'server_error', true],
    [503, 'server_error', true],
    [400, 'invalid_request_error', false],
    [403, 'unsupported_country_region_territory', false],
    [404, 'model_not_found', false],
  ],
});

describe('openai provider: streaming', () => {
  it('reassembles emoji and CJK split across TCP chunks into exactly the scripted text', async () => {
    const chunks = ['Hello 👋🏽 ', '世界', '！café ', '🇫🇷 naïve', ' 𝄞 done'];
    server.enqueue({ kind: 'text', chunks, splitUtf8: true, usage: { inputTokens: 11, outputTokens: 5 } });
    const { events, error } = await collectEvents(provider.stream(hello, never()));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe(chunks.join(''));
    expect(events.filter((event) => event.type === 'text-delta')).toHaveLength(chunks.length);
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 11, outputTokens: 5 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('streams two parallel tool calls keyed by index and ends each with its full arguments', async () => {
    server.enqueue({
      kind: 'tool-calls',
      text: ['Checking both.'],
      calls: [
        { id: 'call_paris', name: 'get_weather', argsChunks: ['{"ci', 'ty":"Par', 'is"}'] },
        { name: 'get_time', argsChunks: ['{"zone":', '"Europe/Rome"}'] },
      ],
      usage: { inputTokens: 40, outputTokens: 12 },
    });
    const { events, error } = await collectEvents(provider.stream(hello, never()));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'text-delta', delta: 'Checking both.' },
      { type: 'tool-call-start', id: 'call_paris', name: 'get_weather' },
      { type: 'tool-call-delta', id: 'call_paris', argsDelta: '{"ci' },
      { type: 'tool-call-delta', id: 'call_paris', argsDelta: 'ty":"Par' },
      { type: 'tool-call-delta', id: 'call_paris', argsDelta: 'is"}' },
      { type: 'tool-call-start', id: 'call_0_1', name: 'get_time' },
      { type: 'tool-call-delta', id: 'call_0_1', argsDelta: '{"zone":' },
      { type: 'tool-call-delta', id: 'call_0_1', argsDelta: '"Europe/Rome"}' },
      { type: 'tool-call-end', id: 'call_paris', name: 'get_weather', argsJson: '{"city":"Paris"}' },
      { type: 'tool-call-end', id: 'call_0_1', name: 'get_time', argsJson: '{"zone":"Europe/Rome"}' },
      { type: 'usage', usage: { inputTokens: 40, outputTokens: 12 } },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  it('sends system, tool calls, tool results, tools and the token cap as Chat Completions fields', async () => {
    const request: ModelRequest = {
      model: 'gpt-4.1-mini',
      system: 'Be brief.',
      maxOutputTokens: 256,
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
          content: '',
          toolCalls: [
            { id: 'call_a', name: 'get_weather', argsJson: '{"city":"Paris"}' },
            { id: 'call_b', name: 'get_weather', argsJson: '{"city":"Rome"}' },
          ],
        },
        { role: 'tool', toolCallId: 'call_a', toolName: 'get_weather', content: '{"tempC":21}' },
        { role: 'tool', toolCallId: 'call_b', toolName: 'get_weather', content: '{"tempC":25}' },
        { role: 'assistant', content: 'Paris 21°C, Rome 25°C.' },
        { role: 'user', content: 'Thanks!' },
      ],
    };
    await collectEvents(provider.stream(request, never()));
    const [recorded] = await server.waitForRequests(1);
    expect(recorded).toMatchObject({ vendor: 'openai', method: 'POST', path: '/v1/chat/completions' });
    expect(recorded?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(recorded?.body).toEqual({
      model: 'gpt-4.1-mini',
      stream: true,
      stream_options: { include_usage: true },
      // A custom baseURL means an OpenAI-compatible server, and those read max_tokens.
      max_tokens: 256,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ],
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '{"tempC":21}' },
        { role: 'tool', tool_call_id: 'call_b', content: '{"tempC":25}' },
        { role: 'assistant', content: 'Paris 21°C, Rome 25°C.' },
        { role: 'user', content: 'Thanks!' },
      ],
    });
  });
});

describe('openai provider: failures', () => {
  it('carries retry-after into retryAfterMs and keeps the vendor message readable', async () => {
    server.enqueue({
      kind: 'http-error',
      status: 429,
      message: 'Rate limit reached for requests',
      retryAfterSeconds: 7,
    });
    const { error } = await collectEvents(provider.stream(hello, never()));
    expect(error).toMatchObject({
      status: 429,
      retryable: true,
      retryAfterMs: 7000,
      message: 'openai returned 429 rate_limit_exceeded: Rate limit reached for requests',
    });
  });

  it('does not leak the API key when a 401 message echoes it', async () => {
    server.enqueue({ kind: 'http-error', status: 401, message: `Incorrect API key provided: ${API_KEY}.` });
    const { error } = await collectEvents(provider.stream(hello, never()));
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', retryable: false });
    expect(String((error as Error).message)).not.toContain(API_KEY);
  });

  it('keeps text streamed before a mid-stream error and reports the error as retryable', async () => {
    server.enqueue({ kind: 'error-mid-stream', chunks: ['Partial ', 'answer'], message: 'The server had an error' });
    const { events, error } = await collectEvents(provider.stream(hello, never()));
    expect(textOf(events)).toBe('Partial answer');
    expect(events.some((event) => event.type === 'finish')).toBe(false);
    expect(error).toMatchObject({
      code: 'server_error',
      retryable: true,
      message: 'openai stream failed with server_error: The server had an error',
    });
    expect((error as ProviderError).status).toBeUndefined();
  });

  it('reports a stream that stops without a finish_reason as retryable stream_incomplete', async () => {
    const cut =
      'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Half"},"finish_reason":null}]}\n\n';
    server.enqueue({ kind: 'replay', sse: cut });
    const { events, error } = await collectEvents(provider.stream(hello, never()));
    expect(textOf(events)).toBe('Half');
    expect(error).toMatchObject({ code: 'stream_incomplete', retryable: true });
  });

  it('reports aborted, not finished, when the abort lands after finish_reason but before [DONE]', async () => {
    const chunk = (delta: string, finish: string | null) =>
      `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${delta},"finish_reason":${finish}}]}\n\n`;
    const usage =
      'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n';
    // Events 200 ms apart; aborting 300 ms after the text lands between the finish chunk and the usage chunk.
    server.enqueue({
      kind: 'replay',
      sse: chunk('{"content":"Done"}', null) + chunk('{}', '"stop"') + usage + 'data: [DONE]\n\n',
      delayMs: 200,
    });
    const controller = new AbortController();
    const { events, error } = await collectEvents(provider.stream(hello, controller.signal), (event) => {
      if (event.type === 'text-delta') setTimeout(() => controller.abort(), 300);
    });
    expect(events).toEqual([{ type: 'text-delta', delta: 'Done' }]);
    expect(error).toMatchObject({ code: 'aborted' });
  });

  it('aborts while waiting for the first token', async () => {
    server.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = collectEvents(provider.stream(hello, controller.signal));
    await server.waitForRequests(1);
    controller.abort();
    const { events, error } = await pending;
    expect(events).toEqual([]);
    expect(error).toMatchObject({ code: 'aborted', retryable: false });
    await server.waitForDisconnects(1);
  });

  it('does not send a request when the signal is already aborted', async () => {
    const { error } = await collectEvents(provider.stream(hello, AbortSignal.abort()));
    expect(error).toMatchObject({ code: 'aborted' });
    expect(server.requests).toHaveLength(0);
  });

  it('reports a refused connection as a retryable connection_error', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    await new Promise((resolve) => probe.close(resolve));
    if (address === null || typeof address === 'string') throw new Error('no port');
    const offline = createOpenAIProvider({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${address.port}/v1` });
    const { error } = await collectEvents(offline.stream(hello, never()));
    expect(error).toMatchObject({ code: 'connection_error', retryable: true });
  });
});

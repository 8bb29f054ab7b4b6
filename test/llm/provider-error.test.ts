import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs, ProviderError, toProviderError } from '../../src/llm/provider-error.js';

function openAIHttpError(status: number, error: unknown, headers: Record<string, string> = {}) {
  return OpenAI.APIError.generate(status, { error }, undefined, new Headers(headers));
}

function anthropicHttpError(status: number, type: string, message: string, headers: Record<string, string> = {}) {
  return Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type, message } },
    undefined,
    new Headers(headers),
  );
}

describe('toProviderError for HTTP errors', () => {
  it('names the provider, status, code and vendor message, and reads retry-after-ms first', () => {
    const error = toProviderError(
      'openai',
      openAIHttpError(
        429,
        {
          message: 'Rate limit reached for gpt-4.1 on requests per min.',
          type: 'requests',
          code: 'rate_limit_exceeded',
        },
        { 'retry-after-ms': '1500', 'retry-after': '3' },
      ),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      name: 'ProviderError',
      provider: 'openai',
      status: 429,
      code: 'rate_limit_exceeded',
      retryable: true,
      retryAfterMs: 1500,
      message: 'openai returned 429 rate_limit_exceeded: Rate limit reached for gpt-4.1 on requests per min.',
    });
  });

  it('reads an Anthropic 529 overloaded_error with retry-after seconds', () => {
    const error = toProviderError(
      'anthropic',
      anthropicHttpError(529, 'overloaded_error', 'Overloaded', { 'retry-after': '2' }),
    );
    expect(error).toMatchObject({
      provider: 'anthropic',
      status: 529,
      code: 'overloaded_error',
      retryable: true,
      retryAfterMs: 2000,
      message: 'anthropic returned 529 overloaded_error: Overloaded',
    });
  });

  it.each([
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [413, false],
    [418, false],
    [422, false],
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [529, true],
  ])('classifies status %i as retryable=%s for both vendors', (status, retryable) => {
    expect(toProviderError('openai', openAIHttpError(status, { message: 'x', type: 't' }))).toMatchObject({
      status,
      retryable,
    });
    expect(toProviderError('anthropic', anthropicHttpError(status, 't', 'x'))).toMatchObject({ status, retryable });
  });

  it('does not retry an exhausted quota even though it is a 429', () => {
    const error = toProviderError(
      'openai',
      openAIHttpError(429, {
        message: 'You exceeded your current quota.',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      }),
    );
    expect(error).toMatchObject({ status: 429, code: 'insufficient_quota', retryable: false });
  });

  it('lets the vendor x-should-retry header overrule the status', () => {
    expect(
      toProviderError('openai', openAIHttpError(500, { message: 'x' }, { 'x-should-retry': 'false' })).retryable,
    ).toBe(false);
    expect(
      toProviderError('anthropic', anthropicHttpError(400, 'invalid_request_error', 'x', { 'x-should-retry': 'true' }))
        .retryable,
    ).toBe(true);
  });

  it('shows the status text instead of a non-JSON body such as a proxy HTML page', () => {
    const raw = OpenAI.APIError.generate(502, undefined, '<html><body>nginx bad gateway</body></html>', new Headers());
    const error = toProviderError('openai', raw);
    expect(error).toMatchObject({
      status: 502,
      code: 'http_502',
      retryable: true,
      message: 'openai returned 502: Bad Gateway',
    });
  });

  it('keeps the text of a bare `{"error": "..."}` body from a compatible server', () => {
    const error = toProviderError('openai', openAIHttpError(500, 'model runner crashed'));
    expect(error.message).toBe('openai returned 500: model runner crashed');
  });

  it('never shows an API key the vendor echoed back', () => {
    const raw = openAIHttpError(401, {
      message: 'Incorrect API key provided: sk-proj-abcdef123456. Sent as Bearer sk-proj-abcdef123456.',
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
    const error = toProviderError('openai', raw);
    expect(error.message).not.toContain('abcdef123456');
    expect(error.message).toBe(
      'openai returned 401 invalid_api_key: Incorrect API key provided: sk-***. Sent as Bearer ***',
    );
    expect(error.retryable).toBe(false);
  });
});

describe('toProviderError for mid-stream errors', () => {
  it('classifies an OpenAI `data: {"error":...}` event as retryable server trouble without a status', () => {
    const raw = new OpenAI.APIError(
      undefined,
      { message: 'The server had an error', type: 'server_error' },
      undefined,
      new Headers(),
    );
    const error = toProviderError('openai', raw);
    expect(error).toMatchObject({
      code: 'server_error',
      retryable: true,
      message: 'openai stream failed with server_error: The server had an error',
    });
    expect(error.status).toBeUndefined();
  });

  it('classifies an Anthropic `event: error` overloaded_error as retryable', () => {
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const error = toProviderError(
      'anthropic',
      new Anthropic.APIError(undefined, body, undefined, new Headers(), 'overloaded_error'),
    );
    expect(error).toMatchObject({
      code: 'overloaded_error',
      retryable: true,
      message: 'anthropic stream failed with overloaded_error: Overloaded',
    });
  });

  it('does not retry a mid-stream error whose type says the request itself is wrong', () => {
    const body = { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } };
    expect(toProviderError('anthropic', new Anthropic.APIError(undefined, body, undefined, undefined)).retryable).toBe(
      false,
    );
  });
});

describe('toProviderError for aborts and network failures', () => {
  it.each([
    ['openai APIUserAbortError', new OpenAI.APIUserAbortError()],
    ['anthropic APIUserAbortError', new Anthropic.APIUserAbortError()],
    ['a DOMException AbortError', new DOMException('This operation was aborted', 'AbortError')],
  ])('reports %s as aborted, not retryable', (_label, raw) => {
    expect(toProviderError('openai', raw)).toMatchObject({ code: 'aborted', retryable: false });
  });

  it('reports anything thrown after the caller aborted as aborted', () => {
    const signal = AbortSignal.abort();
    const raw = Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } });
    expect(toProviderError('anthropic', raw, signal)).toMatchObject({
      code: 'aborted',
      retryable: false,
      message: 'anthropic request was aborted',
    });
  });

  it.each([
    ['openai connection error', new OpenAI.APIConnectionError({ message: 'Connection error.' })],
    ['anthropic connection error', new Anthropic.APIConnectionError({ message: 'Connection error.' })],
    [
      'undici reset socket',
      new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }),
    ],
    ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ])('reports %s as a retryable connection_error', (_label, raw) => {
    expect(toProviderError('openai', raw)).toMatchObject({ code: 'connection_error', retryable: true });
  });

  it('reports an SDK timeout as a retryable timeout', () => {
    expect(toProviderError('anthropic', new Anthropic.APIConnectionTimeoutError())).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
  });

  it('reports an unparseable event as a retryable invalid_response', () => {
    expect(toProviderError('openai', new SyntaxError('Unexpected token'))).toMatchObject({
      code: 'invalid_response',
      retryable: true,
    });
  });

  it('does not retry an unknown error and redacts its message', () => {
    const error = toProviderError('openai', new Error('bad key sk-abcdefghij'));
    expect(error).toMatchObject({
      code: 'unknown',
      retryable: false,
      message: 'openai request failed: bad key sk-***',
    });
  });

  it('passes a ProviderError through unchanged', () => {
    const original = new ProviderError({
      provider: 'openai',
      code: 'stream_incomplete',
      retryable: true,
      message: 'cut',
    });
    expect(toProviderError('openai', original)).toBe(original);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    [{ 'retry-after-ms': '250' }, 250],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': '30' }, 30_000],
    [{ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }, 10_000],
    [{ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, 0],
    [{ 'retry-after-ms': 'soon', 'retry-after': '2' }, 2000],
    [{ 'retry-after': 'whenever' }, undefined],
    [{ 'retry-after': '-5' }, undefined],
    [{}, undefined],
  ])('reads %j as %s ms', (headers, expected) => {
    expect(parseRetryAfterMs(new Headers(headers), now)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { createProviders } from '../../src/llm/create-providers.js';
import { parseModelString } from '../../src/llm/model-string.js';

describe('parseModelString', () => {
  it.each([
    ['openai:gpt-4.1-mini', { provider: 'openai', model: 'gpt-4.1-mini' }],
    ['anthropic:claude-sonnet-4-5-20250929', { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929' }],
    ['openai:llama3.1:8b', { provider: 'openai', model: 'llama3.1:8b' }],
    ['openai:org/model_v2@latest', { provider: 'openai', model: 'org/model_v2@latest' }],
    [`openai:${'m'.repeat(120)}`, { provider: 'openai', model: 'm'.repeat(120) }],
  ])('splits %s into provider and vendor model', (value, expected) => {
    expect(parseModelString(value)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['gpt-4.1-mini', 'no provider'],
    ['openai:', 'empty model'],
    ['google:gemini-2.5', 'unknown provider'],
    ['OpenAI:gpt-4.1', 'provider in the wrong case'],
    ['openai:gpt 4', 'a space'],
    ['openai:gpt-4\n', 'a trailing newline'],
    ['openai:../../etc/passwd?x=1', 'a query character'],
    ['openai:gpt-4.1-mini;drop', 'a semicolon'],
    [`openai:${'m'.repeat(121)}`, 'a model of 121 characters'],
  ])('rejects %j (%s)', (value) => {
    expect(parseModelString(value)).toBeNull();
  });
});

describe('createProviders', () => {
  it('creates only the providers that have an API key', () => {
    const providers = createProviders({ openai: { apiKey: 'sk-test' }, anthropic: { apiKey: '' } });
    expect(Object.keys(providers)).toEqual(['openai']);
    expect(providers.openai?.name).toBe('openai');
  });

  it('creates both when both have keys, and none when none are given', () => {
    const both = createProviders({
      openai: { apiKey: 'a' },
      anthropic: { apiKey: 'b', baseURL: 'http://127.0.0.1:1' },
    });
    expect(both.openai?.name).toBe('openai');
    expect(both.anthropic?.name).toBe('anthropic');
    expect(createProviders({})).toEqual({});
  });
});

/**
 * The OpenAI count before a call: gpt-tokenizer's own chat encoding (its implementation of OpenAI's chat framing)
 * is the independent reference for plain messages; tool calls and tool schemas add exactly their JSON's tokens.
 */
import { describe, expect, it } from 'vitest';
import { countTokens, encodeChat } from 'gpt-tokenizer';
import { countOpenAIChatTokens } from '../../src/llm/openai-token-count.js';

describe('countOpenAIChatTokens', () => {
  const chats = [
    [{ role: 'user' as const, content: 'Hello world' }],
    [
      { role: 'system' as const, content: 'You are Longhaul’s assistant. Be concise.' },
      { role: 'user' as const, content: 'Wie spät ist es in Tokio? 東京は今何時ですか' },
      { role: 'assistant' as const, content: 'It is 9 pm there.' },
      { role: 'user' as const, content: 'x'.repeat(5000) },
    ],
  ];

  it.each(chats.map((chat, i) => [i, chat] as const))('counts plain chat %i as the tokenizer encodes it', (_, chat) => {
    expect(countOpenAIChatTokens(chat)).toBe(encodeChat(chat, 'gpt-4o').length);
  });

  it('counts text parts like the same text as a string', () => {
    expect(countOpenAIChatTokens([{ role: 'user', content: [{ type: 'text', text: 'Hello world' }] }])).toBe(
      countOpenAIChatTokens([{ role: 'user', content: 'Hello world' }]),
    );
  });

  it('adds the JSON of tool calls, tool results’ ids and tool schemas', () => {
    const toolCalls = [{ id: 'call_1', type: 'function', function: { name: 'echo', arguments: '{"text":"hi"}' } }];
    const tools = [{ type: 'function', function: { name: 'echo', parameters: { type: 'object' } } }];
    const base = [{ role: 'user', content: 'Echo hi' }];
    const withCall = [...base, { role: 'assistant', content: null, tool_calls: toolCalls }];
    const withResult = [...withCall, { role: 'tool', tool_call_id: 'call_1', content: '{"echoed":"hi"}' }];
    const baseCount = countOpenAIChatTokens(base);
    const callCount = countOpenAIChatTokens(withCall);
    expect(callCount - baseCount).toBe(3 + countTokens('assistant') + countTokens(JSON.stringify(toolCalls)));
    expect(countOpenAIChatTokens(withResult) - callCount).toBe(
      3 + countTokens('tool') + countTokens('call_1') + countTokens('{"echoed":"hi"}'),
    );
    expect(countOpenAIChatTokens(base, tools) - baseCount).toBe(countTokens(JSON.stringify(tools)));
  });
});

import { describe, expect, it } from 'vitest';
import { demoScript } from '../../src/llm/scripted/demo-script.js';
import type { RecordedRequest } from '../../src/llm/scripted/recorded-request.js';

const request = (body: unknown): RecordedRequest => ({
  index: 0,
  vendor: 'openai',
  method: 'POST',
  path: '/v1/chat/completions',
  headers: {},
  body,
  receivedAt: 0,
});

describe('the key-less demo script', () => {
  it('quotes the user back', () => {
    const script = demoScript(request({ messages: [{ role: 'user', content: 'Hello there' }] }));
    expect(script.kind).toBe('text');
    expect(script.kind === 'text' && script.chunks.join('')).toContain('You said: "Hello there"');
  });

  it('delegates "research …" to the research tool when it is offered, then reports the tool result', () => {
    const tools = [{ type: 'function', function: { name: 'research', parameters: {} } }];
    const asked = demoScript(request({ tools, messages: [{ role: 'user', content: 'research why the sky is blue' }] }));
    expect(asked).toMatchObject({
      kind: 'tool-calls',
      calls: [{ name: 'research', argsChunks: ['{"question":"why the sky is blue"}'] }],
    });

    const withoutTool = demoScript(request({ messages: [{ role: 'user', content: 'research why the sky is blue' }] }));
    expect(withoutTool.kind).toBe('text');

    const answered = demoScript(
      request({
        tools,
        messages: [
          { role: 'user', content: 'research x' },
          { role: 'tool', tool_call_id: 'c', content: '{"answer":"Rayleigh"}' },
        ],
      }),
    );
    expect(answered.kind === 'text' && answered.chunks.join('')).toContain('Rayleigh');
  });
});

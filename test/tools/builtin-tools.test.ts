import { z } from 'zod';
import { expect, it } from 'vitest';
import { createBuiltinTools } from '../../src/tools/builtin/index.js';

const tools = createBuiltinTools({
  fetchUrl: { allowPrivateNetworks: false, maxBytes: 2_000_000, timeoutMs: 15_000, maxRedirects: 5 },
});

it('offers the six built-in tools under provider-safe names', () => {
  expect(tools.map((tool) => tool.name)).toEqual([
    'current_time',
    'fetch_url',
    'save_note',
    'list_notes',
    'read_note',
    'research',
  ]);
  for (const tool of tools) expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
});

it('gates only saving a note behind a durable approval; research runs as a durable sub-agent', () => {
  const policies = Object.fromEntries(tools.map((tool) => [tool.name, [tool.mode, tool.requiresApproval ?? false]]));

  expect(policies).toEqual({
    current_time: ['inline', false],
    fetch_url: ['inline', false],
    save_note: ['durable', true],
    list_notes: ['inline', false],
    read_note: ['inline', false],
    research: ['durable', false],
  });
  expect(tools.find((tool) => tool.name === 'research')?.subagent).toBe('researcher');
});

it('declares every input as a JSON Schema object the providers accept', () => {
  for (const tool of tools) {
    expect(z.toJSONSchema(tool.input, { io: 'input' })).toMatchObject({ type: 'object' });
  }
});

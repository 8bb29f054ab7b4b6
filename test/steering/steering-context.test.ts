import { describe, expect, it } from 'vitest';
import { toModelContext } from '../../src/completions/model-context.js';
import type { TranscriptMessage } from '../../src/db/messages-repo.js';
import type { UIPart } from '../../src/db/ui-parts.js';

const row = (role: TranscriptMessage['role'], step: number, parts: UIPart[]): TranscriptMessage => ({
  id: `m-${step}-${role}`,
  uiMessageId: role === 'user' ? 'u1' : 'a1',
  role,
  parts,
  completionId: role === 'user' ? null : 'cmp_1',
  step,
  createdAt: new Date(0),
  toolCalls: role === 'assistant' ? { tc_1: { mode: 'inline', result: { kind: 'completed', output: 'ok' } } } : {},
});

const steering = (id: string, text: string): UIPart => ({
  type: 'steering-message',
  id,
  parts: [{ type: 'text', text }],
});

describe('toModelContext with steering messages', () => {
  it('reads a steering message as a user message after the step it ends, its tool results first', () => {
    const context = toModelContext([
      row('user', 0, [{ type: 'text', text: 'go' }]),
      row('assistant', 0, [
        { type: 'step-start' },
        { type: 'text', text: 'Looking.', state: 'done' },
        { type: 'tool-echo', toolCallId: 'tc_1', input: { text: 'x' }, state: 'output-available', output: 'ok' },
        steering('s1', 'use metric'),
        steering('s2', 'and be brief'),
      ]),
      row('assistant', 1, [{ type: 'step-start' }, { type: 'text', text: 'Done.', state: 'done' }]),
    ]);
    expect(context.map((message) => [message.role, message.content])).toEqual([
      ['user', 'go'],
      ['assistant', 'Looking.'],
      ['tool', JSON.stringify({ kind: 'completed', output: 'ok' })],
      ['user', 'use metric'],
      ['user', 'and be brief'],
      ['assistant', 'Done.'],
    ]);
  });

  it('reads one after a step cut short before any text', () => {
    const context = toModelContext([
      row('user', 0, [{ type: 'text', text: 'go' }]),
      row('assistant', 0, [{ type: 'step-start' }, steering('s1', 'stop that, do this')]),
    ]);
    expect(context).toEqual([
      { role: 'user', content: 'go' },
      { role: 'user', content: 'stop that, do this' },
    ]);
  });
});

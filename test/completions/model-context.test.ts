import { describe, expect, it } from 'vitest';
import { toModelContext } from '../../src/completions/model-context.js';
import type { StoredToolCall, TranscriptMessage } from '../../src/db/messages-repo.js';
import type { UIPart } from '../../src/db/ui-parts.js';

const row = (
  role: TranscriptMessage['role'],
  parts: UIPart[],
  toolCalls: Record<string, StoredToolCall> = {},
): TranscriptMessage => ({
  id: `m-${Math.random()}`,
  uiMessageId: 'ui',
  role,
  parts,
  completionId: role === 'user' ? null : 'cmp_1',
  step: 0,
  createdAt: new Date(0),
  toolCalls,
});

/** The tool messages of a one-step transcript whose step made these calls, each with its stored record. */
function toolMessagesFor(
  calls: { id: string; name: string; part: Record<string, unknown>; record?: StoredToolCall }[],
) {
  const step = row(
    'assistant',
    calls.map((call) => ({ type: `tool-${call.name}`, toolCallId: call.id, input: {}, ...call.part })),
    Object.fromEntries(calls.flatMap((call) => (call.record ? [[call.id, call.record]] : []))),
  );
  return toModelContext([row('user', [{ type: 'text', text: 'go' }]), step])
    .filter((message) => message.role === 'tool')
    .map((message) => JSON.parse(message.content) as unknown);
}

describe('toModelContext', () => {
  it('reads each call from its stored typed result, whatever the part shows', () => {
    expect(
      toolMessagesFor([
        {
          id: 'tc_1',
          name: 'explode',
          part: { state: 'output-error', errorText: 'failed: explode failed: wet: very' },
          record: { mode: 'inline', result: { kind: 'failed', message: 'explode failed: wet: very' } },
        },
        {
          id: 'tc_2',
          name: 'hasty',
          part: {
            state: 'output-denied',
            approval: { id: 'a', approved: false, reason: 'the approval request expired' },
          },
          record: {
            mode: 'durable',
            result: { kind: 'denied', reason: 'the approval request expired', expired: true },
          },
        },
        {
          id: 'tc_3',
          name: 'search',
          part: { state: 'output-available', output: { hits: 1 } },
          record: {
            mode: 'inline',
            result: { kind: 'completed', output: { hits: 1 }, uiParts: [{ type: 'source-url' }] },
          },
        },
      ]),
    ).toEqual([
      { kind: 'failed', message: 'explode failed: wet: very' },
      { kind: 'denied', reason: 'the approval request expired', expired: true },
      { kind: 'completed', output: { hits: 1 } },
    ]);
  });

  it('keeps a background call pending once its result has landed (the result follows as a message of its own)', () => {
    const [read] = toolMessagesFor([
      {
        id: 'tc_1',
        name: 'slow',
        part: { state: 'output-available' },
        record: { mode: 'background', result: { kind: 'completed', output: 'done' } },
      },
    ]);
    expect(read).toEqual({
      kind: 'pending',
      message: 'running in the background; the result will be added to the thread',
    });
  });

  it('leaves the stored reasoning out: Anthropic takes thinking back only with its signature, which is not kept', () => {
    const messages = toModelContext([
      row('user', [{ type: 'text', text: 'go' }]),
      row('assistant', [
        { type: 'step-start' },
        { type: 'reasoning', id: 'reasoning-0-1', text: 'private thought', state: 'done' },
        { type: 'text', text: 'The answer.', state: 'done' },
      ]),
    ]);
    expect(messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'The answer.' },
    ]);
  });

  it('leaves out a stopped step that only reasoned', () => {
    const messages = toModelContext([
      row('user', [{ type: 'text', text: 'go' }]),
      row('assistant', [{ type: 'step-start' }, { type: 'reasoning', text: 'cut short', state: 'done' }]),
    ]);
    expect(messages).toEqual([{ role: 'user', content: 'go' }]);
  });

  it('answers a call that has no result as failed', () => {
    expect(
      toolMessagesFor([
        {
          id: 'tc_1',
          name: 'transfer',
          part: { state: 'approval-requested' },
          record: { mode: 'durable', result: null },
        },
        { id: 'tc_2', name: 'ghost', part: { state: 'input-available' } },
      ]),
    ).toEqual([
      { kind: 'failed', message: 'the call did not produce a result' },
      { kind: 'failed', message: 'the call did not produce a result' },
    ]);
  });
});

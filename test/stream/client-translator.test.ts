import { describe, expect, it } from 'vitest';
import { createClientTranslator, type ClientVersion } from '../../src/stream/client-version.js';
import type { StreamEvent } from '../../src/stream/stream-event.js';

/** Published chunks as the log holds them, seq from 1. */
function published(...chunks: Record<string, unknown>[]): StreamEvent[] {
  return chunks.map((chunk, index) => ({ seq: index + 1, type: String(chunk.type), json: JSON.stringify(chunk) }));
}

/** What one connection of `version` sends for `events`, decoded: `<seq> <chunk>`. */
function sent(version: ClientVersion, events: StreamEvent[]): string[] {
  const translate = createClientTranslator(version);
  return events.flatMap(translate).map((event) => `${event.seq} ${event.json}`);
}

const reset = { type: 'data-step-reset', data: { step: 1, attempt: 2, supersededIds: ['text-1-1'] } };

/**
 * Step 0 finished, step 1's first attempt streamed a little and failed, the second attempt answers (sending the
 * turn's `start` again first, as a retried attempt does).
 */
const liveRetry = published(
  { type: 'start' },
  { type: 'start-step' },
  { type: 'text-start', id: 'text-0-1' },
  { type: 'text-end', id: 'text-0-1' },
  { type: 'finish-step' },
  { type: 'start-step' },
  { type: 'text-start', id: 'text-1-1' },
  { type: 'start' },
  reset,
  { type: 'start-step' },
  { type: 'text-start', id: 'text-1-2' },
);

/** The same stream replayed from the log, which dropped the failed attempt's chunks before the retry. */
const replayedRetry = liveRetry.filter((event) => event.seq < 6 || event.seq > 7);

describe('per-connection translation of a retried step', () => {
  it('gives ai 7 one reset-step in place of the retried attempt’s start-step', () => {
    expect(sent(7, liveRetry).slice(5)).toEqual([
      '6 {"type":"start-step"}',
      '7 {"type":"text-start","id":"text-1-1"}',
      '8 {"type":"start"}',
      '10 {"type":"reset-step"}',
      '11 {"type":"text-start","id":"text-1-2"}',
    ]);
  });

  it('gives ai 6 and 5 the data-step-reset and the start-step', () => {
    for (const version of [6, 5] as const) {
      expect(sent(version, liveRetry).slice(5)).toEqual([
        '6 {"type":"start-step"}',
        '7 {"type":"text-start","id":"text-1-1"}',
        '8 {"type":"start"}',
        `9 ${JSON.stringify(reset)}`,
        '10 {"type":"start-step"}',
        '11 {"type":"text-start","id":"text-1-2"}',
      ]);
    }
  });

  it('sends no reset in a replay, where it would remove the finished step before it', () => {
    for (const version of [7, 6, 5] as const) {
      expect(sent(version, replayedRetry).slice(5)).toEqual([
        '8 {"type":"start"}',
        '10 {"type":"start-step"}',
        '11 {"type":"text-start","id":"text-1-2"}',
      ]);
    }
  });

  it('sends no reset in a continuation after approvals, whose tool outputs belong to the step before', () => {
    const continuation = published(
      { type: 'start' },
      { type: 'tool-output-available', toolCallId: 'call-1', output: 1 },
      reset,
      { type: 'start-step' },
    );
    expect(sent(7, continuation)).toEqual([
      '1 {"type":"start"}',
      '2 {"type":"tool-output-available","toolCallId":"call-1","output":1}',
      '4 {"type":"start-step"}',
    ]);
  });

  it('resets for ai 7 before a chunk that comes between the reset and the start-step, then drops that', () => {
    const steered = published(
      { type: 'start' },
      { type: 'start-step' },
      { type: 'text-start', id: 'text-0-1' },
      reset,
      { type: 'steering-message', id: 'm2', parts: [{ type: 'text', text: 'shorter' }] },
      { type: 'start-step' },
      { type: 'text-start', id: 'text-0-2' },
    );
    expect(sent(7, steered).slice(3)).toEqual([
      '5 {"type":"reset-step"}',
      '5 {"type":"steering-message","id":"m2","parts":[{"type":"text","text":"shorter"}]}',
      '7 {"type":"text-start","id":"text-0-2"}',
    ]);
  });

  it('still resets for ai 7 when the attempt after the reset ends before its start-step', () => {
    const failed = published({ type: 'start' }, { type: 'start-step' }, reset, { type: 'error', errorText: 'x' });
    expect(sent(7, failed).slice(2)).toEqual(['4 {"type":"reset-step"}', '4 {"type":"error","errorText":"x"}']);
  });
});

describe('per-connection translation of approvals and steering', () => {
  const approval = published(
    { type: 'tool-approval-request', approvalId: 'call-1:abc', toolCallId: 'call-1' },
    { type: 'tool-approval-response', approvalId: 'call-1:abc', approved: false, reason: 'no' },
    { type: 'tool-output-denied', toolCallId: 'call-1' },
  );

  it('passes approval chunks through for ai 7', () => {
    expect(sent(7, approval)).toEqual(approval.map((event) => `${event.seq} ${event.json}`));
  });

  it('keeps tool-approval-response from ai 6, which rejects it', () => {
    expect(sent(6, approval)).toEqual([
      '1 {"type":"tool-approval-request","approvalId":"call-1:abc","toolCallId":"call-1"}',
      '3 {"type":"tool-output-denied","toolCallId":"call-1"}',
    ]);
  });

  it('gives ai 5 data-approval parts only', () => {
    expect(sent(5, approval)).toEqual([
      '1 {"type":"data-approval","id":"approval-call-1","data":{"toolCallId":"call-1","approvalId":"call-1:abc","argsDigest":"abc","state":"requested"}}',
      '3 {"type":"data-approval","id":"approval-call-1","data":{"toolCallId":"call-1","state":"denied"}}',
    ]);
  });

  it('passes steering-message to ai 7 and turns it into a data-steering part for ai 6 and 5', () => {
    const steering = published({ type: 'steering-message', id: 'm2', parts: [{ type: 'text', text: 'shorter' }] });
    expect(sent(7, steering)).toEqual([
      '1 {"type":"steering-message","id":"m2","parts":[{"type":"text","text":"shorter"}]}',
    ]);
    for (const version of [6, 5] as const) {
      expect(sent(version, steering)).toEqual([
        '1 {"type":"data-steering","id":"steering-m2","data":{"id":"m2","parts":[{"type":"text","text":"shorter"}]}}',
      ]);
    }
  });
});

/** Which rows one compaction summarises: pure, from character estimates of the rows' model messages. */
import { describe, expect, it } from 'vitest';
import { planCompaction } from '../../src/completions/compaction-plan.js';
import { toModelContext } from '../../src/completions/model-context.js';
import type { TranscriptMessage } from '../../src/db/messages-repo.js';

/** A user row of about `tokens` tokens (4 characters each). */
function row(id: string, tokens: number): TranscriptMessage {
  return {
    id,
    uiMessageId: id,
    role: 'user',
    parts: [{ type: 'text', text: 'x'.repeat(tokens * 4) }],
    completionId: null,
    step: 0,
    createdAt: new Date(0),
    toolCalls: {},
  };
}

const ids = (rows: TranscriptMessage[] | undefined) => rows?.map((r) => r.id);

describe('planCompaction', () => {
  it('keeps the newest rows that fit in half the budget and summarises the oldest a request can carry', () => {
    const rows = ['a', 'b', 'c', 'd', 'e'].map((id) => row(id, 300));
    // Budget 1,000: the newest row alone fills half of it; one request carries 600 tokens, so two rows.
    expect(ids(planCompaction(rows, toModelContext, 1000, undefined))).toEqual(['a']);
    expect(ids(planCompaction(rows, toModelContext, 2000, undefined))).toEqual(['a', 'b']);
  });

  it('counts the summary so far against what one request can carry', () => {
    const rows = ['a', 'b', 'c', 'd', 'e'].map((id) => row(id, 300));
    expect(ids(planCompaction(rows, toModelContext, 2000, 'y'.repeat(4 * 700)))).toEqual(['a']);
  });

  it('summarises all but the newest row when every row looked small, and nothing when only it is left', () => {
    const rows = ['a', 'b', 'c'].map((id) => row(id, 10));
    expect(ids(planCompaction(rows, toModelContext, 10_000, undefined))).toEqual(['a', 'b']);
    expect(planCompaction([row('a', 10)], toModelContext, 10_000, undefined)).toBeUndefined();
  });
});

/**
 * Compaction inside one long completion: a tool loop whose steps outgrow a small window (LONGHAUL_CONTEXT_WINDOW_TOKENS)
 * is compacted between two of its own steps, and the completion goes on from the summary. Transcript rows are
 * per step, so the turn's own user message and earlier steps are what gets summarised; the step after the
 * compaction sees the summary and the steps it kept. The scripted model server's recorded requests show it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMMARIZER_PROMPT } from '../../src/completions/compaction-plan.js';
import { SUMMARY_HEADING } from '../../src/completions/context-window.js';
import { postChat, readJson, readTurn, textOf, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestTools } from '../support/test-tools.js';

/** 2,000 tokens, 200 of them kept for the answer. */
const SMALL_WINDOW = { LONGHAUL_CONTEXT_WINDOW_TOKENS: '2000', LONGHAUL_MAX_OUTPUT_TOKENS: '200' };

/** About 300 tokens (1,200 characters), findable by its unique first word: a step's call and result are ~600. */
function echoText(name: string): { mark: string; text: string } {
  const mark = `${name}${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  return { mark, text: `${mark} ${'the quick brown fox jumps over the lazy dog '.repeat(27)}` };
}

const echoCall = (text: string) => ({
  kind: 'tool-calls' as const,
  calls: [{ name: 'echo', argsChunks: [JSON.stringify({ text })] }],
});

describe('compaction inside one long completion', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(SMALL_WINDOW, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  it('summarises the turn’s own first steps between two of its steps, and goes on from the summary', async () => {
    const ask = `ASK${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const steps = [echoText('STEPA'), echoText('STEPB'), echoText('STEPC')];
    const from = h.model.requests.length;
    h.model.enqueue(
      ...steps.map((step) => echoCall(step.text)),
      { kind: 'text', chunks: ['SUMMARY-LOOP: three echoes', ' were asked for.'] },
      { kind: 'text', chunks: ['All echoed.'] },
    );
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage(`${ask} echo three long texts, one at a time`)],
      tools: ['echo'],
    });
    expect(response.status).toBe(200);
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const { message } = await readTurn(response);
    expect(textOf(message)).toBe('All echoed.');
    const completion = await readJson(await h.api(`/v1/completions/${completionId}`));
    expect(completion).toMatchObject({ status: 'completed' });

    const requests = h.model.requests.slice(from).map((request) => request.body as { messages: WireMessage[] });
    expect(requests).toHaveLength(5);
    const [a, b, c] = steps.map((step) => step.mark);
    // The three steps' calls, each carrying the steps before it in full.
    expect(JSON.stringify(requests[2]!.messages)).toContain(b);

    const summarising = requests[3]!.messages;
    expect(summarising[0]).toEqual({ role: 'system', content: SUMMARIZER_PROMPT });
    const asked = String(summarising[1]!.content);
    expect(asked.startsWith('Summarise this conversation:\n')).toBe(true);
    expect(asked).toContain(ask);
    expect(asked).toContain(a);
    expect(asked).not.toContain(c);

    const answering = requests[4]!.messages.filter((m) => m.role !== 'system');
    expect(answering[0]).toEqual({
      role: 'user',
      content: `${SUMMARY_HEADING}\nSUMMARY-LOOP: three echoes were asked for.`,
    });
    const answered = JSON.stringify(answering);
    expect(answered).not.toContain(ask);
    expect(answered).not.toContain(a);
    expect(answered).toContain(c);

    // One compaction, of this completion's own rows, shown where it happened in the message.
    const { rows } = await h.pool.query(
      `SELECT covered_messages, summary FROM context_compactions WHERE completion_id = $1`,
      [completionId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].summary).toBe('SUMMARY-LOOP: three echoes were asked for.');
    const part = message.parts.find((p) => p.type === 'data-compaction');
    expect(part).toMatchObject({ data: { coveredMessages: rows[0].covered_messages } });
    expect((part as { data: { compactionId: string } }).data.compactionId.startsWith(`${completionId}:`)).toBe(true);
  }, 120_000);
});

type WireMessage = { role: string; content: unknown };

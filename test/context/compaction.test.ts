/**
 * Context compaction against a small configured window (LONGHAUL_CONTEXT_WINDOW_TOKENS): a thread that would
 * overflow it is compacted once by a summarising model call, the call after it fits, and a later compaction extends
 * the summary. The scripted model server's recorded requests show what the model was sent.
 */
import { randomUUID } from 'node:crypto';
import type { UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMMARY_HEADING } from '../../src/completions/context-window.js';
import { SUMMARIZER_PROMPT } from '../../src/completions/compaction-plan.js';
import type { Script } from '../../src/llm/scripted/script.js';
import {
  postChat,
  readJson,
  readTurn,
  textOf,
  userMessage,
  versionHeaders,
  type AiVersion,
} from '../support/chat-client.js';
import { decodeHistory, findMarkers } from '../support/decoded-history.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

/** 2,000 tokens, 200 of them kept for the answer: each user message below takes about a third of the rest. */
const SMALL_WINDOW = { LONGHAUL_CONTEXT_WINDOW_TOKENS: '2000', LONGHAUL_MAX_OUTPUT_TOKENS: '200' };

/** A user message of about 600 tokens (2,400 characters), findable by its unique first word. */
function longMessage(name: string): { mark: string; text: string } {
  const mark = `${name}${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  return { mark, text: `${mark} ${'the quick brown fox jumps over the lazy dog '.repeat(66)}` };
}

type WireMessage = { role: string; content: unknown };

function sent(h: Harness, index: number): { system: string; messages: WireMessage[] } {
  const body = h.model.requests[index]!.body as { messages: WireMessage[] };
  const [first, ...rest] = body.messages;
  return first?.role === 'system'
    ? { system: String(first.content), messages: rest }
    : { system: '', messages: body.messages };
}

describe('context compaction in a small window', () => {
  let h: Harness;
  const chatId = `chat-${randomUUID()}`;
  const turns: { mark: string }[] = [];

  beforeAll(async () => {
    h = await startHarness(SMALL_WINDOW);
  });
  afterAll(() => h?.close());

  /** One turn on the shared thread, without tools (their schemas would take most of the small window). */
  async function turn(
    scripts: Script[],
    version: AiVersion = 7,
  ): Promise<{ message: UIMessage; from: number; completionId: string }> {
    const message = longMessage(`T${turns.length + 1}`);
    turns.push(message);
    const from = h.model.requests.length;
    h.model.enqueue(...scripts);
    const response = await postChat(
      h,
      { id: chatId, trigger: 'submit-message', messages: [userMessage(message.text)], tools: [] },
      h.apiKey,
      versionHeaders(version),
    );
    expect(response.status).toBe(200);
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const { message: answer } = await readTurn(response, version);
    await waitFor(
      async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'completed',
      20_000,
    );
    return { message: answer, from, completionId };
  }

  it('compacts the older turns once, and the next call fits with the summary in their place', async () => {
    await turn([{ kind: 'text', chunks: ['First answer.'] }]);
    await turn([{ kind: 'text', chunks: ['Second answer.'] }]);
    const third = await turn([
      { kind: 'text', chunks: ['SUMMARY-ONE: the user', ' sent research notes.'] },
      { kind: 'text', chunks: ['Third answer.'] },
    ]);
    expect(h.model.requests.length - third.from).toBe(2);
    const [t1, t2, t3] = turns.map((t) => t.mark);

    const summarising = sent(h, third.from);
    expect(summarising.system).toBe(SUMMARIZER_PROMPT);
    expect(summarising.messages).toHaveLength(1);
    const asked = String(summarising.messages[0]!.content);
    expect(asked.startsWith('Summarise this conversation:\n')).toBe(true);
    expect(asked).toContain(t1);
    expect(asked).toContain('Assistant: First answer.');
    expect(asked).not.toContain(t3);

    const answering = sent(h, third.from + 1);
    expect(answering.messages[0]).toEqual({
      role: 'user',
      content: `${SUMMARY_HEADING}\nSUMMARY-ONE: the user sent research notes.`,
    });
    const answered = JSON.stringify(answering.messages);
    expect(answered).not.toContain(t1);
    expect(answered).toContain(t2);
    expect(answered).toContain(t3);
    expect(textOf(third.message)).toBe('Third answer.');

    // The call that was sent fits: counted before sending, and the model reported the same input.
    const calls = await modelCalls(third.completionId);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.countedInputTokens).toBe(calls[0]!.inputTokens);
    expect(calls[0]!.inputTokens).toBeLessThanOrEqual(2000 - 200);

    // Where it happened: a data-compaction part, in the ai client's message and in the stored transcript.
    const part = third.message.parts.find((p) => p.type === 'data-compaction');
    expect(part).toMatchObject({
      type: 'data-compaction',
      data: { coveredMessages: 2, extends: null, compactionId: `${third.completionId}:0:0` },
    });
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    const stored = (messages as UIMessage[]).find((m) => m.id === third.message.id)!;
    expect(stored.parts.filter((p) => p.type === 'data-compaction')).toEqual([part]);
    // The transcript keeps everything.
    expect(JSON.stringify(messages)).toContain(t1);

    const { rows } = await h.pool.query(
      `SELECT summary, covered_messages, previous_id, input_tokens, output_tokens FROM context_compactions
       WHERE completion_id = $1`,
      [third.completionId],
    );
    expect(rows).toEqual([
      {
        summary: 'SUMMARY-ONE: the user sent research notes.',
        covered_messages: 2,
        previous_id: null,
        input_tokens: expect.any(Number),
        output_tokens: 2,
      },
    ]);
    // Charged against the budgets like any model call, and on the ledger.
    const usage = await h.pool.query(
      `SELECT purpose, input_tokens FROM usage_events WHERE completion_id = $1 ORDER BY purpose`,
      [third.completionId],
    );
    expect(usage.rows.map((row: { purpose: string }) => row.purpose)).toEqual(['answer', 'compaction']);
    expect(usage.rows[1].input_tokens).toBe(rows[0].input_tokens);
    const { events } = await readJson(await h.api(`/v1/threads/${chatId}/audit`));
    const compacted = (events as { type: string; data: Record<string, unknown> }[]).filter(
      (event) => event.type === 'context_compacted',
    );
    expect(compacted).toHaveLength(1);
    expect(compacted[0]!.data).toMatchObject({ coveredMessages: 2, windowTokens: 2000, reserveTokens: 200 });

    // Temporal's history holds the compaction's ids, never the summary or the turns it covers.
    const handle = h.temporal.workflow.getHandle(`completion-${third.completionId}`);
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).flatMap((event) => {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    expect(scheduled).toEqual(['callModel', 'compactContext', 'callModel']);
    expect(findMarkers(decodeHistory(history), ['SUMMARY-ONE', t1!, t2!, t3!])).toEqual([]);
  }, 120_000);

  it('extends the summary at the next compaction instead of starting over', async () => {
    // Read by the strictest client (ai 5): the data-compaction chunk is one every version accepts.
    const fourth = await turn(
      [
        { kind: 'text', chunks: ['SUMMARY-TWO: still notes.'] },
        { kind: 'text', chunks: ['Fourth answer.'] },
      ],
      5,
    );
    expect(fourth.message.parts.filter((part) => part.type === 'data-compaction')).toMatchObject([
      { data: { compactionId: `${fourth.completionId}:0:0`, coveredMessages: 4 } },
    ]);
    const [t1, t2, t3, t4] = turns.map((t) => t.mark);
    const asked = String(sent(h, fourth.from).messages[0]!.content);
    expect(asked.startsWith('The summary so far:\nSUMMARY-ONE: the user sent research notes.\n\n')).toBe(true);
    expect(asked).toContain(t2);
    expect(asked).not.toContain(t1);

    const answered = sent(h, fourth.from + 1).messages;
    expect(answered[0]).toEqual({ role: 'user', content: `${SUMMARY_HEADING}\nSUMMARY-TWO: still notes.` });
    expect(JSON.stringify(answered)).not.toContain(t2);
    expect(JSON.stringify(answered)).toContain(t3);
    expect(JSON.stringify(answered)).toContain(t4);

    const { rows } = await h.pool.query(
      `SELECT c.covered_messages, p.summary AS previous FROM context_compactions c
       JOIN context_compactions p ON p.id = c.previous_id WHERE c.completion_id = $1`,
      [fourth.completionId],
    );
    expect(rows).toEqual([{ covered_messages: 4, previous: 'SUMMARY-ONE: the user sent research notes.' }]);
  }, 120_000);

  async function modelCalls(completionId: string): Promise<{ inputTokens: number; countedInputTokens: number }[]> {
    const { rows } = await h.pool.query(
      `SELECT data FROM audit_events WHERE completion_id = $1 AND type = 'model_call' ORDER BY id`,
      [completionId],
    );
    return rows.map((row: { data: { inputTokens: number; countedInputTokens: number } }) => row.data);
  }
});

/**
 * A compaction is stored before the model call that needed it is sent again: a worker SIGKILLed after the
 * compaction, while that call streams, leaves a retry that reuses the stored summary. The thread is summarised
 * once, shown once, and the retried call sends the summary in place of the older turns.
 */
import { randomUUID } from 'node:crypto';
import type { UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMMARIZER_PROMPT } from '../../src/completions/compaction-plan.js';
import { SUMMARY_HEADING } from '../../src/completions/context-window.js';
import { postChat, readJson, readTurn, textOf, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { waitFor } from '../support/wait-for.js';

const WINDOW = { LONGHAUL_CONTEXT_WINDOW_TOKENS: '2000', LONGHAUL_MAX_OUTPUT_TOKENS: '200' };

type WireMessage = { role: string; content: unknown };
const messagesOf = (h: Harness, index: number) =>
  (h.model.requests[index]!.body as { messages: WireMessage[] }).messages;

describe('context compaction across a worker crash', () => {
  let h: Harness;
  const chatId = `chat-${randomUUID()}`;
  beforeAll(async () => {
    h = await startHarness(WINDOW);
  });
  afterAll(() => h?.close());

  async function send(mark: string) {
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage(`${mark} ${'the quick brown fox jumps over the lazy dog '.repeat(66)}`)],
      tools: [],
    });
    expect(response.status).toBe(200);
    return { completionId: response.headers.get('x-longhaul-completion-id')!, turn: readTurn(response) };
  }

  it('summarises once and the retried call reuses the stored summary', async () => {
    const marks = ['C1', 'C2', 'C3'].map((name) => `${name}${randomUUID().replace(/-/g, '').slice(0, 10)}`);
    for (const mark of marks.slice(0, 2)) {
      h.model.enqueue({ kind: 'text', chunks: ['Noted.'] });
      await (
        await send(mark)
      ).turn;
    }

    await h.stopWorker();
    // The worker process reads its configuration from the environment, as production does.
    const saved = process.env.LONGHAUL_CONTEXT_WINDOW_TOKENS;
    process.env.LONGHAUL_CONTEXT_WINDOW_TOKENS = WINDOW.LONGHAUL_CONTEXT_WINDOW_TOKENS;
    let worker = await startWorkerProcess(h);
    try {
      const from = h.model.requests.length;
      h.model.enqueue(
        { kind: 'text', chunks: ['SUMMARY: notes were sent.'] },
        // The answer's first attempt dies with the worker; its retry answers.
        { kind: 'hang', chunks: ['Half an '] },
        { kind: 'text', chunks: ['Third answer.'] },
      );
      const { completionId, turn } = await send(marks[2]!);
      turn.catch(() => {});
      await h.model.waitForRequests(from + 2, 20_000);
      await worker.kill();
      const { rows: stored } = await h.pool.query(`SELECT id FROM context_compactions WHERE completion_id = $1`, [
        completionId,
      ]);
      expect(stored).toEqual([{ id: `${completionId}:0:0` }]);
      worker = await startWorkerProcess(h);

      const { message } = await turn;
      expect(textOf(message)).toBe('Third answer.');
      const requests = h.model.requests.slice(from).map((request) => request.index);
      expect(requests).toHaveLength(3);
      const summarising = requests.filter((index) => messagesOf(h, index)[0]?.content === SUMMARIZER_PROMPT);
      expect(summarising).toEqual([from]);
      for (const index of requests.slice(1)) {
        const sent = messagesOf(h, index);
        expect(sent[0]).toEqual({ role: 'user', content: `${SUMMARY_HEADING}\nSUMMARY: notes were sent.` });
        expect(JSON.stringify(sent)).not.toContain(marks[0]);
      }

      await waitFor(
        async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'completed',
        20_000,
      );
      expect(message.parts.filter((part) => part.type === 'data-compaction')).toHaveLength(1);
      const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
      const answer = (messages as UIMessage[]).find((m) => m.id === message.id)!;
      expect(answer.parts.filter((part) => part.type === 'data-compaction')).toHaveLength(1);
      const { rows: charged } = await h.pool.query(
        `SELECT count(*)::int AS n FROM usage_events WHERE completion_id = $1 AND purpose = 'compaction'`,
        [completionId],
      );
      expect(charged).toEqual([{ n: 1 }]);
    } finally {
      await worker.stop();
      if (saved === undefined) delete process.env.LONGHAUL_CONTEXT_WINDOW_TOKENS;
      else process.env.LONGHAUL_CONTEXT_WINDOW_TOKENS = saved;
      await h.startWorker();
    }
  }, 180_000);
});

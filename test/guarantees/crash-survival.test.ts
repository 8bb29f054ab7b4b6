import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema, type UIMessage } from 'ai';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readValidatedChunks, textOf, userMessage } from '../support/chat-client.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { waitFor } from '../support/wait-for.js';

describe('crashes are non-events for the user and the transcript', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const completionStatus = async (completionId: string) =>
    (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status as string;

  it('finishes after the worker is SIGKILLed mid-stream; the client shows the full text once', async () => {
    await h.stopWorker();
    let worker = await startWorkerProcess(h);
    try {
      const words = Array.from({ length: 30 }, (_, i) => `w${i} `);
      h.model.enqueue({ kind: 'text', chunks: words, delayMs: 100 }, { kind: 'text', chunks: words, delayMs: 5 });
      const chatId = `chat-${randomUUID()}`;
      const response = await postChat(h, {
        id: chatId,
        trigger: 'submit-message',
        messages: [userMessage('long answer')],
      });
      const completionId = response.headers.get('x-longhaul-completion-id')!;
      let deltas = 0;
      const chunks = parseJsonEventStream({ stream: response.body!, schema: uiMessageChunkSchema }).pipeThrough(
        new TransformStream({
          transform(result, controller) {
            if (!result.success) throw result.error;
            if (result.value.type === 'text-delta') deltas += 1;
            controller.enqueue(result.value);
          },
        }),
      );
      const reading = (async () => {
        let last: UIMessage | undefined;
        for await (const message of readUIMessageStream({ stream: chunks })) last = message;
        return last!;
      })();
      await waitFor(async () => deltas >= 5, 10_000, 'first deltas');
      await worker.kill();
      worker = await startWorkerProcess(h);

      const message = await reading;
      // Stock ai 7: the retried attempt's reset-step removed the killed attempt's text, no helper needed.
      expect(textOf(message)).toBe(words.join(''));
      expect(message.parts.filter((part) => part.type === 'step-start')).toHaveLength(1);
      expect(await completionStatus(completionId)).toBe('completed');
      const { rows } = await h.pool.query(`SELECT parts FROM messages WHERE completion_id = $1`, [completionId]);
      expect(rows).toHaveLength(1);
      expect(
        rows[0].parts.filter((p: { type: string }) => p.type === 'text').map((p: { text: string }) => p.text),
      ).toEqual([words.join('')]);
    } finally {
      await worker.stop();
      await h.startWorker();
    }
  }, 60_000);

  it('resumes with Last-Event-ID after the API restarts mid-stream, every chunk once', async () => {
    const words = Array.from({ length: 30 }, (_, i) => `r${i} `);
    h.model.enqueue({ kind: 'text', chunks: words, delayMs: 60 });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('go')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let before = '';
    while ((before.match(/text-delta/g) ?? []).length < 5)
      before += decoder.decode((await reader.read()).value, { stream: true });

    await h.restartApi();
    for (;;) {
      try {
        const { value, done } = await reader.read();
        if (done) break;
        before += decoder.decode(value, { stream: true });
      } catch {
        break;
      }
    }
    const seen = [...before.matchAll(/id: (\d+)\ndata: (.+)\n\n/g)].map((m) => ({ seq: Number(m[1]), data: m[2]! }));
    const lastSeq = seen.at(-1)!.seq;
    const rest = await h.api(`/v1/completions/${completionId}/events`, {
      headers: { 'last-event-id': String(lastSeq) },
    });
    const after = [...(await rest.text()).matchAll(/id: (\d+)\ndata: (.+)\n\n/g)].map((m) => ({
      seq: Number(m[1]),
      data: m[2]!,
    }));
    const all = [...seen, ...after];
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    const text = all.flatMap((e) => {
      const chunk = JSON.parse(e.data) as { type: string; delta?: string };
      return chunk.type === 'text-delta' ? [chunk.delta] : [];
    });
    expect(text.join('')).toBe(words.join(''));
    expect(JSON.parse(all.at(-1)!.data).type).toBe('finish');
    expect(await completionStatus(completionId)).toBe('completed');
    const chunks = await readValidatedChunks(await h.api(`/v1/completions/${completionId}/events`));
    expect(chunks.length).toBe(all.length);
  });
});

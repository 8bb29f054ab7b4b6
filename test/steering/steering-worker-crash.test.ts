/**
 * A steering message is in the workflow's history (its id) once accepted: a worker SIGKILLed after the message was
 * sent and before the step that receives it still delivers it, exactly once, after the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { waitFor } from '../support/wait-for.js';
import { auditOf, mark, sentMessages, slowWords, startTurn, steer, text } from './support.js';

describe('steering across a worker crash', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('delivers a message sent before the worker was SIGKILLed exactly once, after the restart', async () => {
    await h.stopWorker();
    let worker = await startWorkerProcess(h);
    try {
      const said = mark('CRASH');
      const words = slowWords(30);
      const from = h.model.requests.length;
      const { chatId, completionId, turn } = await startTurn(h, [
        // Step 0, first attempt: killed with the worker. Its retry answers at once; step 1 answers the message.
        { kind: 'text', chunks: words, delayMs: 100 },
        { kind: 'text', chunks: words },
        { kind: 'text', chunks: ['Heard you.'] },
      ]);
      const sent = await steer(h, chatId, { id: 'crash-1', parts: text(said) });
      expect(sent.status).toBe(202);
      await worker.kill();
      const { rows: pending } = await h.pool.query(`SELECT status FROM steering_messages WHERE completion_id = $1`, [
        completionId,
      ]);
      expect(pending.map((row: { status: string }) => row.status)).toEqual(['pending']);
      worker = await startWorkerProcess(h);

      const { message, chunks } = await turn;
      const requests = sentMessages(h, from);
      expect(requests).toHaveLength(3);
      expect(JSON.stringify(requests.slice(0, 2))).not.toContain(said);
      expect(requests[2]!.at(-1)).toEqual({ role: 'user', content: said });
      expect(JSON.stringify(requests[2]).split(said)).toHaveLength(2);
      expect(chunks.filter((chunk) => chunk.type === 'steering-message')).toHaveLength(1);
      expect(message.parts.filter((part) => part.type === 'steering-message')).toHaveLength(1);

      await waitFor(
        async () => (await readJson(await h.api(`/v1/completions/${completionId}`))).status === 'completed',
        20_000,
      );
      expect(await readJson(await h.api(`/api/chat/${chatId}/steer/crash-1`))).toMatchObject({
        status: 'delivered',
        step: 1,
      });
      const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
      expect(JSON.stringify(messages).split(said)).toHaveLength(2);
      const ledger = (await auditOf(h, chatId)).filter((event) => event.type.startsWith('steering_'));
      expect(ledger.map((event) => event.type)).toEqual(['steering_received', 'steering_delivered']);
    } finally {
      await worker.stop();
      await h.startWorker();
    }
  }, 90_000);
});

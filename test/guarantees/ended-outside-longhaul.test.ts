import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, startLongAnswer, userMessage } from '../support/chat-client.js';

/** Operators end workflows from the Temporal UI or CLI; the thread must not stay blocked by the dead turn. */
describe('a completion whose workflow ended outside Longhaul', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const row = async (completionId: string) =>
    (await h.pool.query(`SELECT status, error FROM completions WHERE id = $1`, [completionId])).rows[0] as {
      status: string;
      error: { code: string } | null;
    };

  async function terminatedTurn() {
    const { chatId, completionId, readRest, hangUp } = await startLongAnswer(h);
    await h.temporal.workflow.getHandle(`completion-${completionId}`).terminate('ended by an operator');
    // Nothing in Longhaul ran: Postgres still says the turn runs.
    expect((await row(completionId)).status).toBe('running');
    return { chatId, completionId, readRest, hangUp };
  }

  it('frees the thread when the next message arrives, and ends the dead turn for its viewer', async () => {
    const { chatId, completionId, readRest } = await terminatedTurn();
    h.model.enqueue({ kind: 'text', chunks: ['next ', 'answer'] });
    const next = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('still there?')] });
    expect(next.status).toBe(200);
    const chunks = await readValidatedChunks(next);
    expect(chunks.filter((chunk) => chunk.type === 'text-delta').map((chunk) => chunk.delta).join('')).toBe('next answer');

    expect(await row(completionId)).toMatchObject({ status: 'failed', error: { code: 'workflow_terminated' } });
    expect(await readRest()).toContain('"type":"error"');
    const { rows } = await h.pool.query(`SELECT data FROM audit_events WHERE completion_id = $1 AND type = 'completion_finished'`, [completionId]);
    expect(rows).toEqual([{ data: expect.objectContaining({ status: 'failed', code: 'workflow_terminated', recordedBy: 'api' }) }]);
  });

  it('ends the stream of a viewer who only watches, within a keep-alive tick or two', async () => {
    const { completionId, readRest } = await terminatedTurn();
    expect(await readRest()).toContain('"type":"error"');
    expect(await row(completionId)).toMatchObject({ status: 'failed', error: { code: 'workflow_terminated' } });
  });

  it('answers a Stop with what became of it, after which the thread can be deleted', async () => {
    const { chatId, completionId, hangUp } = await terminatedTurn();
    await hangUp();
    const cancel = await h.api(`/v1/completions/${completionId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(409);
    expect((await readJson(cancel)).error.message).toContain('has already failed');
    expect((await h.api(`/v1/threads/${chatId}`, { method: 'DELETE' })).status).toBe(204);
  });
});

/**
 * What a steering message that cannot land gets (a 409 naming why, or the next turn on `enqueue` threads), what a
 * resend gets (its first outcome, nothing twice), what a stranger and a bad body get (404, 400, nothing written),
 * and the `steer` double-texting policy on a plain POST /api/chat.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, readJson, readTurn, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startPendingTransfer } from '../support/pending-approval.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { STEER_REJECTIONS, steerUpdate } from '../../src/workflows/definitions.js';
import { auditOf, mark, sentMessages, slowWords, startTurn, steer, text } from './support.js';

describe('steering outcomes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      { LONGHAUL_MAX_MESSAGE_CHARS: '50' },
      {
        tools: createTestTools().definitions,
        agents: [
          defineAgent({
            name: 'one-step',
            version: '1',
            description: 'Answers in one model call at most.',
            tools: [],
            limits: { maxSteps: 1 },
            systemPrompt: () => 'Be quick.',
          }),
        ],
      },
    );
  });
  afterAll(() => h?.close());

  const statusOf = async (completionId: string) =>
    (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status as string;
  const setPolicy = async (chatId: string, doubleTextPolicy: string) =>
    expect(
      (
        await h.api(`/v1/threads/${chatId}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ doubleTextPolicy }),
        })
      ).status,
    ).toBe(200);
  /** Everything a steering request could write, for the caller's threads. */
  const written = async () => {
    const { rows } = await h.pool.query(
      `SELECT (SELECT count(*) FROM steering_messages WHERE user_id = $1)::int AS steering,
              (SELECT count(*) FROM audit_events WHERE user_id = $1)::int AS audit,
              (SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.user_id = $1)::int AS messages,
              (SELECT count(*) FROM completions WHERE user_id = $1)::int AS completions`,
      [h.userId],
    );
    return rows[0];
  };
  const finishedTurn = async () => {
    const chatId = `chat-${randomUUID()}`;
    h.model.enqueue({ kind: 'text', chunks: ['done'] });
    const response = await postChat(h, { id: chatId, trigger: 'submit-message', messages: [userMessage('hi')] });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await readValidatedChunks(response);
    await waitFor(async () => (await statusOf(completionId)) === 'completed');
    return { chatId, completionId };
  };

  it('answers 409 with the reason when nothing runs, after a Stop, and while awaiting approval, writing nothing', async () => {
    const idle = await finishedTurn();
    const stopped = await startTurn(h, [{ kind: 'text', chunks: slowWords(60), delayMs: 100 }]);
    expect((await h.api(`/api/chat/${stopped.chatId}/stop`, { method: 'POST' })).status).toBe(202);
    await stopped.turn;
    await waitFor(async () => (await statusOf(stopped.completionId)) === 'cancelled');
    const pending = await startPendingTransfer(h, { amount: 5 });

    const before = await written();
    const cases = [
      [idle.chatId, 'no_running_answer'],
      [stopped.chatId, 'answer_stopped'],
      [pending.chatId, 'awaiting_approval'],
    ] as const;
    for (const [chatId, code] of cases) {
      const refused = await steer(h, chatId, { id: 'lost', parts: text('are you there?') });
      expect(refused.status, chatId).toBe(409);
      const { error } = await readJson(refused);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/\w/);
      expect((await h.api(`/api/chat/${chatId}/steer/lost`)).status).toBe(404);
    }
    expect(await written()).toEqual(before);
  });

  it('is refused by the workflow itself, before anything enters its history, beside an approval and at the step limit', async () => {
    const pending = await startPendingTransfer(h, { amount: 5 });
    const beside = h.temporal.workflow.getHandle(`completion-${pending.completionId}`);
    const refusal = (handle: typeof beside) =>
      handle.executeUpdate(steerUpdate, { args: [{ steeringId: `stm_${randomUUID()}` }] }).then(
        () => undefined,
        (error: unknown) => (error as { cause?: { type?: string } }).cause?.type,
      );
    expect(await refusal(beside)).toBe(STEER_REJECTIONS.awaitingApproval);

    h.model.enqueue({ kind: 'text', chunks: slowWords(30), delayMs: 100 });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('quick')],
      agent: 'one-step',
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const reading = readValidatedChunks(response);
    const last = h.temporal.workflow.getHandle(`completion-${completionId}`);
    await waitFor(async () => (await statusOf(completionId)) === 'running');
    expect(await refusal(last)).toBe(STEER_REJECTIONS.stepLimit);
    const refused = await steer(h, chatId, { id: 'no-room', parts: text('one more thing') });
    expect(refused.status).toBe(409);
    expect((await readJson(refused)).error.code).toBe('step_limit');
    await reading;
    for (const handle of [beside, last]) {
      const { events } = await handle.fetchHistory();
      expect(events!.some((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    }
    const { rows } = await h.pool.query(`SELECT count(*)::int AS n FROM steering_messages WHERE completion_id = $1`, [
      completionId,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('answers 404 for a thread that is not the caller’s and 400 for an empty or oversized message, writing nothing', async () => {
    // An answer that holds still (it streams one word, then waits), so nothing else writes while this looks.
    const running = await startTurn(h, [{ kind: 'hang', chunks: ['still '] }]);
    await waitFor(async () => {
      const { rows } = await h.pool.query(`SELECT first_token_at FROM completions WHERE id = $1`, [
        running.completionId,
      ]);
      return rows[0].first_token_at !== null;
    });
    const stranger = await h.createUser();
    const before = await written();
    const foreign = await steer(h, running.chatId, { id: 's', parts: text('hijack') }, stranger.apiKey);
    expect(foreign.status).toBe(404);
    expect((await h.api(`/api/chat/${running.chatId}/steer/s`, { key: stranger.apiKey })).status).toBe(404);
    for (const body of [
      { id: 's', parts: text('   ') },
      { id: 's', parts: [] },
      { id: 's', parts: text('x'.repeat(51)) },
      { id: 's', parts: text('nul \u0000') },
      { id: '..', parts: text('hello') },
      { id: 's', parts: text('hello'), mode: 'later' },
      { id: 's', parts: [{ type: 'file', url: 'http://example.com' }] },
      'not json',
    ]) {
      const refused = await steer(h, running.chatId, body as never);
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    expect(await written()).toEqual(before);
    expect((await h.api(`/api/chat/${running.chatId}/stop`, { method: 'POST' })).status).toBe(202);
    await running.turn;
  });

  it('takes a resent message once: same outcome, delivered once', async () => {
    const said = mark('ONCE');
    const from = h.model.requests.length;
    const { chatId, completionId, turn } = await startTurn(h, [
      { kind: 'text', chunks: slowWords(12), delayMs: 100 },
      { kind: 'text', chunks: ['ok'] },
    ]);
    const answers = await Promise.all([1, 2, 3].map(() => steer(h, chatId, { id: 'dup', parts: text(said) })));
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(await readJson(answer)).toMatchObject({ id: 'dup', completionId, status: 'pending' });
    }
    const { chunks } = await turn;
    await waitFor(async () => (await statusOf(completionId)) === 'completed');
    const again = await steer(h, chatId, { id: 'dup', parts: text(said) });
    expect(again.status).toBe(200);
    expect(await readJson(again)).toEqual({ id: 'dup', completionId, status: 'delivered', mode: 'next-step', step: 1 });

    expect(chunks.filter((chunk) => chunk.type === 'steering-message')).toHaveLength(1);
    expect(sentMessages(h, from)).toHaveLength(2);
    expect(JSON.stringify(sentMessages(h, from)).split(said)).toHaveLength(2);
    const { rows } = await h.pool.query(`SELECT count(*)::int AS n FROM steering_messages WHERE completion_id = $1`, [
      completionId,
    ]);
    expect(rows[0].n).toBe(1);
    const ledger = (await auditOf(h, chatId)).filter((event) => event.type.startsWith('steering_'));
    expect(ledger.map((event) => event.type)).toEqual(['steering_received', 'steering_delivered']);
  });

  it('hands a stored message its answer never got (the API died in between) over on resend; unsent, it is settled at the end', async () => {
    const said = mark('HEALED');
    const { chatId, completionId, turn } = await startTurn(h, [
      { kind: 'text', chunks: slowWords(12), delayMs: 100 },
      { kind: 'text', chunks: ['ok'] },
    ]);
    const { rows } = await h.pool.query(`SELECT thread_id FROM completions WHERE id = $1`, [completionId]);
    const stored = (id: string, message: string) =>
      h.pool.query(
        `INSERT INTO steering_messages (id, client_message_id, thread_id, completion_id, user_id, sender, parts, mode, status)
         VALUES ($1, $2, $3, $4, $5, $5, $6, 'next-step', 'pending')`,
        [`stm_${randomUUID()}`, id, rows[0].thread_id, completionId, h.userId, JSON.stringify(text(message))],
      );
    await stored('orphan-resent', said);
    await stored('orphan-forgotten', 'never asked');
    const resend = await steer(h, chatId, { id: 'orphan-resent', parts: text(said) });
    expect(resend.status).toBe(202);
    const { chunks } = await turn;
    expect(chunks.filter((chunk) => chunk.type === 'steering-message')).toEqual([
      { type: 'steering-message', id: 'orphan-resent', parts: text(said) },
    ]);
    await waitFor(async () => (await statusOf(completionId)) === 'completed');
    expect(await readJson(await h.api(`/api/chat/${chatId}/steer/orphan-resent`))).toMatchObject({
      status: 'delivered',
      step: 1,
    });
    expect(await readJson(await h.api(`/api/chat/${chatId}/steer/orphan-forgotten`))).toMatchObject({
      status: 'not_delivered',
      reason: 'answer_ended',
    });
  });

  it('records a message overtaken by a Stop as not delivered, with the reason', async () => {
    const { chatId, completionId, turn } = await startTurn(h, [{ kind: 'text', chunks: slowWords(60), delayMs: 100 }]);
    expect((await steer(h, chatId, { id: 'too-late', parts: text('and then?') })).status).toBe(202);
    expect((await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(202);
    await turn;
    await waitFor(async () => (await statusOf(completionId)) === 'cancelled');
    expect(await readJson(await h.api(`/api/chat/${chatId}/steer/too-late`))).toEqual({
      id: 'too-late',
      completionId,
      status: 'not_delivered',
      mode: 'next-step',
      reason: 'stopped',
    });
    const ledger = (await auditOf(h, chatId)).filter((event) => event.type.startsWith('steering_'));
    expect(ledger.map((event) => [event.type, event.data.reason])).toEqual([
      ['steering_received', undefined],
      ['steering_not_delivered', 'stopped'],
    ]);
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect(JSON.stringify(messages)).not.toContain('and then?');
  });

  it('on an enqueue thread, makes a message that cannot land the next turn', async () => {
    const said = mark('NEXT');
    const pending = await startPendingTransfer(h, { amount: 5, then: [{ kind: 'text', chunks: ['paid'] }] });
    await setPolicy(pending.chatId, 'enqueue');
    const sent = await steer(h, pending.chatId, { id: 'next-1', parts: text(said) });
    expect(sent.status).toBe(202);
    const outcome = await readJson(sent);
    expect(outcome).toMatchObject({ id: 'next-1', status: 'enqueued', reason: 'awaiting_approval' });
    expect(outcome.completionId).not.toBe(pending.completionId);
    expect(await statusOf(outcome.completionId)).toBe('queued');
    // A resend is the same turn.
    expect(await readJson(await steer(h, pending.chatId, { id: 'next-1', parts: text(said) }))).toEqual(outcome);
    const { rows } = await h.pool.query(`SELECT count(*)::int AS n FROM completions WHERE user_message_id IN
      (SELECT id FROM messages WHERE ui_message_id = 'next-1')`);
    expect(rows[0].n).toBe(1);

    h.model.enqueue({ kind: 'text', chunks: ['As you asked.'] });
    const decided = await h.api(`/v1/approvals/${pending.approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', argsDigest: pending.approval.argsDigest }),
    });
    expect(decided.status).toBe(200);
    await waitFor(async () => (await statusOf(outcome.completionId)) === 'completed', 20_000);
    const { messages } = await readJson(await h.api(`/v1/threads/${pending.chatId}/messages`));
    expect(messages.map((m: { id: string; role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(messages[2]).toMatchObject({ id: 'next-1', parts: text(said) });
  });

  it('with policy steer, a plain POST /api/chat whose message cannot land becomes the next turn', async () => {
    h.model.enqueue({ kind: 'text', chunks: slowWords(20), delayMs: 100 }, { kind: 'text', chunks: ['Next.'] });
    const chatId = `chat-${randomUUID()}`;
    const first = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('quick')],
      agent: 'one-step',
    });
    const firstId = first.headers.get('x-longhaul-completion-id')!;
    const firstTurn = readValidatedChunks(first);
    await setPolicy(chatId, 'steer');
    const next = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('quick'), userMessage('and more', 'no-room-chat')],
    });
    expect(next.status).toBe(200);
    const nextId = next.headers.get('x-longhaul-completion-id')!;
    expect(nextId).not.toBe(firstId);
    const [, chunks] = await Promise.all([firstTurn, readValidatedChunks(next)]);
    expect(chunks.map((chunk) => chunk.type)).not.toContain('steering-message');
    await waitFor(async () => (await statusOf(nextId)) === 'completed');
    expect((await h.api(`/api/chat/${chatId}/steer/no-room-chat`)).status).toBe(404);
  });

  it('with policy steer, a plain POST /api/chat steers the running answer and streams the answer it joined', async () => {
    const said = mark('CHAT');
    const from = h.model.requests.length;
    const { chatId, completionId, turn } = await startTurn(h, [
      { kind: 'text', chunks: slowWords(20), delayMs: 100 },
      { kind: 'text', chunks: ['Joined.'] },
    ]);
    await setPolicy(chatId, 'steer');
    const joined = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage('start'), userMessage(said, 'chat-steer-1')],
    });
    expect(joined.status).toBe(200);
    expect(joined.headers.get('x-longhaul-completion-id')).toBe(completionId);
    const [{ message, chunks }] = await Promise.all([readTurn(joined), turn]);
    expect(message.parts.map((part) => part.type)).toEqual([
      'step-start',
      'text',
      'steering-message',
      'step-start',
      'text',
    ]);
    expect(chunks.filter((chunk) => chunk.type === 'steering-message')).toEqual([
      { type: 'steering-message', id: 'chat-steer-1', parts: text(said) },
    ]);
    expect(sentMessages(h, from)[1]!.at(-1)).toEqual({ role: 'user', content: said });
    await waitFor(async () => (await statusOf(completionId)) === 'completed');
    expect(await readJson(await h.api(`/api/chat/${chatId}/steer/chat-steer-1`))).toMatchObject({
      status: 'delivered',
      step: 1,
    });
    // Nothing ran but the one answer.
    const { rows } = await h.pool.query(
      `SELECT count(*)::int AS n FROM completions WHERE thread_id = (SELECT thread_id FROM completions WHERE id = $1)`,
      [completionId],
    );
    expect(rows[0].n).toBe(1);
  });
});

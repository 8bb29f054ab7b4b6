/**
 * The completion writes that each carry a second write in the same statement (one round trip, atomic without a
 * transaction): the opening's insert-if-missing with its user message and the thread's pointer, the start with its
 * ledger fact, an attempt's usage with its `model_call` fact, and the finish that frees the thread, records
 * `completion_finished` with the totals it summed and returns them.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAuditRepo, type AuditEvent } from '../../src/db/audit-repo.js';
import { createCompletionsRepo, type NewCompletion } from '../../src/db/completions-repo.js';
import { newId } from '../../src/db/ids.js';
import { createMessagesRepo, type NewUserMessage } from '../../src/db/messages-repo.js';
import { createThreadsRepo } from '../../src/db/threads-repo.js';
import { createUsageRepo } from '../../src/db/usage-repo.js';
import { createUsersRepo } from '../../src/db/users-repo.js';

describe('completions repository', () => {
  let pool: pg.Pool;
  let userId: string;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
    userId = (await createUsersRepo(pool).ensureUser(`repo-${randomUUID()}`)).id;
  });
  afterAll(() => pool.end());

  async function newThread(): Promise<string> {
    const id = newId('thr');
    await createThreadsRepo(pool).create({
      id,
      clientId: randomUUID(),
      userId,
      title: null,
      doubleTextPolicy: 'enqueue',
      agent: null,
    });
    return id;
  }

  function newCompletion(threadId: string, extra: Partial<NewCompletion> = {}): NewCompletion {
    const id = newId('cmp');
    return {
      id,
      threadId,
      userId,
      model: 'openai:gpt-test',
      assistantMessageId: newId('msg'),
      workflowId: `completion-${id}`,
      answers: { id: newId('msg'), threadId, uiMessageId: randomUUID(), parts: [{ type: 'text', text: 'hello' }] },
      agent: { name: 'tester', version: '1' },
      ...extra,
    };
  }

  const answeredBy = async (completionId: string) =>
    (
      await pool.query<{ id: string | null }>(`SELECT user_message_id AS id FROM completions WHERE id = $1`, [
        completionId,
      ])
    ).rows[0]!.id;

  /** `completion_finished` as the caller writes it: the totals are the finish's to add. */
  const finishedFact = (completionId: string, threadId: string): AuditEvent => ({
    key: `completion_finished:${completionId}`,
    threadId,
    completionId,
    userId,
    type: 'completion_finished',
    actor: 'system',
    data: { status: 'done', recordedBy: 'worker' },
  });

  const factsOf = async (threadId: string) =>
    (await createAuditRepo(pool).listByThread(threadId, userId)).map(({ type, completionId, data }) => ({
      type,
      completionId,
      data,
    }));

  const pointerOf = async (threadId: string) =>
    (
      await pool.query<{ active: string | null }>(`SELECT active_completion_id AS active FROM threads WHERE id = $1`, [
        threadId,
      ])
    ).rows[0]!.active;

  it('creates a completion and its user message once and points its thread at it, however often it is opened', async () => {
    const threadId = await newThread();
    const completion = newCompletion(threadId);
    const completions = createCompletionsRepo(pool);
    const stored = await completions.createAndActivate(completion);
    const again = await completions.createAndActivate({ ...completion, model: 'openai:other' });
    expect(stored).toEqual({ id: (completion.answers as NewUserMessage).id, inserted: true });
    expect(again).toEqual({ ...stored, inserted: false });
    expect(await completions.listByThread(threadId)).toMatchObject([
      { id: completion.id, model: 'openai:gpt-test', status: 'running' },
    ]);
    expect(await answeredBy(completion.id)).toBe(stored.id);
    expect(await pointerOf(threadId)).toBe(completion.id);
  });

  it('answers a message resent under a new row id, or a stored one, with the row already stored', async () => {
    const threadId = await newThread();
    const first = newCompletion(threadId);
    const completions = createCompletionsRepo(pool);
    const stored = await completions.createAndActivate(first);
    const resent = newCompletion(threadId, { answers: { ...(first.answers as NewUserMessage), id: newId('msg') } });
    expect(await completions.createAndActivate(resent)).toEqual({ id: stored.id, inserted: false });
    const regenerated = newCompletion(threadId, { answers: { storedId: stored.id } });
    expect(await completions.createAndActivate(regenerated)).toEqual({ id: stored.id, inserted: false });
    expect(await answeredBy(resent.id)).toBe(stored.id);
    expect(await answeredBy(regenerated.id)).toBe(stored.id);
    expect(await pointerOf(threadId)).toBe(regenerated.id);
    expect(await createMessagesRepo(pool).listForThread(threadId)).toHaveLength(1);
  });

  it('starts a queued completion and records its fact once, in one statement', async () => {
    const threadId = await newThread();
    const first = newCompletion(threadId);
    const queued = newCompletion(threadId, { afterCompletionId: first.id });
    const completions = createCompletionsRepo(pool);
    await completions.createAndActivate(first);
    await completions.createAndActivate(queued);
    const fact: AuditEvent = {
      key: `message_received:${queued.id}`,
      threadId,
      completionId: queued.id,
      userId,
      type: 'message_received',
      actor: userId,
      data: { model: queued.model, tools: [] },
    };
    await completions.markStarted(queued.id, fact);
    const started = await completions.get(queued.id);
    await completions.markStarted(queued.id, fact);
    expect(started).toMatchObject({ status: 'running', startedAt: expect.any(Date) });
    expect((await completions.get(queued.id))!.startedAt).toEqual(started!.startedAt);
    expect(await factsOf(threadId)).toEqual([
      { type: 'message_received', completionId: queued.id, data: { model: queued.model, tools: [] } },
    ]);
  });

  it('charges an attempt and records its model_call fact together, once however often it is written', async () => {
    const threadId = await newThread();
    const completion = newCompletion(threadId);
    await createCompletionsRepo(pool).createAndActivate(completion);
    const charge = {
      completionId: completion.id,
      rootCompletionId: completion.id,
      userId,
      step: 0,
      attempt: 1,
      inputTokens: 11,
      outputTokens: 5,
      estimated: false,
      outcome: 'completed' as const,
    };
    const fact: AuditEvent = {
      key: `model_call:${completion.id}:0:1`,
      threadId,
      completionId: completion.id,
      userId,
      type: 'model_call',
      actor: 'model',
      data: { inputTokens: 11, outputTokens: 5 },
    };
    const usage = createUsageRepo(pool);
    await usage.record(charge, fact);
    await usage.record(charge, fact);
    expect(await usage.totals(completion.id, userId)).toMatchObject({ completion: 16 });
    expect(await factsOf(threadId)).toEqual([
      { type: 'model_call', completionId: completion.id, data: { inputTokens: 11, outputTokens: 5 } },
    ]);
  });

  it('finishes once, frees the thread it still holds and returns the row with the totals it summed', async () => {
    const threadId = await newThread();
    const completion = newCompletion(threadId);
    const completions = createCompletionsRepo(pool);
    await completions.createAndActivate(completion);
    const usage = createUsageRepo(pool);
    const attempt = { completionId: completion.id, rootCompletionId: completion.id, userId, step: 0 };
    await usage.record({
      ...attempt,
      attempt: 1,
      inputTokens: 7,
      outputTokens: 2,
      estimated: false,
      outcome: 'failed',
    });
    await usage.record({
      ...attempt,
      attempt: 2,
      inputTokens: 7,
      outputTokens: 30,
      estimated: false,
      outcome: 'completed',
    });
    await createMessagesRepo(pool).upsertAssistantStep({
      id: `${completion.id}:step:0`,
      threadId,
      uiMessageId: completion.assistantMessageId,
      completionId: completion.id,
      step: 0,
      parts: [{ type: 'text', text: 'hi' }],
      usage: null,
    });
    const finished = await completions.finish(
      { id: completion.id, threadId },
      { status: 'completed', finishReason: 'stop' },
      finishedFact(completion.id, threadId),
    );
    expect(finished).toEqual(await completions.get(completion.id));
    expect(finished).toMatchObject({
      id: completion.id,
      status: 'completed',
      finishReason: 'stop',
      steps: 1,
      inputTokens: 14,
      outputTokens: 32,
      finishedAt: expect.any(Date),
    });
    expect(await pointerOf(threadId)).toBeNull();
    expect(
      await completions.finish(
        { id: completion.id, threadId },
        { status: 'failed' },
        finishedFact(completion.id, threadId),
      ),
    ).toBeUndefined();
    expect((await completions.get(completion.id))!.status).toBe('completed');
    expect(await factsOf(threadId)).toEqual([
      {
        type: 'completion_finished',
        completionId: completion.id,
        data: { status: 'done', recordedBy: 'worker', steps: 1, inputTokens: 14, outputTokens: 32 },
      },
    ]);
  });

  it('leaves a thread that already points at a newer turn pointing at it', async () => {
    const threadId = await newThread();
    const old = newCompletion(threadId);
    const newer = newCompletion(threadId, { afterCompletionId: old.id });
    const completions = createCompletionsRepo(pool);
    await completions.createAndActivate(old);
    await completions.createAndActivate(newer);
    const finished = await completions.finish(
      { id: old.id, threadId },
      { status: 'cancelled', finishReason: 'stop' },
      finishedFact(old.id, threadId),
    );
    expect(finished).toMatchObject({ id: old.id, status: 'cancelled', steps: 0, inputTokens: null });
    expect(await pointerOf(threadId)).toBe(newer.id);
    expect(await factsOf(threadId)).toEqual([
      {
        type: 'completion_finished',
        completionId: old.id,
        data: { status: 'done', recordedBy: 'worker', steps: 0, inputTokens: 0, outputTokens: 0 },
      },
    ]);
  });
});

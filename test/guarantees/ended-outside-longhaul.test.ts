import { randomUUID } from 'node:crypto';
import { parseJsonEventStream } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { endTurn } from '../../src/completions/end-turn.js';
import { createLogger } from '../../src/log.js';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { streamKeys } from '../../src/stream/stream-keys.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readValidatedChunks, startLongAnswer, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';

const userEventSchema = z.object({ type: z.string(), data: z.record(z.string(), z.unknown()).optional() });
type UserEvent = z.infer<typeof userEventSchema>;

/** `GET /v1/events` decoded frame by frame by the `ai` package's SSE parser, as a sidebar would read it. */
async function openUserEvents(h: Harness) {
  const response = await h.api('/v1/events');
  expect(response.status).toBe(200);
  const reader = parseJsonEventStream({ stream: response.body!, schema: userEventSchema }).getReader();
  return {
    /** The first event that matches, or undefined when none arrives within `timeoutMs`. */
    async find(predicate: (event: UserEvent) => boolean, timeoutMs = 5_000): Promise<UserEvent | undefined> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const timeout = new Promise<'timeout'>((resolve) =>
          setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now())),
        );
        const read = await Promise.race([reader.read(), timeout]);
        if (read === 'timeout' || read.done) return undefined;
        if (!read.value.success) throw new Error(`undecodable event: ${JSON.stringify(read.value.rawValue)}`);
        if (predicate(read.value.value)) return read.value.value;
      }
    },
    close: () => reader.cancel(),
  };
}

/** The value of one series in Prometheus text format (0 when absent). */
async function metric(h: Harness, series: string): Promise<number> {
  const line = (await (await fetch(`${h.apiUrl}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

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
    expect(
      chunks
        .filter((chunk) => chunk.type === 'text-delta')
        .map((chunk) => chunk.delta)
        .join(''),
    ).toBe('next answer');

    expect(await row(completionId)).toMatchObject({ status: 'failed', error: { code: 'workflow_terminated' } });
    expect(await readRest()).toContain('"type":"error"');
    const { rows } = await h.pool.query(
      `SELECT data FROM audit_events WHERE completion_id = $1 AND type = 'completion_finished'`,
      [completionId],
    );
    expect(rows).toEqual([
      { data: expect.objectContaining({ status: 'failed', code: 'workflow_terminated', recordedBy: 'api' }) },
    ]);
  });

  it('ends the stream of a viewer who only watches, within a keep-alive tick or two', async () => {
    const { completionId, readRest } = await terminatedTurn();
    expect(await readRest()).toContain('"type":"error"');
    expect(await row(completionId)).toMatchObject({ status: 'failed', error: { code: 'workflow_terminated' } });
  });

  it('settles a terminated turn as the worker settles a failed one: sidebar, ledger, metric', async () => {
    const auditOf = async (completionId: string) =>
      (await h.pool.query(`SELECT type, data FROM audit_events WHERE completion_id = $1 ORDER BY id`, [completionId]))
        .rows as {
        type: string;
        data: Record<string, unknown>;
      }[];
    const events = await openUserEvents(h);
    // A turn the worker fails itself, for comparison.
    h.model.enqueue({ kind: 'http-error', status: 400, message: 'bad request' });
    const failedByWorker = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('x')],
    });
    const workerFailedId = failedByWorker.headers.get('x-longhaul-completion-id')!;
    await failedByWorker.text();
    const failedBefore = await metric(h, 'longhaul_completions_finished_total{status="failed"}');

    const { completionId, readRest } = await terminatedTurn();
    // The viewer's open stream asks Temporal on its keep-alive tick and records the end.
    expect(await readRest()).toContain('"type":"error"');

    const ledger = await auditOf(completionId);
    expect.soft(ledger.find((e) => e.type === 'failure')?.data).toMatchObject({ code: 'workflow_terminated' });
    const finished = ledger.find((e) => e.type === 'completion_finished')!.data;
    const workerFinished = (await auditOf(workerFailedId)).find((e) => e.type === 'completion_finished')!.data;
    expect.soft(Object.keys(finished).sort()).toEqual(Object.keys(workerFinished).sort());
    expect.soft(finished).toMatchObject({ status: 'failed', code: 'workflow_terminated', recordedBy: 'api' });
    expect.soft(workerFinished).toMatchObject({ status: 'failed', recordedBy: 'worker' });
    expect.soft(await metric(h, 'longhaul_completions_finished_total{status="failed"}')).toBe(failedBefore + 1);

    const ended = await events.find(
      (e) => e.type === 'data-thread_status' && e.data?.completionId === completionId && e.data.runStatus !== 'running',
    );
    await events.close();
    expect(ended?.data, 'a data-thread_status for the terminated turn on GET /v1/events').toMatchObject({
      completionId,
      runStatus: 'failed',
    });
  });

  it('answers a Stop with what became of it, after which the thread can be deleted', async () => {
    const { chatId, completionId, hangUp } = await terminatedTurn();
    await hangUp();
    const cancel = await h.api(`/v1/completions/${completionId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(409);
    expect((await readJson(cancel)).error.message).toContain('has already failed');
    expect((await h.api(`/v1/threads/${chatId}`, { method: 'DELETE' })).status).toBe(204);
  });

  it("shows a terminated sub-agent as failed in its parent's stream", async () => {
    const words = (n: number, word: string) => Array.from({ length: n }, (_, i) => `${word}${i} `);
    h.model.enqueue(
      {
        kind: 'tool-calls',
        calls: [{ name: 'research', argsChunks: [JSON.stringify({ question: 'How deep is the Mariana Trench?' })] }],
      },
      { kind: 'text', chunks: words(60, 'deep'), delayMs: 100 },
      // The parent answers slowly, so its stream is still open when the sub-agent's end is recorded.
      { kind: 'text', chunks: words(30, 'parent'), delayMs: 100 },
    );
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('dive')],
      agent: 'researcher',
    });
    const parentId = response.headers.get('x-longhaul-completion-id')!;
    const parentChunks = readValidatedChunks(response);
    let childId = '';
    await waitFor(
      async () => {
        const { rows } = await h.pool.query(
          `SELECT id FROM completions WHERE parent_completion_id = $1 AND first_token_at IS NOT NULL`,
          [parentId],
        );
        childId = rows[0]?.id ?? '';
        return childId !== '';
      },
      10_000,
      'the sub-agent streaming',
    );
    await h.temporal.workflow.getHandle(`completion-${childId}`).terminate('ended by an operator');

    // Stop on the sub-agent's own view: the API finds it ended and records that.
    expect((await h.api(`/v1/completions/${childId}/cancel`, { method: 'POST' })).status).toBe(409);
    expect(await row(childId)).toMatchObject({ status: 'failed', error: { code: 'workflow_terminated' } });

    const progress = (await parentChunks).flatMap((chunk) =>
      chunk.type === 'data-subagent' && (chunk.data as { completionId: string }).completionId === childId
        ? [(chunk.data as { status: string }).status]
        : [],
    );
    expect(progress[0]).toBe('running');
    expect(progress.at(-1)).toBe('failed');
  });

  it('records a turn that two callers end at once exactly once, and both announce what is on record', async () => {
    const { chatId, completionId, hangUp } = await terminatedTurn();
    await hangUp();
    const deps = {
      pool: h.pool,
      publisher: createChunkPublisher(h.redis, { maxLen: 1000, ttlSeconds: 60, replayWindowSeconds: 60 }),
      log: createLogger('test', 'warn'),
    };
    const { rows: threads } = await h.pool.query(`SELECT id FROM threads WHERE client_id = $1 AND user_id = $2`, [
      chatId,
      h.userId,
    ]);
    const ids = { completionId, threadId: threads[0].id as string, userId: h.userId };
    const origin = { workflowId: `completion-${completionId}`, runId: null };
    const before = await metric(h, 'longhaul_completions_finished_total{status="failed"}');
    const cancelledBefore = await metric(h, 'longhaul_completions_finished_total{status="cancelled"}');
    await Promise.all([
      endTurn(
        deps,
        {
          ...ids,
          status: 'failed',
          finishReason: 'error',
          error: { code: 'workflow_terminated', message: 'terminated' },
        },
        { origin, recordedBy: 'api' },
      ),
      endTurn(deps, { ...ids, status: 'cancelled', finishReason: 'cancelled' }, { origin, recordedBy: 'api' }),
    ]);

    const { rows } = await h.pool.query(
      `SELECT data FROM audit_events WHERE completion_id = $1 AND type = 'completion_finished'`,
      [completionId],
    );
    expect(rows).toHaveLength(1);
    const recorded = (await row(completionId)).status;
    expect(rows[0].data.status).toBe(recorded);
    const counted =
      (await metric(h, 'longhaul_completions_finished_total{status="failed"}')) -
      before +
      (await metric(h, 'longhaul_completions_finished_total{status="cancelled"}')) -
      cancelledBefore;
    expect(counted).toBe(1);
    const statuses = (await h.redis.xrange(streamKeys.log(completionId), '-', '+'))
      .map(([, fields]) => JSON.parse(fields[3]!) as { type: string; data?: { runStatus?: string } })
      .filter((chunk) => chunk.type === 'data-thread_status' && chunk.data?.runStatus !== 'running')
      .map((chunk) => chunk.data!.runStatus);
    expect(new Set(statuses)).toEqual(new Set([recorded === 'failed' ? 'failed' : 'cancelled']));
  });
});

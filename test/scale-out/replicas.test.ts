/**
 * Scale-out: two API processes and two worker processes (`src/server.ts`, `src/worker.ts`, as production runs
 * them) on one Temporal, Postgres and Redis. Nothing about a turn belongs to the replica that started it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { startApiProcess, type ApiProcess } from '../support/api-process.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { readJson, readTurn, textOf, userMessage } from '../support/chat-client.js';
import { waitFor } from '../support/wait-for.js';
import { completionWorkflowId } from '../../src/workflows/definitions.js';

const ACTIVE_LIMIT = 1;
const STREAM_LIMIT = 2;

describe('two APIs and two workers share every turn', () => {
  let h: Harness;
  let apis: ApiProcess[] = [];
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    h = await startHarness();
    // Only the processes below poll this task queue.
    await h.stopWorker();
    workers = await Promise.all([startWorkerProcess(h), startWorkerProcess(h)]);
    const limits = {
      LONGHAUL_RATE_LIMIT_PER_MINUTE: '0',
      LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: String(ACTIVE_LIMIT),
      LONGHAUL_MAX_STREAMS_PER_USER: String(STREAM_LIMIT),
      LONGHAUL_SSE_KEEPALIVE_MS: '1000',
    };
    apis = await Promise.all([startApiProcess(h, limits), startApiProcess(h, limits)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...apis, ...workers].map((p) => p.stop()));
    await h?.close();
  });

  const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i} `);

  const postChat = (api: ApiProcess, text: string, key = h.apiKey) => {
    const chatId = `chat-${randomUUID()}`;
    const response = api.api('/api/chat', {
      method: 'POST',
      key,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: chatId, trigger: 'submit-message', messages: [userMessage(text)] }),
    });
    return { chatId, response };
  };

  /** Reads a raw SSE body until a text delta arrived; returns the reader so the caller can go on or hang up. */
  async function untilFirstDelta(response: Response) {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let raw = '';
    while (!raw.includes('"text-delta"')) raw += decoder.decode((await reader.read()).value, { stream: true });
    return reader;
  }

  const completionStatus = async (completionId: string) =>
    (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0]?.status as string;

  it('streams a turn started through one API to viewers on both', async () => {
    const answer = words(40, 'both');
    h.model.enqueue({ kind: 'text', chunks: answer, delayMs: 20 });
    const { chatId, response } = postChat(apis[0]!, 'hello');
    const started = await response;
    expect(started.status).toBe(200);
    const onOther = await apis[1]!.api(`/api/chat/${chatId}/stream`);
    expect(onOther.status).toBe(200);
    const [first, second] = await Promise.all([readTurn(started), readTurn(onOther)]);
    expect(textOf(first.message)).toBe(answer.join(''));
    expect(textOf(second.message)).toBe(answer.join(''));
    expect(second.message.id).toBe(first.message.id);
  });

  it('resumes through the other API without losing a chunk', async () => {
    const answer = words(40, 'resume');
    h.model.enqueue({ kind: 'text', chunks: answer, delayMs: 30 });
    const { chatId, response } = postChat(apis[0]!, 'hello again');
    const reader = await untilFirstDelta(await response);
    await reader.cancel();
    const resumed = await apis[1]!.api(`/api/chat/${chatId}/stream`);
    expect(resumed.status).toBe(200);
    const { message } = await readTurn(resumed);
    expect(textOf(message)).toBe(answer.join(''));
  });

  it('lands a Stop sent to the other API', async () => {
    h.model.enqueue({ kind: 'text', chunks: words(200, 'stop'), delayMs: 50 });
    const { chatId, response } = postChat(apis[0]!, 'talk long');
    const started = await response;
    const completionId = started.headers.get('x-longhaul-completion-id')!;
    const reader = await untilFirstDelta(started);
    const stop = await apis[1]!.api(`/api/chat/${chatId}/stop`, { method: 'POST' });
    expect(stop.status).toBeLessThan(300);
    // The stream on the first API ends once the stop reached the model call.
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
    await waitFor(async () => (await completionStatus(completionId)) === 'cancelled', 15_000, 'cancelled');
  });

  it('lands an approval sent to the other API', async () => {
    h.model.enqueue(
      {
        kind: 'tool-calls',
        calls: [{ name: 'save_note', argsChunks: [JSON.stringify({ title: 'replicas', body: 'two of each' })] }],
      },
      { kind: 'text', chunks: ['Saved ', 'it.'] },
    );
    const { chatId, response } = postChat(apis[0]!, 'remember this');
    const started = await response;
    const completionId = started.headers.get('x-longhaul-completion-id')!;
    // The first part of the turn ends at the approval request.
    await readTurn(started);
    const { approvals } = await readJson(await apis[1]!.api('/v1/approvals?status=pending'));
    const approval = approvals.find((a: { threadId: string }) => a.threadId === chatId);
    expect(approval?.toolName).toBe('save_note');
    const decided = await apis[1]!.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', argsDigest: approval.argsDigest }),
    });
    expect(decided.status).toBe(200);
    await waitFor(async () => (await completionStatus(completionId)) === 'completed', 20_000, 'completed');
    const notes = await h.pool.query(`SELECT title, body FROM notes WHERE id = $1`, [approval.toolCallId]);
    expect(notes.rows).toEqual([{ title: 'replicas', body: 'two of each' }]);
    const { rows } = await h.pool.query(`SELECT parts FROM messages WHERE completion_id = $1 AND role = 'assistant'`, [
      completionId,
    ]);
    const texts = rows.flatMap((row: { parts: { type: string; text?: string }[] }) =>
      row.parts.filter((part) => part.type === 'text').map((part) => part.text),
    );
    expect(texts.join('')).toContain('Saved it.');
  });

  it('holds per-user limits across both APIs', async () => {
    const user = await h.createUser();
    h.model.enqueue({ kind: 'text', chunks: words(200, 'limit'), delayMs: 50 });
    const { chatId, response } = postChat(apis[0]!, 'busy', user.apiKey);
    const started = await response;
    const reader = await untilFirstDelta(started);
    try {
      // A second running answer through the other replica is over the active-completions limit.
      const second = await postChat(apis[1]!, 'also busy', user.apiKey).response;
      expect(second.status).toBe(429);
      expect((await readJson(second)).error.code).toBe('too_many_active_completions');
      // One stream on each replica is the limit; a third on either is refused.
      const abort = new AbortController();
      const viewer = await apis[1]!.api(`/api/chat/${chatId}/stream`, { key: user.apiKey, signal: abort.signal });
      expect(viewer.status).toBe(200);
      const third = await apis[0]!.api(`/api/chat/${chatId}/stream`, { key: user.apiKey });
      expect(third.status).toBe(429);
      expect((await readJson(third)).error.code).toBe('too_many_streams');
      abort.abort();
      await viewer.body?.cancel().catch(() => {});
    } finally {
      await apis[1]!.api(`/api/chat/${chatId}/stop`, { method: 'POST', key: user.apiKey });
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
    }
  });

  it('moves a turn to the other worker when the one running it is killed', async () => {
    const answer = words(40, 'moved');
    // The killed attempt's stream, then the retry's: both scripted, the retry faster.
    h.model.enqueue({ kind: 'text', chunks: answer, delayMs: 100 }, { kind: 'text', chunks: answer, delayMs: 5 });
    const { response } = postChat(apis[0]!, 'survive');
    const started = await response;
    const completionId = started.headers.get('x-longhaul-completion-id')!;
    const reading = readTurn(started);

    // The model call is streaming on one of the workers (it heartbeats per chunk): find which.
    const handle = h.temporal.workflow.getHandle(completionWorkflowId(completionId));
    let runningOn: string | undefined;
    await waitFor(
      async () => {
        const [pending] = (await handle.describe()).raw.pendingActivities ?? [];
        runningOn = pending?.lastHeartbeatTime ? (pending.lastWorkerIdentity ?? undefined) : undefined;
        return Boolean(runningOn);
      },
      10_000,
      'the model call streaming on a worker',
    );
    const victim = workers.find((w) => runningOn!.startsWith(`${w.pid}@`));
    expect(victim, `a worker of this test runs the call (${runningOn})`).toBeDefined();
    await victim!.kill();
    workers = workers.filter((w) => w !== victim);

    const { message } = await reading;
    expect(textOf(message)).toBe(answer.join(''));
    expect(await completionStatus(completionId)).toBe('completed');
    // The retry ran on the survivor: the last start of the model call names it.
    const history = await handle.fetchHistory();
    const startedOn = (history.events ?? [])
      .filter((event) => event.activityTaskStartedEventAttributes)
      .map((event) => event.activityTaskStartedEventAttributes!.identity);
    expect(startedOn.at(-1)).toMatch(new RegExp(`^${workers[0]!.pid}@`));
  });
});

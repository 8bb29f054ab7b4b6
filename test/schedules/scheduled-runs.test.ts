/**
 * Scheduled agents on the real Temporal Schedules: runs answer on their thread (or a new one each), show on
 * /v1/events and in the ledger as the schedule's, skip while the last run is still going, pause, resume, fire on
 * demand, survive an API restart, and are gone once deleted; the message never enters Temporal's history.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/chat-client.js';
import { decodeHistory, findMarkers, payloadsAt, type DecodedHistory } from '../support/decoded-history.js';
import { startHarness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import {
  assistantTexts,
  completionsOf,
  createSchedule,
  deleteInTemporal,
  existsInTemporal,
  getSchedule,
  scheduleAction,
} from './support.js';

const h = await startHarness({ LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS: '1' });
const created: string[] = [];
afterAll(async () => {
  await deleteInTemporal(h, created);
  await h.close();
});

const SCRIPTED_ANSWER = 'Hello from the scripted model.';
const marker = () => `sched${randomUUID().replace(/-/g, '').slice(0, 12)}`;

async function newThread(): Promise<string> {
  const id = `sched-thread-${randomUUID()}`;
  const response = await h.api('/v1/threads', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id }),
  });
  expect(response.status).toBe(201);
  return id;
}

/** Deletes through the API and waits for the run in flight, so the next test starts with the model idle. */
async function deleteAndSettle(id: string): Promise<void> {
  const before = await getSchedule(h, id);
  expect((await h.api(`/v1/schedules/${id}`, { method: 'DELETE' })).status).toBe(204);
  await Promise.all(
    before.runningRuns.map((workflowId) =>
      h.temporal.workflow
        .getHandle(workflowId)
        .result()
        .catch(() => {}),
    ),
  );
}

/** `GET /v1/events` as frames: `data:` lines parsed, comments skipped. */
async function openEvents() {
  const response = await h.api('/v1/events');
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async until(done: (seen: { type: string; data: Record<string, unknown> }[]) => boolean) {
      const seen: { type: string; data: Record<string, unknown> }[] = [];
      while (!done(seen)) {
        const end = buffer.indexOf('\n\n');
        if (end < 0) {
          const { value, done: ended } = await reader.read();
          if (ended) throw new Error('the event stream ended');
          buffer += decoder.decode(value, { stream: true });
          continue;
        }
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((line) => line.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (data) seen.push(JSON.parse(data.slice(6)));
      }
      return seen;
    },
    close: () => reader.cancel(),
  };
}

/** A finished workflow's decoded history and those of the children it started. */
async function decodedHistories(workflowId: string, into = new Map<string, DecodedHistory>()) {
  const handle = h.temporal.workflow.getHandle(workflowId);
  await handle.result();
  const history = await handle.fetchHistory();
  into.set(workflowId, decodeHistory(history));
  for (const event of history.events ?? []) {
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (child) await decodedHistories(child, into);
  }
  return into;
}

describe('a scheduled agent', () => {
  it('answers on its thread each time it fires, on /v1/events and in the ledger as started by the schedule', async () => {
    const threadId = await newThread();
    const events = await openEvents();
    const text = `check the news ${marker()}`;
    const schedule = await createSchedule(h, created, {
      agent: 'tester',
      message: text,
      threadId,
      intervalSeconds: 1,
    });
    expect(schedule).toMatchObject({ agent: 'tester', message: text, threadId, intervalSeconds: 1, paused: false });

    await waitFor(async () => (await assistantTexts(h, threadId)).length >= 2, 20_000, 'two scheduled answers');
    await deleteAndSettle(schedule.id);

    const { messages } = await readJson(await h.api(`/v1/threads/${threadId}/messages`));
    const userTexts = (messages as { role: string; parts: { type: string; text?: string }[] }[])
      .filter((message) => message.role === 'user')
      .map((message) => message.parts.map((part) => part.text).join(''));
    expect(userTexts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(userTexts)).toEqual(new Set([text]));
    const answers = await assistantTexts(h, threadId);
    expect(answers.slice(0, 2)).toEqual([SCRIPTED_ANSWER, SCRIPTED_ANSWER]);

    const completions = (await completionsOf(h, threadId)).slice(0, 2);
    expect(completions.map((completion) => completion.status)).toEqual(['completed', 'completed']);
    const ids = completions.map((completion) => completion.id);
    const seen = await events.until((chunks) =>
      ids.every((id) =>
        chunks.some(
          (chunk) =>
            chunk.type === 'data-thread_status' &&
            chunk.data.completionId === id &&
            chunk.data.runStatus === 'complete',
        ),
      ),
    );
    await events.close();
    for (const id of ids) {
      expect(
        seen
          .filter((chunk) => chunk.type === 'data-thread_status' && chunk.data.completionId === id)
          .map((chunk) => [chunk.data.threadId, chunk.data.runStatus]),
      ).toEqual([
        [threadId, 'running'],
        [threadId, 'complete'],
      ]);
    }

    const { events: ledger } = await readJson(await h.api(`/v1/threads/${threadId}/audit`));
    const fired = (ledger as { type: string; actor: string; completionId: string; data: Record<string, unknown> }[])
      .filter((event) => event.type === 'schedule_fired')
      .slice(0, 2);
    expect(fired.map((event) => [event.completionId, event.actor, event.data.scheduleId])).toEqual(
      ids.map((id) => [id, `schedule:${schedule.id}`, schedule.id]),
    );
    expect(String(fired[0]!.data.runWorkflowId)).toMatch(new RegExp(`^scheduled-${schedule.id}-`));
  });

  it('keeps the message out of Temporal: the run and its completion carry ids only', async () => {
    const text = `summarise the overnight logs ${marker()}`;
    const schedule = await createSchedule(h, created, { agent: 'tester', message: text, cron: '0 8 * * *' });
    expect((await scheduleAction(h, schedule.id, 'trigger')).status).toBe(202);
    await waitFor(async () => (await getSchedule(h, schedule.id)).recentRuns.length === 1, 10_000, 'the run');
    const [run] = (await getSchedule(h, schedule.id)).recentRuns;
    const histories = await decodedHistories(run!.workflowId);
    await deleteAndSettle(schedule.id);

    expect(histories.size).toBe(2);
    const runHistory = histories.get(run!.workflowId)!;
    // Decoding works: the run's input is there, as ids.
    expect(payloadsAt(runHistory, /workflowExecutionStartedEventAttributes\.input\.payloads\[0\]$/)).toEqual([
      { scheduleId: schedule.id, userId: h.userId, agent: 'tester' },
    ]);
    for (const [workflowId, decoded] of histories) {
      expect(findMarkers(decoded, [text.split(' ').at(-1)!, 'overnight logs']), workflowId).toEqual([]);
    }
  });

  it('skips a firing while the previous run is still answering', async () => {
    const threadId = await newThread();
    h.model.enqueue({ kind: 'text', chunks: Array.from({ length: 12 }, (_, i) => `slow ${i} `), delayMs: 400 });
    const schedule = await createSchedule(h, created, {
      agent: 'tester',
      message: 'a long answer, please',
      threadId,
      intervalSeconds: 1,
    });
    await waitFor(
      async () => (await getSchedule(h, schedule.id)).runsSkippedOverlap >= 2,
      20_000,
      'two firings skipped',
    );
    const during = await getSchedule(h, schedule.id);
    const completions = await completionsOf(h, threadId);
    await scheduleAction(h, schedule.id, 'pause');
    await Promise.all(during.runningRuns.map((id) => h.temporal.workflow.getHandle(id).result()));
    const answers = await assistantTexts(h, threadId);
    await deleteAndSettle(schedule.id);

    expect(during.runningRuns).toHaveLength(1);
    expect(completions).toHaveLength(1);
    expect(answers[0]).toBe(Array.from({ length: 12 }, (_, i) => `slow ${i} `).join(''));
  });

  it('finishes a run whose worker stops mid-answer: the whole answer, once, from the next worker', async () => {
    const threadId = await newThread();
    const words = Array.from({ length: 20 }, (_, i) => `tide${i} `);
    // The first attempt is cut by the worker's shutdown; the retry on the next worker answers in full.
    h.model.enqueue({ kind: 'text', chunks: words, delayMs: 100 }, { kind: 'text', chunks: words });
    const before = h.model.requests.length;
    const schedule = await createSchedule(h, created, {
      agent: 'tester',
      message: 'the tides, please',
      threadId,
      cron: '0 8 * * *',
    });
    expect((await scheduleAction(h, schedule.id, 'trigger')).status).toBe(202);
    await waitFor(
      async () => {
        const { rows } = await h.pool.query(
          `SELECT c.first_token_at FROM completions c JOIN threads t ON t.id = c.thread_id WHERE t.client_id = $1`,
          [threadId],
        );
        return rows.length === 1 && rows[0].first_token_at !== null;
      },
      15_000,
      'the scheduled answer streaming',
    );
    await h.stopWorker();
    await h.startWorker();
    const [run] = (await getSchedule(h, schedule.id)).recentRuns;
    await h.temporal.workflow.getHandle(run!.workflowId).result();
    const answers = await assistantTexts(h, threadId);
    const completions = await completionsOf(h, threadId);
    await deleteAndSettle(schedule.id);

    // Two model calls: the one the stop cut, and the retry that answered.
    expect(h.model.requests.length - before).toBe(2);
    expect(answers).toEqual([words.join('')]);
    expect(completions.map((completion) => completion.status)).toEqual(['completed']);
  }, 60_000);

  it('lists and reads the caller’s schedules with their next run times in the schedule’s time zone', async () => {
    const schedule = await createSchedule(h, created, {
      agent: 'tester',
      message: 'morning summary',
      cron: '0 8 * * *',
      timezone: 'Europe/Paris',
    });
    const read = await getSchedule(h, schedule.id);
    expect(read).toMatchObject({ cron: '0 8 * * *', intervalSeconds: null, timezone: 'Europe/Paris', paused: false });
    expect(read.nextRunTimes.length).toBeGreaterThanOrEqual(2);
    // 08:00 in Paris is 07:00 UTC in winter and 06:00 UTC in summer.
    for (const time of read.nextRunTimes) expect(time).toMatch(/T0[67]:00:00\.000Z$/);
    const gaps = read.nextRunTimes.slice(1).map((time, i) => Date.parse(time) - Date.parse(read.nextRunTimes[i]!));
    for (const gap of gaps) expect([23, 24, 25]).toContain(gap / 3_600_000);

    const { schedules } = await readJson(await h.api('/v1/schedules'));
    expect(schedules.map((item: { id: string }) => item.id)).toContain(schedule.id);
    expect(schedules.find((item: { id: string }) => item.id === schedule.id)).toEqual(read);
    await deleteAndSettle(schedule.id);
  });

  it('tells the researcher that a schedule started the run, and only then', async () => {
    const systemPromptFor = (mark: string) => {
      const request = h.model.requests.find((r) => JSON.stringify(r.body).includes(mark));
      const messages = (request?.body as { messages: { role: string; content: string }[] } | undefined)?.messages;
      return messages?.find((message) => message.role === 'system')?.content;
    };
    const scheduled = marker();
    const threadId = await newThread();
    // A daily cron: the only run is the one triggered here.
    const schedule = await createSchedule(h, created, {
      agent: 'researcher',
      message: `what changed today ${scheduled}`,
      threadId,
      cron: '0 8 * * *',
    });
    expect((await scheduleAction(h, schedule.id, 'trigger')).status).toBe(202);
    await waitFor(async () => (await assistantTexts(h, threadId)).length === 1, 15_000, 'the scheduled answer');
    expect(systemPromptFor(scheduled)).toContain('A schedule started this run; nobody is waiting to answer questions.');
    await deleteAndSettle(schedule.id);

    const typed = marker();
    const response = await h.api('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `typed-${typed}`,
        agent: 'researcher',
        trigger: 'submit-message',
        messages: [{ id: `m-${typed}`, role: 'user', parts: [{ type: 'text', text: `what changed ${typed}` }] }],
      }),
    });
    expect(response.status).toBe(200);
    await response.text();
    expect(systemPromptFor(typed)).toContain('You are a careful researcher');
    expect(systemPromptFor(typed)).not.toContain('A schedule started this run');
  });

  it('fires no run while paused, runs again once resumed, and runs on demand with a new thread each time', async () => {
    const text = `paused or not ${marker()}`;
    const schedule = await createSchedule(h, created, { agent: 'tester', message: text, intervalSeconds: 1 });
    const paused = await readJson(await scheduleAction(h, schedule.id, 'pause'));
    expect(paused.paused).toBe(true);
    const takenAtPause = (await getSchedule(h, schedule.id)).runsTaken;
    // Three intervals pass with the schedule paused.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await getSchedule(h, schedule.id)).runsTaken).toBe(takenAtPause);
    // A run that started before the pause would make the trigger a skipped overlap.
    await waitFor(async () => (await getSchedule(h, schedule.id)).runningRuns.length === 0, 10_000, 'no run going');
    const titled = async () => {
      const { threads } = await readJson(await h.api('/v1/threads?limit=100'));
      return (threads as { id: string; title: string }[]).filter((thread) => thread.title === text);
    };
    // The runs before the pause are not this test's subject: only the threads of the runs after it are counted.
    const beforeTrigger = new Set((await titled()).map((thread) => thread.id));

    expect((await scheduleAction(h, schedule.id, 'trigger')).status).toBe(202);
    await waitFor(
      async () => (await getSchedule(h, schedule.id)).runsTaken === takenAtPause + 1,
      10_000,
      'the triggered run',
    );
    expect((await readJson(await scheduleAction(h, schedule.id, 'resume'))).paused).toBe(false);
    await waitFor(
      async () => (await getSchedule(h, schedule.id)).runsTaken >= takenAtPause + 3,
      15_000,
      'runs after resume',
    );
    // Temporal counts a run once it started; its thread appears once the run's activity opened the turn. The
    // schedule is deleted only then: a run that opens after the deletion finds no schedule and is skipped.
    let runThreads: { id: string; title: string }[] = [];
    await waitFor(
      async () => {
        runThreads = (await titled()).filter((thread) => !beforeTrigger.has(thread.id));
        return runThreads.length >= 3;
      },
      30_000,
      'a new thread for the triggered run and each run after resuming',
    );
    await deleteAndSettle(schedule.id);
    for (const thread of runThreads.slice(0, 3)) {
      await waitFor(async () => (await assistantTexts(h, thread.id)).length === 1, 10_000, 'the run’s answer');
      expect(await assistantTexts(h, thread.id)).toEqual([SCRIPTED_ANSWER]);
    }
  });

  it('survives an API restart: the schedule is read back and keeps firing', async () => {
    const schedule = await createSchedule(h, created, {
      agent: 'tester',
      message: 'still here?',
      intervalSeconds: 1,
    });
    await h.restartApi();
    const after = await getSchedule(h, schedule.id);
    expect(after).toMatchObject({ id: schedule.id, intervalSeconds: 1, paused: false });
    await waitFor(
      async () => (await getSchedule(h, schedule.id)).runsTaken >= after.runsTaken + 1,
      10_000,
      'a run after the restart',
    );
    await deleteAndSettle(schedule.id);
  });

  it('is gone from Temporal, Postgres and the list once deleted', async () => {
    const schedule = await createSchedule(h, created, { agent: 'tester', message: 'to delete', cron: '0 8 * * *' });
    expect(await existsInTemporal(h, schedule.id)).toBe(true);
    expect((await h.api(`/v1/schedules/${schedule.id}`, { method: 'DELETE' })).status).toBe(204);

    expect(await existsInTemporal(h, schedule.id)).toBe(false);
    const { rows } = await h.pool.query('SELECT id FROM schedules WHERE id = $1', [schedule.id]);
    expect(rows).toEqual([]);
    expect((await h.api(`/v1/schedules/${schedule.id}`)).status).toBe(404);
    const { schedules } = await readJson(await h.api('/v1/schedules'));
    expect(schedules.map((item: { id: string }) => item.id)).not.toContain(schedule.id);
  });

  it('goes with the thread it posts to', async () => {
    const threadId = await newThread();
    const schedule = await createSchedule(h, created, {
      agent: 'tester',
      message: 'on a thread',
      threadId,
      cron: '0 8 * * *',
    });
    expect((await h.api(`/v1/threads/${threadId}`, { method: 'DELETE' })).status).toBe(204);

    expect(await existsInTemporal(h, schedule.id)).toBe(false);
    expect((await h.api(`/v1/schedules/${schedule.id}`)).status).toBe(404);
    const { rows } = await h.pool.query('SELECT id FROM schedules WHERE id = $1', [schedule.id]);
    expect(rows).toEqual([]);
  });

  it('is another user’s 404 on every route, and not in their list', async () => {
    const schedule = await createSchedule(h, created, { agent: 'tester', message: 'mine', cron: '0 8 * * *' });
    const other = await h.createUser();
    const answers = await Promise.all([
      h.api(`/v1/schedules/${schedule.id}`, { key: other.apiKey }),
      scheduleAction(h, schedule.id, 'pause', other.apiKey),
      scheduleAction(h, schedule.id, 'resume', other.apiKey),
      scheduleAction(h, schedule.id, 'trigger', other.apiKey),
      h.api(`/v1/schedules/${schedule.id}`, { method: 'DELETE', key: other.apiKey }),
    ]);
    for (const response of answers) {
      expect(response.status).toBe(404);
      expect((await readJson(response)).error.message).toBe('schedule not found');
    }
    const { schedules } = await readJson(await h.api('/v1/schedules', { key: other.apiKey }));
    expect(schedules).toEqual([]);

    const mine = await getSchedule(h, schedule.id);
    expect(mine).toMatchObject({ paused: false, runsTaken: 0 });
    await deleteAndSettle(schedule.id);
  });
});

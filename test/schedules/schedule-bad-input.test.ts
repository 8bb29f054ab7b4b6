/**
 * A schedule that cannot be made is refused with a 400 or 404 naming the problem, and leaves nothing behind: no
 * row in Postgres, no Schedule in Temporal (found by the owner's search attribute, which a valid one carries).
 * The minimum interval is the default, 60 seconds.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/chat-client.js';
import { startHarness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { createSchedule, deleteInTemporal, postSchedule } from './support.js';

const h = await startHarness();
const created: string[] = [];
afterAll(async () => {
  await deleteInTemporal(h, created);
  await h.close();
});

async function temporalSchedulesOf(userId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const schedule of h.temporal.schedule.list({ query: `LonghaulUserId = "${userId}"` })) {
    ids.push(schedule.scheduleId);
  }
  return ids;
}

async function rowsOf(userId: string): Promise<unknown[]> {
  const { rows } = await h.pool.query('SELECT id FROM schedules WHERE user_id = $1', [userId]);
  return rows;
}

const valid = { agent: 'tester', message: 'every morning, the news', cron: '0 8 * * *' };

describe('creating a schedule with bad input', () => {
  it('finds what a valid schedule leaves, so the checks below can see a leftover', async () => {
    const owner = await h.createUser();
    const response = await postSchedule(h, valid, owner.apiKey);
    expect(response.status).toBe(201);
    const { id } = await readJson(response);
    created.push(id);
    expect(await rowsOf(owner.userId)).toEqual([{ id }]);
    await waitFor(async () => (await temporalSchedulesOf(owner.userId)).includes(id), 10_000, 'the schedule listed');
  });

  const cases: { name: string; body: (own: { foreignThread: string }) => unknown; status: number; error: RegExp }[] = [
    {
      name: 'a cron expression that does not parse',
      body: () => ({ ...valid, cron: 'every morning' }),
      status: 400,
      error: /^cron: .*5-7 fields/,
    },
    {
      name: 'a cron field out of range',
      body: () => ({ ...valid, cron: '61 8 * * *' }),
      status: 400,
      error: /^cron: Minute is not in range/,
    },
    {
      name: 'a cron whose runs are closer than the minimum',
      body: () => ({ ...valid, cron: '@every 10s' }),
      status: 400,
      error: /^cron: runs 10 s apart; at least 60 s allowed \(LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS\)$/,
    },
    {
      name: 'an interval under the minimum',
      body: () => ({ agent: 'tester', message: 'often', intervalSeconds: 30 }),
      status: 400,
      error: /^intervalSeconds: must be at least 60 seconds \(LONGHAUL_SCHEDULE_MIN_INTERVAL_SECONDS\)$/,
    },
    {
      name: 'both a cron and an interval',
      body: () => ({ ...valid, intervalSeconds: 3600 }),
      status: 400,
      error: /give exactly one of cron and intervalSeconds/,
    },
    {
      name: 'neither a cron nor an interval',
      body: () => ({ agent: 'tester', message: 'when?' }),
      status: 400,
      error: /give exactly one of cron and intervalSeconds/,
    },
    {
      name: 'a time zone that does not exist',
      body: () => ({ ...valid, timezone: 'Mars/Olympus_Mons' }),
      status: 400,
      error: /^timezone: must be an IANA time zone name/,
    },
    {
      name: 'an unknown agent',
      body: () => ({ ...valid, agent: 'nobody' }),
      status: 400,
      error: /^unknown agent "nobody"/,
    },
    {
      name: 'an empty message',
      body: () => ({ ...valid, message: '   ' }),
      status: 400,
      error: /^message: message text is empty$/,
    },
    {
      name: 'another user’s thread',
      body: ({ foreignThread }) => ({ ...valid, threadId: foreignThread }),
      status: 404,
      error: /^thread not found$/,
    },
    {
      name: 'a thread that does not exist',
      body: () => ({ ...valid, threadId: `missing-${randomUUID()}` }),
      status: 404,
      error: /^thread not found$/,
    },
  ];

  for (const { name, body, status, error } of cases) {
    it(`refuses ${name} and creates nothing`, async () => {
      const stranger = await h.createUser();
      const foreignThread = `theirs-${randomUUID()}`;
      const made = await h.api('/v1/threads', {
        method: 'POST',
        key: stranger.apiKey,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: foreignThread }),
      });
      expect(made.status).toBe(201);
      const caller = await h.createUser();

      const response = await postSchedule(h, body({ foreignThread }), caller.apiKey);
      const answer = await readJson(response);
      // Were it made after all, it must not outlive the file in the shared namespace.
      if (response.status === 201) created.push(answer.id);
      expect(response.status, JSON.stringify(answer)).toBe(status);
      expect(answer.error.message).toMatch(error);

      expect(await rowsOf(caller.userId)).toEqual([]);
      // Visibility lags a deleted Schedule briefly; a leftover stays listed and fails here.
      await waitFor(async () => (await temporalSchedulesOf(caller.userId)).length === 0, 10_000, 'no schedule');
      const { schedules } = await readJson(await h.api('/v1/schedules', { key: caller.apiKey }));
      expect(schedules).toEqual([]);
    });
  }

  it('still creates a valid schedule on the caller’s own thread', async () => {
    const threadId = `own-${randomUUID()}`;
    await h.api('/v1/threads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: threadId }),
    });
    const schedule = await createSchedule(h, created, { ...valid, threadId, intervalSeconds: undefined });
    expect(schedule).toMatchObject({ threadId, cron: '0 8 * * *', timezone: 'UTC' });
  });
});

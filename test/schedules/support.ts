/** Calls and reads the schedule tests share: creating through the API, and what a schedule left behind. */
import { ScheduleNotFoundError } from '@temporalio/client';
import { expect } from 'vitest';
import { readJson } from '../support/chat-client.js';
import type { ScheduleView } from '../../src/api/schedule-service.js';
import type { Harness } from '../support/harness.js';

export type { ScheduleView };

export function postSchedule(h: Harness, body: unknown, key?: string): Promise<Response> {
  return h.api('/v1/schedules', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(key ? { key } : {}),
  });
}

/** Creates a schedule and registers it for `cleanup`, so no test leaves one firing in the shared namespace. */
export async function createSchedule(h: Harness, created: string[], body: unknown): Promise<ScheduleView> {
  const response = await postSchedule(h, body);
  const view = (await readJson(response)) as ScheduleView;
  if (view.id) created.push(view.id);
  expect(response.status, JSON.stringify(view)).toBe(201);
  return view;
}

export async function getSchedule(h: Harness, id: string, key?: string): Promise<ScheduleView> {
  const response = await h.api(`/v1/schedules/${id}`, key ? { key } : {});
  expect(response.status).toBe(200);
  return (await readJson(response)) as ScheduleView;
}

export async function scheduleAction(h: Harness, id: string, action: 'pause' | 'resume' | 'trigger', key?: string) {
  return h.api(`/v1/schedules/${id}/${action}`, { method: 'POST', ...(key ? { key } : {}) });
}

/** The thread's completions, oldest first. */
export async function completionsOf(h: Harness, threadId: string): Promise<{ id: string; status: string }[]> {
  const thread = await readJson(await h.api(`/v1/threads/${threadId}`));
  return thread.completions;
}

export async function assistantTexts(h: Harness, threadId: string): Promise<string[]> {
  const { messages } = await readJson(await h.api(`/v1/threads/${threadId}/messages`));
  return (messages as { role: string; parts: { type: string; text?: string }[] }[])
    .filter((message) => message.role === 'assistant')
    .map((message) =>
      message.parts
        .filter((part) => part.type === 'text')
        .map((part) => part.text)
        .join(''),
    );
}

export async function deleteInTemporal(h: Harness, ids: string[]): Promise<void> {
  await Promise.all(
    ids.map((id) =>
      h.temporal.schedule
        .getHandle(id)
        .delete()
        .catch((error: unknown) => {
          if (!(error instanceof ScheduleNotFoundError)) throw error;
        }),
    ),
  );
}

/** Whether Temporal still has the schedule. */
export async function existsInTemporal(h: Harness, id: string): Promise<boolean> {
  try {
    await h.temporal.schedule.getHandle(id).describe();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

/**
 * A completion's Temporal history: how many events and bytes it costs (the durability bill per completion),
 * and its event timeline, which shows where the time before the first token goes (task queue waits, workflow
 * tasks, activities). Event names come from the attribute field each event carries, so no proto enums.
 */
import type { Client } from '@temporalio/client';
import { completionWorkflowId } from '../src/workflows/definitions.js';

export interface TimelineEvent {
  name: string;
  /** Epoch ms, server clock (the same machine as the bench). */
  at: number;
}

export interface HistoryFigures {
  workflowId: string;
  status: string;
  events: number;
  /** As the server counts it (DescribeWorkflowExecution historySizeBytes). */
  bytes: number | undefined;
  timeline: TimelineEvent[];
}

interface RawEvent {
  eventId?: unknown;
  eventTime?: { seconds?: unknown; nanos?: number | null } | null;
  [field: string]: unknown;
}

function toMs(time: RawEvent['eventTime']): number {
  if (!time) return Number.NaN;
  return Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
}

function activityName(attributes: unknown): string | undefined {
  const type = (attributes as { activityType?: { name?: string } } | undefined)?.activityType;
  return type?.name ?? undefined;
}

function describeEvents(events: RawEvent[]): TimelineEvent[] {
  const activityBySchedule = new Map<string, string>();
  return events.map((event) => {
    const [field, attributes] = Object.entries(event).find(
      ([key, value]) => key.endsWith('EventAttributes') && value != null,
    ) ?? ['unknown', undefined];
    let name = field.replace(/EventAttributes$/, '');
    name = name.charAt(0).toUpperCase() + name.slice(1);
    const scheduled = activityName(attributes);
    if (scheduled) activityBySchedule.set(String(event.eventId), scheduled);
    const scheduledEventId = (attributes as { scheduledEventId?: unknown } | undefined)?.scheduledEventId;
    const activity =
      scheduled ?? (name.startsWith('ActivityTask') ? activityBySchedule.get(String(scheduledEventId)) : undefined);
    return { name: activity ? `${name} (${activity})` : name, at: toMs(event.eventTime) };
  });
}

/** Waits for the workflow to close (its last workflow task lands after the client saw `finish`), then reads it. */
export async function readHistory(temporal: Client, completionId: string): Promise<HistoryFigures> {
  const workflowId = completionWorkflowId(completionId);
  const handle = temporal.workflow.getHandle(workflowId);
  await Promise.race([handle.result().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 30_000))]);
  const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
  const events = (history.events ?? []) as RawEvent[];
  return {
    workflowId,
    status: description.status.name,
    events: events.length,
    bytes: description.historySize,
    timeline: describeEvents(events),
  };
}

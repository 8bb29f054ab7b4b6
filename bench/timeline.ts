/**
 * One plain Longhaul completion laid out in time from the client's request: the client's and model's marks
 * merged with the workflow's history events (same machine, same wall clock), median over the sampled
 * completions. It shows which step between "request sent" and "first token" costs what.
 */
import type { StreamResult } from './sse-client.js';
import { percentile, round } from './stats.js';
import type { HistoryFigures } from './workflow-history.js';

export interface TimelineRow {
  source: 'client' | 'model' | 'temporal';
  name: string;
  /** Median ms since the client sent the request. */
  p50: number;
  /** This row's median minus the previous row's. */
  step: number;
}

export function completionTimeline(results: StreamResult[], histories: Map<string, HistoryFigures>): TimelineRow[] {
  const paired = results.flatMap((r) => {
    const history = r.completionId ? histories.get(r.completionId) : undefined;
    return history ? [{ r, history }] : [];
  });
  const reference = paired[0]?.history.timeline.map((e) => e.name).join('|');
  // Aligning by event index is only meaningful between histories of the same shape.
  const same = paired.filter(({ history }) => history.timeline.map((e) => e.name).join('|') === reference);
  if (same.length === 0) return [];

  const marks: { source: TimelineRow['source']; name: string; pick: (r: StreamResult) => number | undefined }[] = [
    { source: 'client', name: 'response headers', pick: (r) => r.headersAt },
    { source: 'client', name: '`start` chunk', pick: (r) => r.startAt },
    { source: 'model', name: 'request received', pick: (r) => r.modelRequestAt },
    { source: 'model', name: 'first text chunk emitted', pick: (r) => r.firstEmitAt },
    { source: 'client', name: 'first text chunk', pick: (r) => r.firstDeltaAt },
    { source: 'client', name: '`finish` chunk', pick: (r) => r.finishAt },
  ];
  const median = (values: number[]) =>
    round(
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      ),
    );
  const rows: Omit<TimelineRow, 'step'>[] = marks.map(({ source, name, pick }) => ({
    source,
    name,
    p50: median(same.flatMap(({ r }) => (pick(r) === undefined ? [] : [pick(r)! - r.requestAt]))),
  }));
  // Workflow-task events repeat once per task: number them so rows stay distinct across concurrencies.
  const seen = new Map<string, number>();
  same[0]!.history.timeline.forEach((event, index) => {
    const occurrence = (seen.get(event.name) ?? 0) + 1;
    seen.set(event.name, occurrence);
    rows.push({
      source: 'temporal',
      name: occurrence > 1 ? `${event.name} #${occurrence}` : event.name,
      p50: median(same.map(({ r, history }) => history.timeline[index]!.at - r.requestAt)),
    });
  });
  rows.sort((a, b) => a.p50 - b.p50);
  return rows.map((row, i) => ({ ...row, step: round(row.p50 - (i > 0 ? rows[i - 1]!.p50 : 0)) }));
}

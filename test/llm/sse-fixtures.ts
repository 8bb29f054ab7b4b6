/** Reads recorded vendor SSE streams (test/fixtures, from vercel/ai test data and Anthropic's docs). */
import { readFileSync } from 'node:fs';

export interface SseEvent {
  event: string | null;
  data: string;
}

export function readFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

/** One entry per event; `data` lines are joined as the SSE spec says. */
export function parseSseEvents(text: string): SseEvent[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const event =
        lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim() ?? null;
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      return { event, data };
    });
}

/** Drains a provider stream for assertions, keeping what arrived before a failure. */
import type { ModelEvent } from '../../src/llm/types.js';

export interface Collected {
  events: ModelEvent[];
  error: unknown;
}

export async function collectEvents(
  stream: AsyncIterable<ModelEvent>,
  onEvent?: (event: ModelEvent) => void,
): Promise<Collected> {
  const events: ModelEvent[] = [];
  try {
    for await (const event of stream) {
      events.push(event);
      onEvent?.(event);
    }
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

/** A signal that never aborts, for calls a test lets run to their end. */
export const never = () => new AbortController().signal;

export function textOf(events: ModelEvent[]): string {
  return events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');
}

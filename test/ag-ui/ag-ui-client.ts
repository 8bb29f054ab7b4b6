/**
 * Drives /ag-ui with @ag-ui/client's own HttpAgent (the client CopilotKit builds on), and checks every event it
 * receives against @ag-ui/core's event schemas, unknown fields included.
 */
import {
  HttpAgent,
  runHttpRequest,
  transformHttpEventStream,
  type BaseEvent,
  type RunAgentInput,
  type RunAgentParameters,
} from '@ag-ui/client';
import { EventSchema } from '@ag-ui/core/schemas';
import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';

/**
 * HttpAgent leaves `connect` (what `connectAgent` calls to join a running run) to the application: this is the
 * README's subclass, joining through GET /ag-ui/:threadId/stream (204 when nothing runs).
 */
export class LonghaulAgent extends HttpAgent {
  protected override connect(input: RunAgentInput) {
    const url = `${this.url}/${encodeURIComponent(input.threadId)}/stream`;
    const init = { headers: { ...this.headers, accept: 'text/event-stream' }, signal: this.abortController.signal };
    return transformHttpEventStream(
      runHttpRequest(async () => {
        const response = await this.fetch(url, init);
        // 204: nothing runs, so there is nothing to join (an empty stream, not an error).
        return response.status === 204
          ? new Response('', { headers: { 'content-type': 'text/event-stream' } })
          : response;
      }),
    );
  }
}

export function agentFor(h: Harness, threadId: string, key = h.apiKey): LonghaulAgent {
  return new LonghaulAgent({ url: `${h.apiUrl}/ag-ui`, headers: { authorization: `Bearer ${key}` }, threadId });
}

/** Every field of an event must be one its schema names: the client strips (and warns about) any other. */
export function expectValidEvent(event: unknown): void {
  const parsed = EventSchema.safeParse(event);
  expect(parsed.success, `${JSON.stringify(event)}: ${parsed.error?.message}`).toBe(true);
  const type = (event as { type: string }).type;
  const schema = EventSchema.options.find((option) => option.shape.type.value === type)!;
  const unknown = Object.keys(event as object).filter((key) => !(key in schema.shape));
  expect(unknown, `unknown fields on ${type}`).toEqual([]);
}

export interface RunOutcome {
  events: BaseEvent[];
  error?: Error;
}

/**
 * One run through the agent (`connect`: join the running one), every event checked; a failed run is returned, not
 * thrown.
 */
export async function runAgent(
  agent: LonghaulAgent,
  parameters: RunAgentParameters = {},
  options: { connect?: boolean; onEvent?: (event: BaseEvent) => void } = {},
): Promise<RunOutcome> {
  const events: BaseEvent[] = [];
  const subscriber = {
    onEvent({ event }: { event: BaseEvent }) {
      expectValidEvent(event);
      events.push(event);
      options.onEvent?.(event);
    },
  };
  try {
    if (options.connect) await agent.connectAgent(parameters, subscriber);
    else await agent.runAgent(parameters, subscriber);
    return { events };
  } catch (error) {
    return { events, error: error as Error };
  }
}

export const ofType = <T extends BaseEvent>(events: BaseEvent[], type: string) =>
  events.filter((event) => event.type === type) as T[];

/** The text the agent's transcript holds for assistant messages, in order. */
export function assistantText(agent: HttpAgent): string {
  return agent.messages
    .filter((message) => message.role === 'assistant')
    .map((message) => (typeof message.content === 'string' ? message.content : ''))
    .join('');
}

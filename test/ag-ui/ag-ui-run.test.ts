/**
 * POST /ag-ui driven by @ag-ui/client's HttpAgent against the real stack: a turn's text and tool calls arrive as
 * AG-UI events, on the same thread and transcript /api/chat and /v1/threads serve.
 */
import { randomUUID } from 'node:crypto';
import {
  EventType,
  type BaseEvent,
  type RunAgentInput,
  type RunFinishedEvent,
  type RunStartedEvent,
} from '@ag-ui/client';
import { AGUI_MEDIA_TYPE } from '@ag-ui/encoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestTools } from '../support/test-tools.js';
import { agentFor, assistantText, LonghaulAgent, ofType, runAgent } from './ag-ui-client.js';

describe('POST /ag-ui', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  it('streams a text answer as one run, echoing the client’s run id, into the thread’s transcript', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['Hello ', 'from ', 'Longhaul'] });
    const threadId = `agui-${randomUUID()}`;
    const agent = agentFor(h, threadId);
    agent.addMessage({ id: 'u-1', role: 'user', content: 'hi' });
    const runId = `run-${randomUUID()}`;

    const { events, error } = await runAgent(agent, { runId });

    expect(error).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual([
      EventType.RUN_STARTED,
      EventType.STEP_STARTED,
      EventType.TEXT_MESSAGE_START,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_END,
      EventType.STEP_FINISHED,
      EventType.RUN_FINISHED,
    ]);
    const started = ofType<RunStartedEvent>(events, EventType.RUN_STARTED)[0]!;
    const finished = ofType<RunFinishedEvent>(events, EventType.RUN_FINISHED)[0]!;
    expect(started).toMatchObject({ threadId, runId, protocolVersion: '1.0' });
    expect(finished).toMatchObject({ threadId, runId, outcome: { type: 'success' } });
    expect(assistantText(agent)).toBe('Hello from Longhaul');

    const { messages } = await readJson(await h.api(`/v1/threads/${threadId}/messages`));
    expect(messages.map((message: { id: string; role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect(messages[0].id).toBe('u-1');
    const completionId = finished.metadata?.completionId as string;
    expect((await readJson(await h.api(`/v1/completions/${completionId}`))).status).toBe('completed');
  });

  it('takes only the last user message of the client’s copy: the server’s transcript is the truth', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['first'] }, { kind: 'text', chunks: ['second'] });
    const threadId = `agui-${randomUUID()}`;
    const agent = agentFor(h, threadId);
    agent.addMessage({ id: 'u-1', role: 'user', content: 'one' });
    expect((await runAgent(agent)).error).toBeUndefined();
    // A client-side edit of an earlier message changes nothing on the server.
    agent.setMessages([{ id: 'u-1', role: 'user', content: 'edited' }, ...agent.messages.slice(1)]);
    agent.addMessage({ id: 'u-2', role: 'user', content: [{ type: 'text', text: 'two' }] });
    expect((await runAgent(agent)).error).toBeUndefined();

    const { messages } = await readJson(await h.api(`/v1/threads/${threadId}/messages`));
    const userTexts = messages
      .filter((message: { role: string }) => message.role === 'user')
      .map((message: { parts: { text: string }[] }) => message.parts[0]!.text);
    expect(userTexts).toEqual(['one', 'two']);
    const lastRequest = h.model.requests.at(-1)!;
    expect(JSON.stringify(lastRequest.body)).not.toContain('edited');
  });

  it('streams a tool call’s arguments, its result and the answer after it, a message per step', async () => {
    h.model.enqueue(
      { kind: 'tool-calls', text: ['Let me echo. '], calls: [{ name: 'echo', argsChunks: ['{"text":', '"ping"}'] }] },
      { kind: 'text', chunks: ['It said ping.'] },
    );
    const agent = agentFor(h, `agui-${randomUUID()}`);
    agent.addMessage({ id: 'u-1', role: 'user', content: 'echo ping' });

    const { events, error } = await runAgent(agent, { forwardedProps: { tools: ['echo'] } });

    expect(error).toBeUndefined();
    const types = events.map((event) => event.type);
    expect(types.filter((type) => type.startsWith('TOOL_CALL'))).toEqual([
      EventType.TOOL_CALL_START,
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_END,
      EventType.TOOL_CALL_RESULT,
    ]);
    expect(ofType(events, EventType.STEP_STARTED).map((event: BaseEvent) => event.stepName)).toEqual([
      'step-0',
      'step-1',
    ]);
    const [assistant, tool, answer] = agent.messages.slice(1);
    expect(assistant).toMatchObject({
      role: 'assistant',
      content: 'Let me echo. ',
      toolCalls: [{ type: 'function', function: { name: 'echo', arguments: '{"text":"ping"}' } }],
    });
    expect(tool).toMatchObject({
      role: 'tool',
      toolCallId: assistant!.role === 'assistant' && assistant!.toolCalls![0]!.id,
    });
    expect(JSON.parse(tool!.content as string)).toEqual({ echoed: 'ping' });
    expect(answer).toMatchObject({ role: 'assistant', content: 'It said ping.' });
    expect(agent.messages).toHaveLength(4);
  });

  it('answers in AG-UI’s protobuf framing to a client whose Accept header asks for it', async () => {
    class ProtobufAgent extends LonghaulAgent {
      protected override requestInit(input: RunAgentInput): RequestInit {
        const init = super.requestInit(input);
        return { ...init, headers: { ...(init.headers as Record<string, string>), Accept: AGUI_MEDIA_TYPE } };
      }
    }
    h.model.enqueue({ kind: 'text', chunks: ['in ', 'binary'] });
    const agent = new ProtobufAgent({
      url: `${h.apiUrl}/ag-ui`,
      headers: { authorization: `Bearer ${h.apiKey}` },
      threadId: `agui-${randomUUID()}`,
    });
    agent.addMessage({ id: 'u-1', role: 'user', content: 'hi' });
    let contentType: string | null = null;
    agent.fetch = async (url, init) => {
      const response = await fetch(url, init);
      contentType = response.headers.get('content-type');
      return response;
    };

    const { events, error } = await runAgent(agent);

    expect(error).toBeUndefined();
    expect(contentType).toBe(AGUI_MEDIA_TYPE);
    expect(assistantText(agent)).toBe('in binary');
    expect(ofType<RunFinishedEvent>(events, EventType.RUN_FINISHED)[0]!.outcome).toEqual({ type: 'success' });
  });

  it('follows a research sub-agent with SUBAGENT events and its progress as an activity', async () => {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'research', argsChunks: ['{"question":"When is high tide?"}'] }] },
      { kind: 'text', chunks: ['At 06:12.'] },
      { kind: 'text', chunks: ['The sub-agent says 06:12.'] },
    );
    const agent = agentFor(h, `agui-${randomUUID()}`);
    agent.addMessage({ id: 'u-1', role: 'user', content: 'tides?' });

    const { events, error } = await runAgent(agent, { forwardedProps: { agent: 'researcher' } });

    expect(error).toBeUndefined();
    const [call] = ofType(events, EventType.TOOL_CALL_START);
    const subagentEvents = events.filter((event) => event.type.startsWith('SUBAGENT_'));
    expect(subagentEvents.map((event) => event.type)).toEqual([
      EventType.SUBAGENT_STARTED,
      EventType.SUBAGENT_FINISHED,
    ]);
    expect(subagentEvents[0]).toMatchObject({ name: 'researcher', parentToolCallId: call!.toolCallId });
    const activity = agent.messages.find((message) => message.role === 'activity');
    expect(activity).toMatchObject({ activityType: 'longhaul.subagent', content: { status: 'completed' } });
    expect(assistantText(agent)).toBe('The sub-agent says 06:12.');
  });
});

/**
 * The replay window: once a completion has finished, every Redis key of it expires after
 * LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS (1 s here), and a replay after that is rebuilt from Postgres. What the
 * real `ai` client assembles from that replay must be the message a live useChat viewer ended with (ai 7's
 * AbstractChat, approvals and resends included): text, tool calls (an invalid one too), a sub-agent's progress,
 * approvals (one approved, one denied with a reason), a retried step, Stop during a tool run and during an answer.
 * Running and awaiting-approval completions keep their keys.
 */
import { randomUUID } from 'node:crypto';
import { lastAssistantMessageIsCompleteWithApprovalResponses, type UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, readTurn, textOf } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { NodeChat, RecordingTransport } from '../support/node-chat.js';
import { createTestTools } from '../support/test-tools.js';
import { defineTool, type ToolDefinition } from '../../src/tools/tool-definition.js';
import { z } from 'zod';
import { waitFor } from '../support/wait-for.js';

const WINDOW_SECONDS = 1;

/** A tool that runs until it is stopped (or for the seconds it is asked to). */
const ponder = defineTool({
  name: 'ponder',
  description: 'Thinks for a while.',
  mode: 'inline',
  input: z.object({ seconds: z.number().int().min(1).max(60) }),
  async execute(input, context) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, input.seconds * 1000);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    context.signal.throwIfAborted();
    return { thought: 'done' };
  },
});
const FINISHED = ['completed', 'failed', 'cancelled'];

describe('the replay window of a finished completion', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      { LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS: String(WINDOW_SECONDS) },
      { tools: [...createTestTools().definitions, ponder as ToolDefinition] },
    );
  });
  afterAll(() => h?.close());

  function newChat(body: Record<string, unknown> = { tools: ['echo', 'transfer'] }) {
    const chatId = `chat-${randomUUID()}`;
    const transport = new RecordingTransport({
      api: `${h.apiUrl}/api/chat`,
      headers: { authorization: `Bearer ${h.apiKey}` },
      body,
    });
    const chat = new NodeChat<UIMessage>({
      id: chatId,
      transport,
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    return { chatId, chat };
  }

  async function latestCompletion(chatId: string): Promise<{ id: string; status: string }> {
    const { rows } = await h.pool.query(
      `SELECT c.id, c.status FROM completions c JOIN threads t ON t.id = c.thread_id
       WHERE t.client_id = $1 ORDER BY c.created_at DESC LIMIT 1`,
      [chatId],
    );
    return rows[0];
  }

  /** Every Redis key of the completion, with its TTL in seconds as Redis reports it. */
  async function keysOf(completionId: string): Promise<{ key: string; ttl: number }[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await h.redis.scan(cursor, 'MATCH', `lh:completion:${completionId}:*`, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    const ttls = await Promise.all(keys.map(async (key) => ({ key, ttl: await h.redis.ttl(key) })));
    // -2: the key expired between the scan and its TTL (the window is a second): it is gone, as it should be.
    return ttls.filter(({ ttl }) => ttl !== -2);
  }

  /**
   * Waits for the completion to finish, checks that each of its keys still there expires within the window and
   * that none is left after it, then replays it (from Postgres: nothing is left in Redis) with the ai 7 client.
   */
  async function replayAfterWindow(chatId: string): Promise<{ message: UIMessage; completionId: string }> {
    await waitFor(async () => FINISHED.includes((await latestCompletion(chatId)).status), 15_000, 'finished');
    const { id } = await latestCompletion(chatId);
    for (const { key, ttl } of await keysOf(id)) {
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(WINDOW_SECONDS);
    }
    await waitFor(async () => (await keysOf(id)).length === 0, 15_000, 'every key expired');
    const replay = await h.api(`/v1/completions/${id}/events`);
    expect(replay.status).toBe(200);
    return { message: (await readTurn(replay)).message, completionId: id };
  }

  it('text', async () => {
    h.model.enqueue({ kind: 'text', chunks: ['Hello ', 'there, ', 'friend.'] });
    const { chatId, chat } = newChat();
    await chat.sendMessage({ text: 'hi' });
    await chat.settled();
    const live = chat.messages.at(-1)!;
    expect(textOf(live)).toBe('Hello there, friend.');

    const { message } = await replayAfterWindow(chatId);
    expect(message).toEqual(live);
  });

  it('tool calls: one that runs and one whose arguments are refused', async () => {
    h.model.enqueue(
      {
        kind: 'tool-calls',
        text: ['Echoing. '],
        calls: [
          { name: 'echo', argsChunks: ['{"text":', '"a"}'] },
          { name: 'echo', argsChunks: ['{"text":""}'] },
        ],
      },
      { kind: 'text', chunks: ['Done.'] },
    );
    const { chatId, chat } = newChat();
    await chat.sendMessage({ text: 'echo a' });
    await chat.settled();
    const live = chat.messages.at(-1)!;
    expect(live.parts.filter((part) => part.type === 'tool-echo').map((part) => 'state' in part && part.state)).toEqual(
      ['output-available', 'output-error'],
    );

    const { message } = await replayAfterWindow(chatId);
    expect(message).toEqual(live);
  });

  it('a research sub-agent: its progress part, as it ended, after the call it answers', async () => {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'research', argsChunks: [JSON.stringify({ question: 'High tide?' })] }] },
      { kind: 'text', chunks: ['High tide ', 'is at 06:12.'] },
      { kind: 'text', chunks: ['The sub-agent says 06:12.'] },
    );
    const { chatId, chat } = newChat({ agent: 'researcher' });
    await chat.sendMessage({ text: 'tides?' });
    await chat.settled();
    const live = chat.messages.at(-1)!;
    expect(textOf(live)).toBe('The sub-agent says 06:12.');
    const call = live.parts.findIndex((part) => part.type === 'tool-research');
    expect(live.parts[call + 1]).toMatchObject({ type: 'data-subagent', data: { status: 'completed', steps: 1 } });

    const { message } = await replayAfterWindow(chatId);
    expect(message).toEqual(live);
    // The thread's messages hold it too, in the step that called the sub-agent.
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    const stored = (messages as UIMessage[]).flatMap((m) => m.parts).filter((part) => part.type === 'data-subagent');
    expect(stored).toEqual([live.parts[call + 1]]);
  });

  it('approvals: one approved, one denied with a reason; the waiting turn keeps its keys', async () => {
    h.model.enqueue(
      {
        kind: 'tool-calls',
        calls: [
          { name: 'transfer', argsChunks: ['{"amount":5}'] },
          { name: 'transfer', argsChunks: ['{"amount":7}'] },
        ],
      },
      { kind: 'text', chunks: ['One sent, ', 'one not.'] },
    );
    const { chatId, chat } = newChat();
    await chat.sendMessage({ text: 'pay twice' });
    await chat.settled();
    const waiting = await latestCompletion(chatId);
    expect(waiting.status).toBe('awaiting_approval');
    // Held for the approvals' expiry (7 days) on top of the stream TTL: nowhere near the replay window.
    const held = await keysOf(waiting.id);
    expect(held.map(({ key }) => key)).toContain(`lh:completion:${waiting.id}:log`);
    for (const { key, ttl } of held) expect(ttl, key).toBeGreaterThan(7 * 24 * 3600);

    const asked = chat.messages
      .at(-1)!
      .parts.flatMap((part) => ('approval' in part && part.approval ? [part.approval.id] : []));
    expect(asked).toHaveLength(2);
    await chat.addToolApprovalResponse({ id: asked[0]!, approved: true });
    await chat.addToolApprovalResponse({ id: asked[1]!, approved: false, reason: 'too much' });
    await chat.settled();
    const live = chat.messages.at(-1)!;
    expect(textOf(live)).toBe('One sent, one not.');

    const { message } = await replayAfterWindow(chatId);
    expect(message).toEqual(live);
  });

  it('a retried step', async () => {
    h.model.enqueue(
      { kind: 'error-mid-stream', chunks: ['Half'], errorType: 'server_error' },
      { kind: 'text', chunks: ['Whole.'] },
    );
    const { chatId, chat } = newChat();
    await chat.sendMessage({ text: 'try' });
    await chat.settled();
    const live = chat.messages.at(-1)!;
    expect(textOf(live)).toBe('Whole.');

    const { message } = await replayAfterWindow(chatId);
    expect(message).toEqual(live);
  });

  it('Stop while a tool runs: the call ends interrupted, live as rebuilt', async () => {
    h.model.enqueue({ kind: 'tool-calls', calls: [{ name: 'ponder', argsChunks: ['{"seconds":30}'] }] });
    const { chatId, chat } = newChat({ tools: ['ponder'] });
    const sending = chat.sendMessage({ text: 'think hard' });
    await waitFor(
      async () =>
        (
          await h.pool.query(
            `SELECT 1 FROM tool_executions WHERE tool_name = 'ponder' AND status = 'running' AND thread_id = (SELECT id FROM threads WHERE client_id = $1)`,
            [chatId],
          )
        ).rows.length === 1,
      15_000,
      'the tool running',
    );
    expect((await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(202);
    await sending;
    await chat.settled();
    const live = chat.messages.at(-1)!;
    expect(live.parts.find((part) => part.type === 'tool-ponder')).toMatchObject({
      state: 'output-error',
      errorText: expect.stringContaining('interrupted: the turn was stopped'),
    });
    const { message } = await replayAfterWindow(chatId);
    expect((await latestCompletion(chatId)).status).toBe('cancelled');
    expect(message).toEqual(live);
  });

  it('Stop; the running turn keeps its keys until then', async () => {
    h.model.enqueue({ kind: 'text', chunks: Array.from({ length: 60 }, (_, i) => `word${i} `), delayMs: 100 });
    const { chatId, chat } = newChat();
    const sending = chat.sendMessage({ text: 'talk' });
    await waitFor(
      async () => chat.messages.at(-1)?.role === 'assistant' && textOf(chat.messages.at(-1)!).includes('word2 '),
      15_000,
      'the answer streaming',
    );
    const running = await latestCompletion(chatId);
    expect(running.status).toBe('running');
    const kept = await keysOf(running.id);
    expect(kept.map(({ key }) => key)).toContain(`lh:completion:${running.id}:log`);
    for (const { key, ttl } of kept) expect(ttl, key).toBeGreaterThan(WINDOW_SECONDS);

    expect((await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(202);
    await sending;
    await chat.settled();
    const live = chat.messages.at(-1)!;
    expect(textOf(live)).toMatch(/^word0 word1 word2 /);

    const { message } = await replayAfterWindow(chatId);
    expect((await latestCompletion(chatId)).status).toBe('cancelled');
    expect(message).toEqual(live);
  });
});

/**
 * The exact bytes of every chunk kind Longhaul sends, per client version, pinned in test/fixtures/ui-stream/
 * (one `data:` frame per kind, ids that change from run to run replaced by placeholders). The frames are the
 * server's own: SSE responses decoded frame by frame, each chunk validated by that version's uiMessageChunkSchema,
 * and for ai 7 the whole answer assembled by its readUIMessageStream must equal the transcript.
 *
 * A change to a fixture is a change to what clients receive: review it as such (`vitest run -u` rewrites them).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Script } from '../../src/llm/scripted/script.js';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  postChat,
  readJson,
  readTurn,
  readValidatedChunks,
  userMessage,
  versionHeaders,
  type AiVersion,
} from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

const VERSIONS: AiVersion[] = [7, 6, 5];

/** One SSE frame as sent: its id line (if any) and its data payload. */
interface Frame {
  id: string | undefined;
  data: string;
}

/** Splits an SSE body into frames; comments (keep-alives) and the closing [DONE] are not chunks. */
function decodeSse(body: string): Frame[] {
  expect(body.endsWith('data: [DONE]\n\n'), 'the stream ends with [DONE]').toBe(true);
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':') && block !== 'data: [DONE]')
    .map((block) => {
      const lines = block.split('\n');
      const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
      const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
      expect(data, `one data line in ${JSON.stringify(block)}`).toHaveLength(1);
      return { id, data: data[0]! };
    });
}

describe('the bytes of every chunk kind, per client version', () => {
  let h: Harness;
  /** Per version: the first frame of each chunk kind, in the order kinds first appeared, ids replaced. */
  const kinds = new Map<AiVersion, Map<string, string>>(VERSIONS.map((version) => [version, new Map()]));

  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  /** Validates each frame with `version`'s schema and files the first of each kind under its placeholder form. */
  async function collect(version: AiVersion, body: string, placeholders: Record<string, string>) {
    const frames = decodeSse(body);
    // Throws at the first chunk this version's schema rejects.
    expect(await readValidatedChunks(new Response(body), version)).toHaveLength(frames.length);
    for (const frame of frames) {
      let shown = frame.data;
      for (const [value, name] of Object.entries(placeholders)) shown = shown.replaceAll(value, name);
      const chunk = JSON.parse(frame.data) as { type: string; data?: { state?: string; runStatus?: string } };
      // Status parts differ by their state: each state is a kind of its own here.
      const kind = [chunk.type, chunk.data?.state ?? chunk.data?.runStatus].join(' ');
      const seen = kinds.get(version)!;
      if (!seen.has(kind)) seen.set(kind, `data: ${shown}\n\n`);
    }
    return frames;
  }

  /** Runs a turn; returns its ids and the live response (unread). */
  async function post(version: AiVersion, scripts: Script[], body: Record<string, unknown> = {}) {
    h.model.enqueue(...scripts);
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(
      h,
      { id: chatId, trigger: 'submit-message', messages: [userMessage('go')], ...body },
      h.apiKey,
      versionHeaders(version),
    );
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    return { chatId, completionId, response };
  }

  async function placeholdersFor(chatId: string, completionId: string) {
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    return {
      [chatId]: '<threadId>',
      [completionId]: '<completionId>',
      // Tool call ids are made from the completion id (step-stream.ts's toolCallIdFor).
      [completionId.replace(/^cmp_/, '')]: '<completionKey>',
      ...(messages.length > 1 ? { [messages.at(-1).id]: '<messageId>' } : {}),
    };
  }

  /** What a finished completion's stream sends to each version (GET /v1/completions/:id/events). */
  async function replayForEveryVersion(chatId: string, completionId: string) {
    const placeholders = await placeholdersFor(chatId, completionId);
    for (const version of VERSIONS) {
      const response = await h.api(`/v1/completions/${completionId}/events?uiVersion=${version}`);
      const body = await response.text();
      await collect(version, body, placeholders);
      if (version === 7) {
        const { message } = await readTurn(new Response(body), 7);
        const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
        if (messages.length > 1) expect(message.parts).toEqual(messages.at(-1).parts);
      }
    }
  }

  it('a text answer, a tool call, an approval denied with a reason, a refusal and a Stop', async () => {
    const text = await post(7, [
      { kind: 'text', chunks: ['Hi ', 'there.'], usage: { inputTokens: 5, outputTokens: 2 } },
    ]);
    await text.response.text();
    await replayForEveryVersion(text.chatId, text.completionId);

    const tool = await post(
      7,
      [
        { kind: 'tool-calls', calls: [{ name: 'echo', argsChunks: ['{"text":', '"hi"}'] }] },
        { kind: 'tool-calls', calls: [{ name: 'explode', argsChunks: ['{}'] }] },
        { kind: 'text', chunks: ['Done.'], usage: { inputTokens: 9, outputTokens: 1 } },
      ],
      { tools: ['echo', 'explode'] },
    );
    await tool.response.text();
    await replayForEveryVersion(tool.chatId, tool.completionId);

    const asking = await post(
      7,
      [
        { kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: ['{"amount":3}'] }] },
        { kind: 'text', chunks: ['Not paid.'], usage: { inputTokens: 7, outputTokens: 2 } },
      ],
      { tools: ['transfer'] },
    );
    await asking.response.text();
    const { approvals } = await readJson(await h.api('/v1/approvals?status=pending'));
    const approval = approvals.find((a: { threadId: string }) => a.threadId === asking.chatId);
    const denied = await h.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'deny', argsDigest: approval.argsDigest, reason: 'not today' }),
    });
    expect(denied.status).toBe(200);
    await waitFor(
      async () => (await readJson(await h.api(`/v1/completions/${asking.completionId}`))).status === 'completed',
    );
    await replayForEveryVersion(asking.chatId, asking.completionId);

    const refused = await post(7, [{ kind: 'http-error', status: 401, message: 'bad key' }]);
    await refused.response.text();
    await replayForEveryVersion(refused.chatId, refused.completionId);

    const stopped = await post(7, [{ kind: 'text', chunks: Array.from({ length: 20 }, () => 'w '), delayMs: 100 }]);
    const reading = stopped.response.text();
    await waitFor(
      async () =>
        (await h.pool.query(`SELECT first_token_at FROM completions WHERE id = $1`, [stopped.completionId])).rows[0]
          .first_token_at !== null,
    );
    await h.api(`/api/chat/${stopped.chatId}/stop`, { method: 'POST' });
    await reading;
    await waitFor(
      async () => (await readJson(await h.api(`/v1/completions/${stopped.completionId}`))).status === 'cancelled',
    );
    await replayForEveryVersion(stopped.chatId, stopped.completionId);
  });

  it('a retried step, live (a replay no longer holds the failed attempt)', async () => {
    for (const version of VERSIONS) {
      const retried = await post(version, [
        { kind: 'error-mid-stream', chunks: ['Almost'], errorType: 'server_error' },
        { kind: 'text', chunks: ['Again.'], usage: { inputTokens: 3, outputTokens: 1 } },
      ]);
      const body = await retried.response.text();
      await collect(version, body, await placeholdersFor(retried.chatId, retried.completionId));
    }
  });

  it('a steering message (published by the running turn) as each version gets it', async () => {
    const turn = await post(7, [{ kind: 'text', chunks: ['Fine.'], usage: { inputTokens: 2, outputTokens: 1 } }]);
    await turn.response.text();
    // The steering feature publishes this chunk; here it is published by hand into the finished log.
    const publisher = createChunkPublisher(h.redis, { maxLen: 1_000, ttlSeconds: 60, replayWindowSeconds: 60 });
    await publisher.publish(turn.completionId, {
      type: 'steering-message',
      id: 'msg-steer',
      parts: [{ type: 'text', text: 'shorter, please' }],
    });
    const placeholders = await placeholdersFor(turn.chatId, turn.completionId);
    for (const version of VERSIONS) {
      const response = await h.api(`/v1/completions/${turn.completionId}/events?uiVersion=${version}`);
      await collect(version, await response.text(), placeholders);
    }
  });

  it('the model’s reasoning (an Anthropic thinking block) before its text', async () => {
    const thought = await post(
      7,
      [{ kind: 'text', reasoning: ['Thinking.'], chunks: ['Said.'], usage: { inputTokens: 2, outputTokens: 2 } }],
      { model: 'anthropic:claude-test' },
    );
    await thought.response.text();
    await replayForEveryVersion(thought.chatId, thought.completionId);
  });

  it.each(VERSIONS)('matches test/fixtures/ui-stream/v%i.sse', async (version) => {
    const frames = [...kinds.get(version)!.values()].join('');
    await expect(frames).toMatchFileSnapshot(`../fixtures/ui-stream/v${version}.sse`);
  });
});

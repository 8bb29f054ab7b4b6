import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutSupersededParts } from '../../src/client/without-superseded-parts.js';
import { startHarness, type Harness } from '../support/harness.js';
import type { UIMessage } from 'ai';
import {
  postChat,
  readJson,
  readTurn,
  textOf,
  userMessage,
  versionHeaders,
  type AiVersion,
} from '../support/chat-client.js';
import type { Script } from '../../src/llm/scripted/script.js';
import { streamKeys } from '../../src/stream/stream-keys.js';
import { createTestTools } from '../support/test-tools.js';

describe('provider failures: retried when they can pass, reported when they cannot (ai 7, and 6/5 for resets)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LONGHAUL_STALL_TIMEOUT_MS: '1000' }, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  /** One turn read by the real ai client; returns the message as an app renders it, plus the raw chunks. */
  async function turn(
    scripts: Script[],
    model = 'openai:gpt-test',
    version: AiVersion = 7,
    extra: Record<string, unknown> = {},
  ) {
    h.model.enqueue(...scripts);
    const chatId = `chat-${randomUUID()}`;
    const started = Date.now();
    const body = { id: chatId, trigger: 'submit-message', messages: [userMessage('go')], model, ...extra };
    const response = await postChat(h, body, h.apiKey, versionHeaders(version));
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const { message, chunks } = await readTurn(response, version);
    return { chatId, completionId, message, chunks, elapsedMs: Date.now() - started };
  }

  const persistedText = async (completionId: string) => {
    const { rows } = await h.pool.query(`SELECT parts FROM messages WHERE completion_id = $1`, [completionId]);
    return rows
      .flatMap((r) => r.parts)
      .filter((p: { type: string }) => p.type === 'text')
      .map((p: { text: string }) => p.text)
      .join('');
  };

  it('waits out a 429 for its retry-after, then answers', async () => {
    const result = await turn([
      { kind: 'http-error', status: 429, retryAfterSeconds: 1, message: 'Rate limit reached' },
      { kind: 'text', chunks: ['after ', 'the wait'] },
    ]);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1_000);
    expect(textOf(withoutSupersededParts(result.message))).toBe('after the wait');
    expect(await persistedText(result.completionId)).toBe('after the wait');
    const status = await readJson(await h.api(`/v1/completions/${result.completionId}`));
    expect(status.status).toBe('completed');
  });

  it('retries Anthropic overloaded (529)', async () => {
    const result = await turn(
      [
        { kind: 'http-error', status: 529 },
        { kind: 'text', chunks: ['calm ', 'again'] },
      ],
      'anthropic:claude-test',
    );
    expect(textOf(withoutSupersededParts(result.message))).toBe('calm again');
  });

  it('fails at once on 401 with a clear, safe error chunk', async () => {
    const before = h.model.requests.length;
    const result = await turn([
      { kind: 'http-error', status: 401, message: 'Incorrect API key provided: sk-abc123secret' },
    ]);
    expect(h.model.requests.length - before).toBe(1);
    const error = result.chunks.find((c) => c.type === 'error') as { errorText: string };
    expect(error.errorText).toContain('401');
    expect(error.errorText).not.toContain('sk-abc123secret');
    expect(error.errorText).not.toMatch(/\n\s+at /);
    const status = await readJson(await h.api(`/v1/completions/${result.completionId}`));
    expect(status).toMatchObject({ status: 'failed', error: { code: 'provider_rejected' } });
  });

  /** The assistant message as the transcript holds it (what a reload shows). */
  async function transcriptAnswer(chatId: string) {
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    return messages.at(-1) as UIMessage;
  }

  const stepStarts = (message: UIMessage) => message.parts.filter((part) => part.type === 'step-start').length;
  const deltas = (chunks: { type: string; delta?: string }[]) =>
    chunks.flatMap((c) => (c.type === 'text-delta' ? [c.delta] : [])).join('');

  for (const [name, failing] of [
    [
      'an error mid-stream',
      { kind: 'error-mid-stream', chunks: ['The answer is', ' forty'], errorType: 'server_error' },
    ],
    ['a stalled stream', { kind: 'hang', chunks: ['The answer is', ' forty'] }],
  ] as [string, Script][]) {
    it(`resets the step after ${name}: stock ai 7 shows the retried text once, as the transcript holds it`, async () => {
      const result = await turn([failing, { kind: 'text', chunks: ['The answer ', 'is 42.'] }]);
      const types = result.chunks.map((c) => c.type);
      expect(types).not.toContain('data-step-reset');
      // ai 7's reset-step keeps the step's step-start: the retried attempt's own start-step must not follow it.
      expect(types.filter((type) => type === 'reset-step' || type === 'start-step')).toEqual([
        'start-step',
        'reset-step',
      ]);
      expect(textOf(result.message)).toBe('The answer is 42.');
      expect(stepStarts(result.message)).toBe(1);
      const stored = await transcriptAnswer(result.chatId);
      expect(result.message.parts).toEqual(stored.parts);
      expect(await persistedText(result.completionId)).toBe('The answer is 42.');

      // A resume replays from the segment's `start`: it must survive the dropping of the failed attempt's chunks.
      const segment = await h.redis.get(streamKeys.segmentStart(result.completionId));
      const opening = await h.redis.xrange(streamKeys.log(result.completionId), `0-${segment}`, `0-${segment}`);
      expect(opening.map(([, fields]) => fields.slice(0, 2))).toEqual([['t', 'start']]);
      // The replay log lost the failed attempt: no reset there, which would remove the step before it.
      const replay = await readTurn(await h.api(`/v1/completions/${result.completionId}/events`));
      expect(replay.chunks.map((c) => c.type)).not.toContain('reset-step');
      expect(deltas(replay.chunks)).toBe('The answer is 42.');
      expect(replay.message.parts).toEqual(stored.parts);
      // Once the Redis log is gone the replay is rebuilt from Postgres: the same message again.
      await h.redis.del(streamKeys.log(result.completionId));
      const rebuilt = await readTurn(await h.api(`/v1/completions/${result.completionId}/events`));
      expect(rebuilt.message.parts).toEqual(stored.parts);
      const { rows } = await h.pool.query(
        `SELECT attempt, outcome, estimated FROM usage_events WHERE completion_id = $1 ORDER BY attempt`,
        [result.completionId],
      );
      expect(rows).toEqual([
        { attempt: 1, outcome: 'failed', estimated: true },
        { attempt: 2, outcome: 'completed', estimated: false },
      ]);
    });
  }

  for (const version of [7, 6] as const) {
    it(`ai ${version}: a retried second step leaves the first one alone, live and replayed`, async () => {
      const result = await turn(
        [
          { kind: 'tool-calls', text: ['Echo. '], calls: [{ name: 'echo', argsChunks: ['{"text":"a"}'] }] },
          { kind: 'error-mid-stream', chunks: ['Half'], errorType: 'server_error' },
          { kind: 'text', chunks: ['Whole.'] },
        ],
        'openai:gpt-test',
        version,
        { tools: ['echo'] },
      );
      const stored = await transcriptAnswer(result.chatId);
      expect(textOf(stored)).toBe('Echo. Whole.');
      // What the app renders: ai 7's message as is, ai 6's through the helper.
      const shown = (message: UIMessage) =>
        version === 7
          ? message.parts
          : withoutSupersededParts(message).parts.filter((part) => part.type !== 'data-step-reset');
      expect(shown(result.message)).toEqual(stored.parts);
      const replay = await readTurn(
        await h.api(`/v1/completions/${result.completionId}/events?uiVersion=${version}`),
        version,
      );
      expect(shown(replay.message)).toEqual(stored.parts);
    });
  }

  for (const version of [6, 5] as const) {
    it(`gives ai ${version} clients data-step-reset, which withoutSupersededParts applies`, async () => {
      const failing: Script = {
        kind: 'error-mid-stream',
        chunks: ['The answer is', ' forty'],
        errorType: 'server_error',
      };
      const result = await turn(
        [failing, { kind: 'text', chunks: ['The answer ', 'is 42.'] }],
        'openai:gpt-test',
        version,
      );
      const types = result.chunks.map((c) => c.type);
      expect(types).not.toContain('reset-step');
      const reset = result.chunks.find((c) => c.type === 'data-step-reset') as {
        data: { attempt: number; supersededIds: string[] };
      };
      expect(reset.data).toMatchObject({ attempt: 2, supersededIds: ['reasoning-0-1', 'text-0-1'] });
      expect(textOf(result.message)).toBe('The answer is fortyThe answer is 42.');
      const shown = withoutSupersededParts(result.message);
      expect(textOf(shown)).toBe('The answer is 42.');
      expect(shown.parts.filter((part) => part.type !== 'data-step-reset')).toEqual(
        (await transcriptAnswer(result.chatId)).parts,
      );

      const replay = await readTurn(
        await h.api(`/v1/completions/${result.completionId}/events?uiVersion=${version}`),
        version,
      );
      expect(replay.chunks.map((c) => c.type)).not.toContain('data-step-reset');
      expect(deltas(replay.chunks)).toBe('The answer is 42.');
    });
  }
});

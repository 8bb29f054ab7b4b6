/**
 * A steered answer as each `ai` version sees it after the fact: the transcript (GET /v1/threads/:id/messages in the
 * client's version) equals what that version's reader builds from the replayed stream, whether the replay comes
 * from the Redis log or, once that is gone, is rebuilt from Postgres; ai 5/6 get `data-steering` where ai 7 gets
 * `steering-message`, always right before the receiving step's `start-step`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UIMessageChunk } from 'ai';
import { createRedis } from '../../src/runtime/connections.js';
import { readJson, readTurn, type AiVersion } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { mark, slowWords, startTurn, steer, text } from './support.js';

type Message = { id: string; role: string; parts: { type: string }[] };

describe('a steered answer replayed and loaded by ai 7, 6 and 5', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({});
  });
  afterAll(() => h?.close());

  const VERSIONS: AiVersion[] = [7, 6, 5];

  async function steeredAnswer() {
    const said = mark('STEER');
    const { chatId, completionId, turn } = await startTurn(h, [
      { kind: 'text', chunks: slowWords(12), delayMs: 100 },
      { kind: 'text', chunks: ['Also that.'] },
    ]);
    expect((await steer(h, chatId, { id: 'steer-r', parts: text(said) })).status).toBe(202);
    await turn;
    await waitFor(
      async () =>
        (await h.pool.query(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0].status ===
        'completed',
    );
    return { said, chatId, completionId };
  }

  const transcriptAnswer = async (chatId: string, version: AiVersion, how: 'header' | 'query') => {
    const response =
      how === 'header'
        ? await h.api(`/v1/threads/${chatId}/messages`, { headers: { 'x-longhaul-ui-version': String(version) } })
        : await h.api(`/v1/threads/${chatId}/messages?uiVersion=${version}`);
    expect(response.status).toBe(200);
    const { messages } = await readJson(response);
    expect(messages.map((m: Message) => m.role)).toEqual(['user', 'assistant']);
    return messages[1] as Message;
  };

  const replay = async (completionId: string, version: AiVersion) =>
    readTurn(await h.api(`/v1/completions/${completionId}/events?uiVersion=${version}`), version);

  function expectSteeringBeforeSecondStep(chunks: UIMessageChunk[], version: AiVersion, said: string) {
    const types = chunks.map((chunk) => chunk.type);
    const steering = version === 7 ? 'steering-message' : 'data-steering';
    expect(types.filter((type) => type === steering)).toHaveLength(1);
    const at = types.indexOf(steering);
    expect(types.slice(at - 1, at + 2)).toEqual(['finish-step', steering, 'start-step']);
    expect(chunks[at]).toEqual(
      version === 7
        ? { type: 'steering-message', id: 'steer-r', parts: text(said) }
        : { type: 'data-steering', id: 'steering-steer-r', data: { id: 'steer-r', parts: text(said) } },
    );
  }

  it('the messages view speaks the client’s version and matches what its reader builds from the stream', async () => {
    const { said, chatId, completionId } = await steeredAnswer();
    for (const version of VERSIONS) {
      const stored = await transcriptAnswer(chatId, version, version === 6 ? 'query' : 'header');
      const steering =
        version === 7
          ? { type: 'steering-message', id: 'steer-r', parts: text(said) }
          : { type: 'data-steering', id: 'steering-steer-r', data: { id: 'steer-r', parts: text(said) } };
      expect(stored.parts.map((part) => part.type)).toEqual([
        'step-start',
        'text',
        steering.type,
        'step-start',
        'text',
      ]);
      expect(stored.parts[2]).toEqual(steering);

      const { message, chunks } = await replay(completionId, version);
      expectSteeringBeforeSecondStep(chunks, version, said);
      expect(message.parts).toEqual(stored.parts);
    }
    // Without a header the view follows the server's default (7 here), as the stream does.
    const { messages } = await readJson(await h.api(`/v1/threads/${chatId}/messages`));
    expect(messages[1].parts[2].type).toBe('steering-message');
  });

  it('a replay rebuilt from Postgres carries the steering message where the live stream did', async () => {
    const { said, chatId, completionId } = await steeredAnswer();
    const redis = createRedis(h.config.REDIS_URL, 'test-expire');
    await redis.del(`lh:completion:${completionId}:log`);
    await redis.quit();

    for (const version of VERSIONS) {
      const { message, chunks } = await replay(completionId, version);
      expectSteeringBeforeSecondStep(chunks, version, said);
      expect(chunks.at(-1)?.type).toBe('finish');
      expect(message.parts).toEqual((await transcriptAnswer(chatId, version, 'header')).parts);
    }
  });

  it('refuses a version it does not speak on the messages view', async () => {
    const { chatId } = await steeredAnswer();
    const response = await h.api(`/v1/threads/${chatId}/messages?uiVersion=4`);
    expect(response.status).toBe(400);
    expect((await readJson(response)).error.message).toContain('x-longhaul-ui-version');
  });
});

/**
 * Steering as ai 6 and ai 5 apps see it: they do not know ai 7's `steering-message`, so the same delivery reaches
 * them as a `data-steering` part, right before the receiving step's `start-step`, read by their own package.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Script } from '../../src/llm/scripted/script.js';
import { postChat, readTurn, userMessage, versionHeaders, type AiVersion } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestTools } from '../support/test-tools.js';
import { mark, slowWords, steer, text } from './support.js';

const SCENARIOS: { name: string; scripts: Script[]; tools?: string[]; partsBefore: string[] }[] = [
  {
    name: 'during a tool loop',
    scripts: [
      {
        kind: 'tool-calls',
        text: slowWords(12),
        calls: [{ name: 'echo', argsChunks: [JSON.stringify({ text: 'hi' })] }],
        delayMs: 100,
      },
      { kind: 'text', chunks: ['Noted.'] },
    ],
    tools: ['echo'],
    partsBefore: ['step-start', 'text', 'tool-echo'],
  },
  {
    name: 'during the final answer',
    scripts: [
      { kind: 'text', chunks: slowWords(12), delayMs: 100 },
      { kind: 'text', chunks: ['Also that.'] },
    ],
    partsBefore: ['step-start', 'text'],
  },
];

describe.each([6, 5] as AiVersion[])('steering read by ai %i', (version) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { tools: createTestTools().definitions });
  });
  afterAll(() => h?.close());

  it.each(SCENARIOS)('$name: a data-steering part before the step that read it', async (scenario) => {
    const said = mark(`V${version}`);
    const chatId = `chat-${randomUUID()}`;
    const before = h.model.requests.length;
    h.model.enqueue(...scenario.scripts);
    const response = await postChat(
      h,
      {
        id: chatId,
        trigger: 'submit-message',
        messages: [userMessage('start')],
        ...(scenario.tools ? { tools: scenario.tools } : {}),
      },
      h.apiKey,
      versionHeaders(version),
    );
    expect(response.status).toBe(200);
    const turn = readTurn(response, version);
    await h.model.waitForRequests(before + 1, 10_000);
    const steeringId = `steer-${randomUUID()}`;
    expect((await steer(h, chatId, { id: steeringId, parts: text(said) })).status).toBe(202);
    const { message, chunks } = await turn;

    const types = chunks.map((chunk) => chunk.type);
    expect(types).not.toContain('steering-message');
    const at = types.indexOf('data-steering');
    expect(types.filter((type) => type === 'data-steering')).toHaveLength(1);
    expect(chunks[at]).toEqual({
      type: 'data-steering',
      id: `steering-${steeringId}`,
      data: { id: steeringId, parts: text(said) },
    });
    expect(types[at + 1]).toBe('start-step');
    expect(message.parts.map((part) => part.type)).toEqual([
      ...scenario.partsBefore,
      'data-steering',
      'step-start',
      'text',
    ]);
  });
});

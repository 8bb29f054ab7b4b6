import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readValidatedChunks, userMessage } from '../support/chat-client.js';

/** `npm start`'s wiring: the API's Temporal client shares the worker's connection and asks for eager starts. */
describe('eager workflow start', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { eagerStart: true });
  });
  afterAll(() => h?.close());

  async function turn(text: string) {
    h.model.enqueue({ kind: 'text', chunks: text.split(/(?<= )/) });
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('hi')],
    });
    expect(response.status).toBe(200);
    const chunks = await readValidatedChunks(response);
    return chunks
      .filter((chunk) => chunk.type === 'text-delta')
      .map((chunk) => chunk.delta)
      .join('');
  }

  it('streams answers, and keeps doing so after the worker restarts on the shared connection', async () => {
    expect(await turn('eager hello there')).toBe('eager hello there');
    await h.stopWorker();
    await h.startWorker();
    expect(await turn('after a restart')).toBe('after a restart');
  });
});

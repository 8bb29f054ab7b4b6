import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, userMessage } from '../support/chat-client.js';

describe('completionWorkflow history', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  async function historyOf(tokenCount: number, marker: string) {
    h.model.enqueue({ kind: 'text', chunks: Array.from({ length: tokenCount }, (_, i) => `${marker}${i} `) });
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      trigger: 'submit-message',
      messages: [userMessage(`question-${marker}`)],
    });
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    await response.text();
    const handle = h.temporal.workflow.getHandle(`completion-${completionId}`);
    await handle.result();
    const history = await handle.fetchHistory();
    return { json: JSON.stringify(history), events: history.events ?? [], handle, chatId };
  }

  it('holds no token text, no prompt text, and does not grow with the answer', async () => {
    const short = await historyOf(3, 'zqshort');
    const long = await historyOf(400, 'zqlong');

    expect(short.json).not.toContain('zqshort');
    expect(long.json).not.toContain('zqlong');
    expect(long.json).not.toContain('question-zqlong');
    expect(long.events.length).toBe(short.events.length);
    expect(Math.abs(long.json.length - short.json.length)).toBeLessThan(2_000);
    expect(long.json.length).toBeLessThan(40_000);
  });

  it('is listed in Temporal with its search attributes and final status', async () => {
    const run = await historyOf(2, 'zqattrs');
    const description = await run.handle.describe();
    const attributes = Object.fromEntries(
      description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]),
    );
    expect(attributes).toMatchObject({
      LonghaulThreadId: run.chatId,
      LonghaulUserId: h.userId,
      LonghaulModel: 'openai:gpt-test',
      LonghaulStatus: 'completed',
    });
  });
});

import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRunTool } from '../../src/activities/run-tool.js';
import { createLogger } from '../../src/log.js';
import { toolsFromConfig } from '../../src/runtime/tools-from-config.js';
import { createChunkPublisher } from '../../src/stream/chunk-publisher.js';
import { streamKeys } from '../../src/stream/stream-keys.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { createTestTools } from '../support/test-tools.js';

let h: Harness;
const testTools = createTestTools();
beforeAll(async () => {
  h = await startHarness({}, { tools: testTools.definitions });
});
afterAll(() => h?.close());

it('publishes a stored tool result again when runTool is retried after storing it, without running the tool twice', async () => {
  h.model.enqueue(
    { kind: 'tool-calls', calls: [{ name: 'echo', argsChunks: ['{"text":"hi"}'] }] },
    { kind: 'text', chunks: ['Done.'] },
  );
  const response = await postChat(h, {
    id: `chat-${randomUUID()}`,
    trigger: 'submit-message',
    messages: [userMessage('echo hi')],
    tools: ['echo'],
  });
  const completionId = response.headers.get('x-longhaul-completion-id')!;
  await readValidatedChunks(response);
  const { rows } = await h.pool.query(`SELECT id FROM tool_executions WHERE completion_id = $1`, [completionId]);
  const toolCallId = rows[0].id as string;
  const outputsInLog = async () =>
    (await h.redis.xrange(streamKeys.log(completionId), '-', '+')).filter(
      ([, fields]) => fields[1] === 'tool-output-available' && fields[3]!.includes(toolCallId),
    ).length;
  expect(await outputsInLog()).toBe(1);
  const runsBefore = testTools.executions.get('echo');

  // The attempt before this one stored the result and died before publishing it (a worker crash in between).
  const runTool = createRunTool({
    pool: h.pool,
    publisher: createChunkPublisher(h.redis, { maxLen: 1000, ttlSeconds: 600, replayWindowSeconds: 600 }),
    tools: toolsFromConfig(h.config, testTools.definitions),
    log: createLogger('worker', 'warn'),
  });
  const retried = await new MockActivityEnvironment({ attempt: 2 }).run(runTool, {
    toolCallId,
    completionId,
    maxAttempts: 3,
    publishOutput: true,
  });

  expect(retried).toEqual({ kind: 'completed' });
  expect(testTools.executions.get('echo')).toBe(runsBefore);
  expect(await outputsInLog()).toBe(2);
});

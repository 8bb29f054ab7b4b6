import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';

const CONFIG = fileURLToPath(new URL('./fixtures/stdio/longhaul.config.ts', import.meta.url));

describe('an MCP server over stdio, declared in a project configuration', () => {
  let h: Harness;
  const callsFile = join(mkdtempSync(join(tmpdir(), 'longhaul-mcp-')), 'calls.jsonl');

  beforeAll(async () => {
    process.env.MCP_TEST_NOTES_KEY = 'notes-secret';
    process.env.MCP_TEST_CALLS_FILE = callsFile;
    h = await startHarness({}, { projectConfig: CONFIG });
  });
  afterAll(() => h?.close());

  it("starts the server, lists its tools and calls one in a turn, with the env's secret resolved", async () => {
    expect(h.mcp.status()).toMatchObject({ notes: { state: 'up', tools: 1 } });
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'notes__word_count', argsChunks: ['{"text":"three little words"}'] }] },
      { kind: 'text', chunks: ['Three.'] },
    );
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      agent: 'note-taker',
      trigger: 'submit-message',
      messages: [userMessage('count them')],
    });
    expect(response.status).toBe(200);
    const chunks = await readValidatedChunks(response);
    const input = chunks.find((c) => c.type === 'tool-input-available') as { toolCallId: string };
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({ output: { text: '3 words' } });

    const calls = readFileSync(callsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(calls).toEqual([
      { args: { text: 'three little words' }, toolCallId: input.toolCallId, key: 'notes-secret' },
    ]);
  });
});

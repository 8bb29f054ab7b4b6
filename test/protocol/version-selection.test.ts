/**
 * Which `ai` version a connection is spoken to in: its header (or `?uiVersion=`), else LONGHAUL_UI_VERSION, whose
 * default is 7 because stock useChat 7 sends no header. A deployment that keeps ai 6 apps sets it to 6.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { startHarness, type Harness } from '../support/harness.js';
import { postChat, readJson, readTurn, userMessage } from '../support/chat-client.js';

describe('LONGHAUL_UI_VERSION', () => {
  it('defaults to 7 and accepts 5, 6 and 7 only', () => {
    expect(parseConfig({}).LONGHAUL_UI_VERSION).toBe('7');
    for (const version of ['5', '6', '7'])
      expect(parseConfig({ LONGHAUL_UI_VERSION: version }).LONGHAUL_UI_VERSION).toBe(version);
    expect(() => parseConfig({ LONGHAUL_UI_VERSION: '8' })).toThrow(ConfigError);
  });
});

describe('the version a connection is spoken to in', () => {
  let h: Harness;
  beforeAll(async () => {
    // A deployment whose apps are still on ai 6.
    h = await startHarness({ LONGHAUL_UI_VERSION: '6' });
  });
  afterAll(() => h?.close());

  /** A turn whose first model call fails mid-stream: the retry shows which version the stream was made for. */
  async function retriedTurn(headers: Record<string, string>) {
    h.model.enqueue(
      { kind: 'error-mid-stream', chunks: ['Almost'], errorType: 'server_error' },
      { kind: 'text', chunks: ['Again.'] },
    );
    const body = { id: `chat-${randomUUID()}`, trigger: 'submit-message', messages: [userMessage('go')] };
    return postChat(h, body, h.apiKey, headers);
  }

  it('follows LONGHAUL_UI_VERSION when the client sends no header', async () => {
    const { chunks } = await readTurn(await retriedTurn({}), 6);
    expect(chunks.map((c) => c.type)).toContain('data-step-reset');
    expect(chunks.map((c) => c.type)).not.toContain('reset-step');
  });

  it('follows the header x-longhaul-ui-version: 7 over the server default', async () => {
    const { chunks } = await readTurn(await retriedTurn({ 'x-longhaul-ui-version': '7' }), 7);
    expect(chunks.map((c) => c.type)).toContain('reset-step');
    expect(chunks.map((c) => c.type)).not.toContain('data-step-reset');
  });

  it('refuses a version it does not speak, naming the header or the query parameter', async () => {
    const turn = await retriedTurn({});
    const completionId = turn.headers.get('x-longhaul-completion-id')!;
    await turn.text();
    for (const [path, headers] of [
      [`/v1/completions/${completionId}/events`, { 'x-longhaul-ui-version': '8' }],
      [`/v1/completions/${completionId}/events?uiVersion=4`, {}],
    ] as const) {
      const response = await h.api(path, { headers });
      expect(response.status).toBe(400);
      expect((await readJson(response)).error.message).toContain('x-longhaul-ui-version');
    }
  });
});

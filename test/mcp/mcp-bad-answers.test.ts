/**
 * What a server answers badly (broken JSON, a result of the wrong shape, more text than the cap, a tool it no
 * longer knows) becomes a result the model reads and a line in the audit ledger: never a dead stream, a crashed
 * worker, or a retry that runs the tool again.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_RESULT_MAX_CHARS } from '../../src/mcp/mcp-result.js';
import { postChat, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startCorruptingProxy, type CorruptingProxy } from './corrupting-proxy.js';
import { startTestMcpServer, type TestMcpServer } from './mcp-test-server.js';

describe('bad answers from an MCP server', () => {
  let h: Harness;
  let docs: TestMcpServer;
  let proxy: CorruptingProxy;

  beforeAll(async () => {
    docs = await startTestMcpServer();
    proxy = await startCorruptingProxy(docs.url);
    h = await startHarness(
      {},
      {
        mcpServers: [
          { name: 'docs', url: docs.url },
          { name: 'garbled', url: proxy.url },
        ],
      },
    );
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
    await docs?.close();
  });

  /** One call, then the model's text; the turn's chunks, its audit lines and what the model read back. */
  async function turnCalling(name: string, args: unknown) {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name, argsChunks: [JSON.stringify(args)] }] },
      { kind: 'text', chunks: ['Noted.'] },
    );
    const response = await postChat(h, {
      id: `chat-${randomUUID()}`,
      trigger: 'submit-message',
      messages: [userMessage('call it')],
    });
    expect(response.status).toBe(200);
    const completionId = response.headers.get('x-longhaul-completion-id')!;
    const chunks = await readValidatedChunks(response);
    const audit = await h.pool.query<{ type: string; data: Record<string, unknown> }>(
      `SELECT type, data FROM audit_events
        WHERE completion_id = $1 AND type IN ('tool_call_requested', 'tool_executed', 'tool_attempt_failed') ORDER BY created_at`,
      [completionId],
    );
    const body = h.model.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
    const read = body.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content) as unknown);
    const requested = audit.rows.filter((row) => row.type === 'tool_call_requested');
    return { chunks, requested, audit: audit.rows.filter((row) => row.type !== 'tool_call_requested'), read };
  }

  const callsOf = (tool: string) => docs.calls.filter((call) => call.tool === tool);

  it.each([
    ['broken-json', /JSON/],
    ['wrong-shape', /content/],
  ] as const)('turns a %s answer to tools/call into a failed result, calling the server once', async (query, why) => {
    const before = callsOf('search').length;
    const { chunks, audit, read } = await turnCalling('garbled__search', { query });

    expect(proxy.served.filter((served) => served === query)).toEqual([query]);
    expect(callsOf('search').length).toBe(before + 1);
    const error = chunks.find((c) => c.type === 'tool-output-error') as { errorText: string } | undefined;
    expect(error?.errorText).toMatch(/^failed: garbled__search failed: the server's answer is malformed: /);
    expect(error?.errorText).toMatch(why);
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(read).toEqual([{ kind: 'failed', message: error?.errorText.replace(/^failed: /, '') }]);
    expect(audit).toEqual([
      {
        type: 'tool_executed',
        data: expect.objectContaining({ toolName: 'garbled__search', outcome: 'failed', attempt: 1 }),
      },
    ]);
  });

  it('calls the server normally again after a malformed answer', async () => {
    const { chunks } = await turnCalling('garbled__search', { query: 'limits' });
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({
      output: { text: expect.stringContaining('found 2 pages about limits') },
    });
  });

  it('cuts a result over the cap and tells the model so', async () => {
    const chars = MCP_RESULT_MAX_CHARS + 10_000;
    const { chunks, audit, read } = await turnCalling('docs__dump', { chars });

    const output = chunks.find((c) => c.type === 'tool-output-available') as { output: { text: string } } | undefined;
    const note = `[truncated: the result had ${chars} characters; only the first ${MCP_RESULT_MAX_CHARS} are shown]`;
    expect(output?.output.text).toBe(`${'x'.repeat(MCP_RESULT_MAX_CHARS)}\n${note}`);
    expect(read).toEqual([{ kind: 'completed', output: { text: output?.output.text } }]);
    expect(audit).toEqual([
      { type: 'tool_executed', data: expect.objectContaining({ toolName: 'docs__dump', outcome: 'completed' }) },
    ]);
  });

  it('turns a tool the server no longer knows into a failed result, then drops it at the next listing', async () => {
    docs.removeTool('delete_page');
    const gone = await turnCalling('docs__delete_page', { page: 'old' });
    const error = gone.chunks.find((c) => c.type === 'tool-output-error') as { errorText: string } | undefined;
    expect(error?.errorText).toMatch(/^failed: docs__delete_page failed: .*delete_page not found/);
    expect(gone.chunks.at(-1)?.type).toBe('finish');
    expect(gone.read).toEqual([{ kind: 'failed', message: error?.errorText.replace(/^failed: /, '') }]);
    expect(gone.audit).toEqual([
      {
        type: 'tool_executed',
        data: expect.objectContaining({ toolName: 'docs__delete_page', outcome: 'failed', attempt: 1 }),
      },
    ]);
    expect(callsOf('delete_page')).toEqual([]);

    await h.mcp.refresh();
    const unlisted = await turnCalling('docs__delete_page', { page: 'old' });
    expect(unlisted.read).toEqual([{ kind: 'not_found_error', message: expect.stringContaining('docs__delete_page') }]);
    // Settled before anything runs: the request's own audit line says why.
    expect(unlisted.requested).toEqual([
      {
        type: 'tool_call_requested',
        data: expect.objectContaining({ toolName: 'docs__delete_page', status: 'not_found' }),
      },
    ]);
    expect(unlisted.audit).toEqual([]);
  });
});

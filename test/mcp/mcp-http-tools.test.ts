import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/agents/agent-definition.js';
import { completionWorkflowId } from '../../src/workflows/definitions.js';
import { postChat, readJson, readValidatedChunks, userMessage } from '../support/chat-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { findPendingApproval } from '../support/pending-approval.js';
import { decodeHistory, findMarkers } from '../support/decoded-history.js';
import { waitFor } from '../support/wait-for.js';
import { startTestMcpServer, type TestMcpServer } from './mcp-test-server.js';

// Unique, so finding it anywhere in history or the database can only mean the header leaked.
const TOKEN = `tok${randomUUID().replace(/-/g, '')}`;

const AGENT = defineAgent({
  name: 'mcp-user',
  version: '1',
  description: 'Uses MCP tools.',
  tools: ['docs__search', 'docs__locked', 'docs__slow', 'docs__delete_page', 'late__search', 'hasty__slow'],
  systemPrompt: () => 'You use the docs.',
});

describe('MCP tools over Streamable HTTP, run as durable steps', () => {
  let h: Harness;
  let docs: TestMcpServer;
  let late: TestMcpServer | undefined;
  let latePort: number;

  beforeAll(async () => {
    docs = await startTestMcpServer();
    // A port nothing listens on yet: the `late` server is down when Longhaul starts.
    const reserved = await startTestMcpServer();
    latePort = reserved.port;
    await reserved.close();
    h = await startHarness(
      {},
      {
        agents: [AGENT],
        mcpServers: [
          {
            name: 'docs',
            url: docs.url,
            headers: { authorization: `Bearer ${TOKEN}` },
            approval: ['delete_page'],
            timeoutMs: 30_000,
          },
          { name: 'late', url: `http://127.0.0.1:${latePort}/mcp` },
          // The same server with a short timeout: its `slow` tool is a server that hangs.
          { name: 'hasty', url: docs.url, timeoutMs: 300 },
        ],
      },
    );
  });
  afterAll(async () => {
    await h?.close();
    await docs?.close();
    await late?.close();
  });

  function enqueueCall(name: string, args: unknown, then?: string) {
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name, argsChunks: [JSON.stringify(args)] }] },
      ...(then === undefined ? [] : [{ kind: 'text' as const, chunks: [then] }]),
    );
  }

  async function startTurn() {
    const chatId = `chat-${randomUUID()}`;
    const response = await postChat(h, {
      id: chatId,
      agent: 'mcp-user',
      trigger: 'submit-message',
      messages: [userMessage('look it up')],
    });
    expect(response.status).toBe(200);
    return { chatId, completionId: response.headers.get('x-longhaul-completion-id')!, response };
  }

  const completionStatus = async (completionId: string) =>
    (await h.pool.query<{ status: string }>(`SELECT status FROM completions WHERE id = $1`, [completionId])).rows[0]
      ?.status;

  it("offers the server's tools with its JSON Schema and calls one in a turn, the call id in _meta", async () => {
    enqueueCall('docs__search', { query: 'limits' }, 'Three a day.');
    const { response } = await startTurn();
    const chunks = await readValidatedChunks(response);

    const input = chunks.find((c) => c.type === 'tool-input-available');
    const output = chunks.find((c) => c.type === 'tool-output-available');
    expect(output).toMatchObject({
      output: { text: 'found 2 pages about limits\nLimits: 3 per day.' },
    });
    expect(chunks.filter((c) => c.type === 'source-url' || c.type === 'source-document')).toMatchObject([
      { type: 'source-url', url: 'https://docs.example.com/start', title: 'Getting started' },
      { type: 'source-document', mediaType: 'text/markdown', title: 'limits.md', filename: 'limits.md' },
    ]);
    expect(chunks.at(-1)?.type).toBe('finish');

    const searches = docs.calls.filter((call) => call.tool === 'search');
    expect(searches).toEqual([
      { tool: 'search', args: { query: 'limits' }, toolCallId: (input as { toolCallId: string }).toolCallId },
    ]);
    expect(docs.authorizations).toContain(`Bearer ${TOKEN}`);

    const [first, second] = h.model.requests.slice(-2).map((r) => JSON.stringify(r.body));
    expect(first).toContain('"name":"docs__search"');
    expect(first).toContain('"query":{"type":"string","minLength":2}');
    expect(second).toContain('Limits: 3 per day.');
  });

  it('refuses arguments that fail the schema with a validation_error, without calling the server', async () => {
    const before = docs.calls.length;
    enqueueCall('docs__search', { query: 'x' }, 'Sorry.');
    const { response } = await startTurn();
    await readValidatedChunks(response);
    const body = h.model.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
    const read = body.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content) as unknown);
    expect(read).toEqual([{ kind: 'validation_error', message: expect.stringMatching(/^query: /) }]);
    expect(docs.calls.length).toBe(before);
  });

  it('turns isError into a failed result the model reads, without retrying', async () => {
    enqueueCall('docs__locked', {}, 'It is locked.');
    const { response } = await startTurn();
    const chunks = await readValidatedChunks(response);
    const error = chunks.find((c) => c.type === 'tool-output-error') as { errorText: string } | undefined;
    expect(error?.errorText).toBe('failed: docs__locked failed: the ledger is locked');
    expect(docs.calls.filter((call) => call.tool === 'locked')).toHaveLength(1);
    expect(JSON.stringify(h.model.requests.at(-1)?.body)).toContain('the ledger is locked');
  });

  it('turns a server that hangs past the timeout into a failed result and an audit line, without retrying', async () => {
    const before = docs.calls.filter((call) => call.tool === 'slow').length;
    enqueueCall('hasty__slow', {}, 'It timed out.');
    const { completionId, response } = await startTurn();
    const chunks = await readValidatedChunks(response);
    const error = chunks.find((c) => c.type === 'tool-output-error') as { errorText: string } | undefined;
    expect(error?.errorText).toMatch(/^failed: hasty__slow failed: .*timed out/i);
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(docs.calls.filter((call) => call.tool === 'slow').length).toBe(before + 1);
    const audit = await h.pool.query<{ data: { toolName: string; outcome: string; attempt: number } }>(
      `SELECT data FROM audit_events WHERE completion_id = $1 AND type = 'tool_executed'`,
      [completionId],
    );
    expect(audit.rows.map((row) => row.data)).toEqual([
      expect.objectContaining({ toolName: 'hasty__slow', outcome: 'failed', attempt: 1 }),
    ]);
  });

  it('aborts an in-flight call on Stop, and the server sees the cancellation', async () => {
    enqueueCall('docs__slow', {});
    const { chatId, completionId, response } = await startTurn();
    const reading = readValidatedChunks(response);
    const slowCalls = () => docs.calls.filter((call) => call.tool === 'slow');
    const before = slowCalls().length;
    await waitFor(async () => slowCalls().length > before, 20_000, 'the slow call');
    const { toolCallId } = slowCalls()[before]!;

    expect((await h.api(`/api/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => docs.aborted.includes(toolCallId), 20_000, 'the server seeing the abort');
    expect((await reading).at(-1)).toMatchObject({ type: 'abort' });
    await waitFor(async () => (await completionStatus(completionId)) === 'cancelled', 20_000, 'the Stop recorded');
  });

  it('holds a tool the approval policy names until a person approves, then calls it once', async () => {
    enqueueCall('docs__delete_page', { page: 'old' }, 'Deleted.');
    const { chatId, completionId, response } = await startTurn();
    const chunks = await readValidatedChunks(response);
    expect(chunks.map((c) => c.type)).toContain('tool-approval-request');
    expect(docs.calls.filter((call) => call.tool === 'delete_page')).toEqual([]);

    const approval = await findPendingApproval(h, chatId);
    expect(approval).toMatchObject({ toolName: 'docs__delete_page', args: { page: 'old' } });
    const decided = await h.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', argsDigest: approval.argsDigest }),
    });
    expect(await readJson(decided)).toMatchObject({ decision: 'approved' });
    await waitFor(async () => (await completionStatus(completionId)) === 'completed', 20_000, 'the turn completed');
    expect(docs.calls.filter((call) => call.tool === 'delete_page')).toEqual([
      { tool: 'delete_page', args: { page: 'old' }, toolCallId: approval.toolCallId },
    ]);

    // The server's bearer token is in none of the turn's workflow histories (the tool ran as a child) nor the database.
    const workflowIds = [completionWorkflowId(completionId)];
    for (const workflowId of workflowIds) {
      const history = await h.temporal.workflow.getHandle(workflowId).fetchHistory();
      expect(findMarkers(decodeHistory(history), [TOKEN])).toEqual([]);
      for (const event of history.events ?? []) {
        const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
        if (child) workflowIds.push(child);
      }
    }
    expect(workflowIds.length).toBeGreaterThan(1);
    const stored = await h.pool.query<{ text: string }>(
      `SELECT (SELECT coalesce(json_agg(a), '[]') FROM audit_events a WHERE completion_id = $1)::text ||
              (SELECT coalesce(json_agg(t), '[]') FROM tool_executions t WHERE completion_id = $1)::text AS text`,
      [completionId],
    );
    expect(stored.rows[0]?.text).toContain('docs__delete_page');
    expect(stored.rows[0]?.text).not.toContain(TOKEN);
  });

  it('runs an approval-gated call approved after a worker restart, with exactly one tools/call', async () => {
    enqueueCall('docs__delete_page', { page: 'after-restart' }, 'Deleted.');
    const { chatId, completionId, response } = await startTurn();
    expect((await readValidatedChunks(response)).map((c) => c.type)).toContain('tool-approval-request');
    await h.stopWorker();
    await h.startWorker();

    const approval = await findPendingApproval(h, chatId);
    const decided = await h.api(`/v1/approvals/${approval.toolCallId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', argsDigest: approval.argsDigest }),
    });
    expect(await readJson(decided)).toMatchObject({ decision: 'approved' });
    await waitFor(async () => (await completionStatus(completionId)) === 'completed', 30_000, 'the turn completed');
    expect(docs.calls.filter((call) => call.tool === 'delete_page' && call.toolCallId === approval.toolCallId)).toEqual(
      [{ tool: 'delete_page', args: { page: 'after-restart' }, toolCallId: approval.toolCallId }],
    );
  });

  it('leaves out the tools of a server that is down at start, and offers them once it answers', async () => {
    expect(h.mcp.status()).toMatchObject({ docs: { state: 'up', tools: 5 }, late: { state: 'down' } });
    enqueueCall('late__search', { query: 'limits' }, 'Not there.');
    const refused = await readValidatedChunks((await startTurn()).response);
    expect(refused.find((c) => c.type === 'tool-output-error')).toMatchObject({
      errorText: expect.stringMatching(/^not_found_error: no tool named "late__search"/),
    });

    late = await startTestMcpServer(latePort);
    await h.mcp.refresh();
    expect(h.mcp.status()).toMatchObject({ late: { state: 'up', tools: 5 } });
    enqueueCall('late__search', { query: 'limits' }, 'Found.');
    const chunks = await readValidatedChunks((await startTurn()).response);
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({
      output: { text: expect.stringContaining('found 2 pages about limits') },
    });
    expect(late.calls.map((call) => call.tool)).toEqual(['search']);
  });

  it('reconnects to a server that restarted mid-turn and calls the tool on a retry', async () => {
    const port = docs.port;
    await docs.close();
    docs = await startTestMcpServer(port);
    enqueueCall('docs__search', { query: 'restart' }, 'Found.');
    const chunks = await readValidatedChunks((await startTurn()).response);
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({
      output: { text: expect.stringContaining('found 2 pages about restart') },
    });
    expect(docs.calls.map((call) => call.tool)).toEqual(['search']);
  });
});

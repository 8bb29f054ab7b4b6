/**
 * A real MCP server for tests, built with the SDK's McpServer over Streamable HTTP on 127.0.0.1 (one session per
 * client, so a client's `notifications/cancelled` reaches the request it cancels). It records what it sees.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface SeenCall {
  tool: string;
  args: unknown;
  toolCallId: unknown;
}

export interface TestMcpServer {
  url: string;
  port: number;
  calls: SeenCall[];
  /** Tool call ids of calls the server saw aborted. */
  aborted: unknown[];
  /** Authorization headers the server received. */
  authorizations: (string | undefined)[];
  /** Forgets a tool in every session, open or to come, as a server redeployed without it would. */
  removeTool(name: string): void;
  close(): Promise<void>;
}

function buildServer(
  seen: Pick<TestMcpServer, 'calls' | 'aborted'>,
  removed: ReadonlySet<string>,
): { server: McpServer; tools: Map<string, RegisteredTool> } {
  const server = new McpServer({ name: 'test-docs', version: '1' });
  const tools = new Map<string, RegisteredTool>();
  const record = (tool: string, args: unknown, meta: Record<string, unknown> | undefined) =>
    seen.calls.push({ tool, args, toolCallId: meta?.['longhaul/toolCallId'] });

  tools.set(
    'search',
    server.registerTool(
      'search',
      { description: 'Searches the docs.', inputSchema: { query: z.string().min(2) } },
      async (args, extra) => {
        record('search', args, extra._meta);
        return {
          content: [
            { type: 'text', text: `found 2 pages about ${args.query}` },
            { type: 'resource_link', uri: 'https://docs.example.com/start', name: 'start', title: 'Getting started' },
            {
              type: 'resource',
              resource: { uri: 'file:///docs/limits.md', mimeType: 'text/markdown', text: 'Limits: 3 per day.' },
            },
          ],
        };
      },
    ),
  );
  tools.set(
    'locked',
    server.registerTool('locked', { description: 'Always fails.', inputSchema: {} }, async (args, extra) => {
      record('locked', args, extra._meta);
      return { isError: true, content: [{ type: 'text', text: 'the ledger is locked' }] };
    }),
  );
  tools.set(
    'slow',
    server.registerTool('slow', { description: 'Runs until cancelled.', inputSchema: {} }, async (args, extra) => {
      record('slow', args, extra._meta);
      await new Promise<void>((resolve) => {
        const done = () => {
          seen.aborted.push(extra._meta?.['longhaul/toolCallId']);
          resolve();
        };
        if (extra.signal.aborted) done();
        else extra.signal.addEventListener('abort', done, { once: true });
      });
      return { content: [{ type: 'text', text: 'finished' }] };
    }),
  );
  tools.set(
    'delete_page',
    server.registerTool(
      'delete_page',
      { description: 'Deletes a page.', inputSchema: { page: z.string() } },
      async (args, extra) => {
        record('delete_page', args, extra._meta);
        return { content: [{ type: 'text', text: `deleted ${args.page}` }] };
      },
    ),
  );
  tools.set(
    'dump',
    server.registerTool(
      'dump',
      { description: 'Answers with as many characters as asked.', inputSchema: { chars: z.number().int() } },
      async (args, extra) => {
        record('dump', args, extra._meta);
        return { content: [{ type: 'text', text: 'x'.repeat(args.chars) }] };
      },
    ),
  );
  for (const name of removed) tools.get(name)?.remove();
  return { server, tools };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

/** Starts the server on `port` (0: any free port). */
export async function startTestMcpServer(port = 0): Promise<TestMcpServer> {
  const seen = { calls: [] as SeenCall[], aborted: [] as unknown[], authorizations: [] as (string | undefined)[] };
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const built: ReturnType<typeof buildServer>[] = [];
  const removed = new Set<string>();
  const http: Server = createServer((req, res) => {
    void (async () => {
      seen.authorizations.push(req.headers.authorization);
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      const sessionId = req.headers['mcp-session-id'];
      let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (!transport && isInitializeRequest(body)) {
        const fresh = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void sessions.set(id, fresh),
        });
        const { server, tools } = buildServer(seen, removed);
        built.push({ server, tools });
        await server.connect(fresh);
        transport = fresh;
      }
      if (!transport) {
        res.writeHead(404).end();
        return;
      }
      await transport.handleRequest(req, res, body);
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const bound = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/mcp`,
    port: bound,
    ...seen,
    removeTool(name) {
      removed.add(name);
      for (const { tools } of built) tools.get(name)?.remove();
    },
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

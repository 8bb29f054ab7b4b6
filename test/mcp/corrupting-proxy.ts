/**
 * A proxy in front of a real MCP server over Streamable HTTP that passes everything through (initialize,
 * tools/list, notifications, the SSE stream) except the answer to a `tools/call` whose `query` argument names a
 * corruption: the call still reaches the server, and its answer is replaced by broken JSON or by a JSON-RPC
 * response whose result has the wrong shape.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export const CORRUPTIONS = {
  'broken-json': (id: unknown) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"te`,
  'wrong-shape': (id: unknown) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: 'not a list' } }),
} as const;

const corruptedCall = z.object({
  id: z.union([z.string(), z.number()]),
  method: z.literal('tools/call'),
  params: z.object({ arguments: z.object({ query: z.enum(Object.keys(CORRUPTIONS) as [keyof typeof CORRUPTIONS]) }) }),
});

export interface CorruptingProxy {
  url: string;
  /** The corruptions served, in order. */
  served: (keyof typeof CORRUPTIONS)[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startCorruptingProxy(target: string): Promise<CorruptingProxy> {
  const upstream = new URL(target);
  const served: CorruptingProxy['served'] = [];
  const http: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const parsed = body.length ? corruptedCall.safeParse(JSON.parse(body.toString('utf8'))) : undefined;
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: upstream.pathname,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          if (!parsed?.success) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          // The server has run the call; its answer is read to the end and replaced.
          answer.resume();
          answer.on('end', () => {
            const corruption = parsed.data.params.arguments.query;
            served.push(corruption);
            res.writeHead(200, { 'content-type': 'application/json' }).end(CORRUPTIONS[corruption](parsed.data.id));
          });
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}${upstream.pathname}`,
    served,
    async close() {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/**
 * A bench-only model server speaking OpenAI Chat Completions streaming (the shape of
 * src/llm/scripted/openai-wire.ts: role chunk, content chunks, finish chunk, usage chunk, `data: [DONE]`).
 * It exists because the scripted server plays static strings: here every content chunk is rendered at the
 * moment it is written, carrying that moment (see stream-shape.ts), so chunk latency is measured end to end.
 * Chunks are scheduled against the request's arrival (no drift); a late timer shows up as a late emit stamp,
 * never as a hidden delay.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody } from '../src/llm/scripted/read-body.js';
import { now } from './clock.js';
import { keepIdleConnections } from './keep-idle-connections.js';
import { parseModelName, stampedText, type StreamShape } from './stream-shape.js';

export interface StampedModelServer {
  /** What the openai SDK takes as `baseURL`. */
  baseURL: string;
  /** Text chunks written so far, over all requests. */
  readonly chunksSent: number;
  readonly requests: number;
  /** Streams whose client left before the end (cancels, disconnects). */
  readonly disconnects: number;
  close(): Promise<void>;
}

const FALLBACK_SHAPE: StreamShape = { chunks: 5, delayMs: 10, firstDelayMs: 0 };

function modelOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'model' in parsed && typeof parsed.model === 'string')
      return parsed.model;
  } catch {
    // An unreadable body gets the fallback answer; the bench never sends one.
  }
  return '';
}

export async function createStampedModelServer(): Promise<StampedModelServer> {
  let chunksSent = 0;
  let requests = 0;
  let disconnects = 0;
  const sockets = new Set<Socket>();

  function stream(res: ServerResponse, model: string, requestAt: number, index: number): void {
    const shape = parseModelName(model) ?? FALLBACK_SHAPE;
    const base = {
      id: `chatcmpl-bench-${index}`,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model,
      system_fingerprint: 'fp_bench',
    };
    const event = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      event({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], usage: null });

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    res.write(chunk({ role: 'assistant', content: '', refusal: null }));

    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    res.on('close', () => {
      clearTimeout(timer);
      if (!finished) disconnects += 1;
    });
    const next = () => {
      if (res.destroyed) return;
      if (sent < shape.chunks) {
        const emittedAt = now();
        res.write(chunk({ content: stampedText(sent, emittedAt, sent === 0 ? requestAt : undefined) }));
        sent += 1;
        chunksSent += 1;
        schedule();
        return;
      }
      finished = true;
      res.write(chunk({}, 'stop'));
      const usage = { prompt_tokens: 10, completion_tokens: shape.chunks, total_tokens: 10 + shape.chunks };
      res.write(event({ ...base, choices: [], usage }));
      res.end('data: [DONE]\n\n');
    };
    const schedule = () => {
      const due = sent >= shape.chunks ? now() : requestAt + shape.firstDelayMs + sent * shape.delayMs;
      timer = setTimeout(next, Math.max(0, due - now()));
    };
    schedule();
  }

  const server = createServer((req, res) => {
    const requestAt = now();
    const index = requests++;
    readBody(req).then(
      (body) => {
        if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: { message: `Unknown request URL: ${req.method} ${req.url}`, type: 'invalid_request_error' },
            }),
          );
          return;
        }
        stream(res, modelOf(body), requestAt, index);
      },
      () => res.destroy(),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  keepIdleConnections(server);
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get chunksSent() {
      return chunksSent;
    },
    get requests() {
      return requests;
    },
    get disconnects() {
      return disconnects;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

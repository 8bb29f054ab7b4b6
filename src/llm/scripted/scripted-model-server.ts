/**
 * A real HTTP server on 127.0.0.1 that speaks OpenAI's and Anthropic's wire protocols, so tests and the
 * key-less demo run the official SDKs (and our providers) unchanged: same paths, headers, SSE bytes and error
 * bodies. What it answers is scripted per request; what it received and who hung up is recorded. Anthropic's
 * token counting endpoint answers with the same count the message requests report as input usage.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { anthropicErrorResponse, anthropicModelList, toAnthropicWire } from './anthropic-wire.js';
import { openAIErrorResponse, openAIModelList, toOpenAIWire } from './openai-wire.js';
import { readBody } from './read-body.js';
import type { RecordedDisconnect, RecordedRequest, Vendor } from './recorded-request.js';
import type { Script } from './script.js';
import { toTokenCount, toWireContext } from './to-wire-context.js';
import { createWaitableList } from './waitable-list.js';
import type { WireResponse } from './wire-response.js';
import { writeWireResponse } from './write-wire-response.js';

export interface ScriptedModelServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Answers requests when the queue is empty; without it, a short fixed text. */
  defaultScript?: (request: RecordedRequest) => Script;
}

export interface ScriptedModelServer {
  /** `http://host:port`. */
  readonly url: string;
  /** `${url}/v1`: what the openai SDK takes as `baseURL`. */
  readonly openaiBaseURL: string;
  /** `url`: what the Anthropic SDK takes as `baseURL` (it appends `/v1/messages`). */
  readonly anthropicBaseURL: string;
  /** Every request received, in order, including ones that got errors; token counts are kept apart. */
  readonly requests: RecordedRequest[];
  /** Anthropic token counting requests (`POST /v1/messages/count_tokens`), so `requests` stays one per call. */
  readonly tokenCountRequests: RecordedRequest[];
  /** Every response the client abandoned before it ended. */
  readonly disconnects: RecordedDisconnect[];
  /** Scripts not yet taken by a request. */
  readonly queuedScripts: number;
  /** Queues scripts; each model request takes the next one (FIFO). */
  enqueue(...scripts: Script[]): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  waitForDisconnects(count: number, timeoutMs?: number): Promise<RecordedDisconnect[]>;
  /** Forgets queued scripts, requests and disconnects. Call it while no response is in flight. */
  reset(): void;
  /** Stops listening and destroys every open connection, hanging streams included. */
  close(): Promise<void>;
}

/** Advertised by `GET /v1/models`; requests may name any model. */
const SCRIPTED_MODELS = ['longhaul-scripted'];
const DEFAULT_WAIT_MS = 5_000;
const COUNT_TOKENS_PATH = '/v1/messages/count_tokens';
const FALLBACK_SCRIPT: Script = { kind: 'text', chunks: ['Hello', ' from', ' the', ' scripted', ' model', '.'] };

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text === '') return { ok: true, value: undefined };
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}

function vendorOf(req: IncomingMessage, path: string): Vendor {
  return path.startsWith('/v1/messages') || req.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

function errorFor(vendor: Vendor, status: number, message: string, requestIndex: number): WireResponse {
  const script = { kind: 'http-error', status, message } as const;
  return vendor === 'openai' ? openAIErrorResponse(script, requestIndex) : anthropicErrorResponse(script, requestIndex);
}

/** Starts the server; resolves once it is listening. */
export async function createScriptedModelServer(
  options: ScriptedModelServerOptions = {},
): Promise<ScriptedModelServer> {
  const host = options.host ?? '127.0.0.1';
  const queue: Script[] = [];
  const requests = createWaitableList<RecordedRequest>('requests');
  const tokenCountRequests: RecordedRequest[] = [];
  const disconnects = createWaitableList<RecordedDisconnect>('disconnects');
  let closing = false;

  function plan(request: RecordedRequest): WireResponse {
    const isModelCall =
      request.method === 'POST' &&
      ((request.vendor === 'openai' && request.path === '/v1/chat/completions') ||
        (request.vendor === 'anthropic' && request.path === '/v1/messages'));
    if (request.method === 'GET' && request.path === '/v1/models') {
      return request.vendor === 'openai' ? openAIModelList(SCRIPTED_MODELS) : anthropicModelList(SCRIPTED_MODELS);
    }
    if (!isModelCall)
      return errorFor(request.vendor, 404, `Unknown request URL: ${request.method} ${request.path}`, request.index);
    const parsed = toWireContext(request.vendor, request.body, request.index);
    // An invalid request never reaches "the model", so it leaves the script queue alone.
    if (!parsed.ok) return errorFor(request.vendor, 400, parsed.message, request.index);
    const script = queue.shift() ?? options.defaultScript?.(request) ?? FALLBACK_SCRIPT;
    return request.vendor === 'openai' ? toOpenAIWire(script, parsed.context) : toAnthropicWire(script, parsed.context);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://scripted').pathname;
    const vendor = vendorOf(req, path);
    const body = parseJson(await readBody(req));
    if (req.method === 'POST' && path === COUNT_TOKENS_PATH) {
      const index = tokenCountRequests.length;
      const value = body.ok ? body.value : undefined;
      tokenCountRequests.push({
        index,
        vendor,
        method: 'POST',
        path,
        headers: req.headers,
        body: value,
        receivedAt: Date.now(),
      });
      const counted = body.ok
        ? toTokenCount(value)
        : { ok: false as const, message: 'The request body is not valid JSON.' };
      const wire: WireResponse = counted.ok
        ? { kind: 'json', status: 200, headers: {}, body: { input_tokens: counted.inputTokens } }
        : errorFor('anthropic', 400, counted.message, index);
      await writeWireResponse(res, wire, new AbortController().signal);
      return;
    }
    const index = requests.items.length;
    const request: RecordedRequest = {
      index,
      vendor,
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: body.ok ? body.value : undefined,
      receivedAt: Date.now(),
    };
    requests.push(request);

    const connection = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded && !closing) disconnects.push({ requestIndex: index, at: Date.now() });
      connection.abort();
    });
    const wire = body.ok ? plan(request) : errorFor(vendor, 400, 'The request body is not valid JSON.', index);
    await writeWireResponse(res, wire, connection.signal);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in a script or in this server must show up in the test, not as a silent hang.
      console.error('scripted model server failed to answer', err);
      if (res.headersSent) res.destroy();
      else
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"scripted server error"}}');
    });
  });
  // Events must leave as soon as they are written, like a vendor's streaming edge.
  server.on('connection', (socket) => socket.setNoDelay(true));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('scripted model server has no TCP address');
  const { port } = address;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    requests: requests.items,
    tokenCountRequests,
    disconnects: disconnects.items,
    get queuedScripts() {
      return queue.length;
    },
    enqueue: (...scripts) => void queue.push(...scripts),
    waitForRequests: (count, timeoutMs = DEFAULT_WAIT_MS) => requests.waitFor(count, timeoutMs),
    waitForDisconnects: (count, timeoutMs = DEFAULT_WAIT_MS) => disconnects.waitFor(count, timeoutMs),
    reset() {
      queue.length = 0;
      requests.clear();
      tokenCountRequests.length = 0;
      disconnects.clear();
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        requests.cancelAll('server closed');
        disconnects.cancelAll('server closed');
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

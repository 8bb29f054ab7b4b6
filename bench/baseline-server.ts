/**
 * The direct path Longhaul is measured against: "call the SDK in the route handler". One Koa route streams the
 * model through the same provider code (createOpenAIProvider, the official openai SDK) and writes the same UI
 * message stream with the same SSE framing (src/stream/sse.ts, src/api/sse-writer.ts) — and nothing else: no
 * Temporal, no Redis, no Postgres, no auth. A cancel route aborts the in-flight SDK call, so "cancel → abort"
 * has a baseline too. It runs in a child process of its own (system-process.ts), like Longhaul.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import { Router } from '@koa/router';
import { openSse } from '../src/api/sse-writer.js';
import { createOpenAIProvider } from '../src/llm/openai-provider.js';
import type { Usage } from '../src/llm/types.js';
import { formatSseData, SSE_DONE } from '../src/stream/sse.js';
import type { UIMessageChunk } from '../src/stream/ui-chunks.js';
import { readJsonBody } from '../src/api/middleware/json-body.js';
import { keepIdleConnections } from './keep-idle-connections.js';

export interface BaselineServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  messages?: { parts?: { type?: string; text?: string }[] }[];
}

function lastUserText(body: ChatBody): string {
  const parts = body.messages?.at(-1)?.parts ?? [];
  return parts.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');
}

export async function startBaselineServer(modelBaseURL: string): Promise<BaselineServer> {
  const provider = createOpenAIProvider({ apiKey: 'bench', baseURL: modelBaseURL });
  const running = new Map<string, AbortController>();
  const router = new Router();

  router.post('/api/chat', async (ctx) => {
    const body = (await readJsonBody(ctx, 1_000_000)) as ChatBody;
    const model = (body.model ?? 'openai:bench').replace(/^openai:/, '');
    const completionId = `base_${randomUUID()}`;
    const controller = new AbortController();
    running.set(completionId, controller);
    ctx.set('x-longhaul-completion-id', completionId);
    const sse = openSse(ctx);
    void sse.closed.then(() => controller.abort());
    let seq = 0;
    const write = (chunk: UIMessageChunk) => sse.write(formatSseData(JSON.stringify(chunk), ++seq));
    const textId = 'text-0-1';
    let textOpen = false;
    let usage: Usage | undefined;
    try {
      await write({ type: 'start', messageId: `msg_${completionId}` });
      await write({ type: 'start-step' });
      const events = provider.stream(
        { model, messages: [{ role: 'user', content: lastUserText(body) }], maxOutputTokens: 4096 },
        controller.signal,
      );
      for await (const event of events) {
        if (event.type === 'text-delta') {
          if (!textOpen) await write({ type: 'text-start', id: textId });
          textOpen = true;
          await write({ type: 'text-delta', id: textId, delta: event.delta });
        } else if (event.type === 'usage') {
          usage = event.usage;
        }
      }
      if (textOpen) await write({ type: 'text-end', id: textId });
      await write({ type: 'finish-step' });
      await write({ type: 'finish', messageMetadata: { completionId, finishReason: 'stop', usage: usage ?? null } });
    } catch (error) {
      if (controller.signal.aborted) await write({ type: 'abort', reason: 'cancelled' });
      else await write({ type: 'error', errorText: (error as Error).message });
    } finally {
      running.delete(completionId);
      await sse.write(SSE_DONE);
      sse.end();
    }
  });

  router.post('/v1/completions/:id/cancel', (ctx) => {
    const controller = running.get(ctx.params.id ?? '');
    if (!controller) {
      ctx.status = 404;
      return;
    }
    controller.abort();
    ctx.status = 202;
    ctx.body = { cancelled: true };
  });

  const app = new Koa();
  app.use(router.routes());
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  keepIdleConnections(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    close: () =>
      new Promise((resolve) => {
        for (const controller of running.values()) controller.abort();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

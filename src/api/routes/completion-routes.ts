/** REST for completions: start one (202 + stream URLs), read status/usage/timing, and its SSE event log. */
import { Router } from '@koa/router';
import { createCompletionsRepo } from '../../db/completions-repo.js';
import { newId } from '../../db/ids.js';
import type { AppDeps } from '../app-deps.js';
import { notFound } from '../app-error.js';
import { clientVersionOf } from '../client-version.js';
import { createCompletionStream } from '../completion-stream.js';
import { readJsonBody } from '../middleware/json-body.js';
import { parseInput } from '../parse-input.js';
import { activeQuerySchema, createCompletionSchema, idSchema, lastEventIdSchema } from '../schemas.js';
import { toCompletionView } from '../views.js';

export function completionRoutes(deps: AppDeps): Router {
  const router = new Router({ prefix: '/v1/completions' });
  const completions = createCompletionsRepo(deps.pool);
  const { streamCompletion } = createCompletionStream(deps);

  async function ownCompletion(id: unknown, userId: string) {
    const completion = await completions.getForUser(parseInput(idSchema, id, 'completionId'), userId);
    if (!completion) throw notFound('completion');
    return completion;
  }

  router.post('/', async (ctx) => {
    const body = parseInput(createCompletionSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    const prepared = await deps.starter.prepare({
      userId: ctx.state.user.id,
      threadId: body.threadId ?? newId('thr'),
      createThread: body.threadId === undefined,
      userMessage: { uiMessageId: newId('msg'), parts: [{ type: 'text', text: body.message }] },
      choices: { ...(body.agent ? { agent: body.agent } : {}), ...(body.model ? { model: body.model } : {}), ...(body.tools ? { tools: body.tools } : {}) },
    });
    await prepared.launch();
    const { completionId, threadId } = prepared.turn;
    ctx.status = 202;
    ctx.body = {
      ...prepared.turn,
      eventsUrl: `/v1/completions/${completionId}/events`,
      streamUrl: `/api/chat/${threadId}/stream`,
    };
  });

  /** The caller's live work: what a sidebar shows. */
  router.get('/', async (ctx) => {
    const query = parseInput(activeQuerySchema, ctx.query, 'query');
    const statuses = query.status ? [query.status] : (['queued', 'running', 'awaiting_approval'] as const);
    ctx.body = { completions: await completions.listActive(ctx.state.user.id, statuses) };
  });

  router.get('/:id', async (ctx) => {
    ctx.body = toCompletionView(await ownCompletion(ctx.params.id, ctx.state.user.id));
  });

  router.post('/:id/cancel', async (ctx) => {
    const outcome = await deps.canceller.cancel(await ownCompletion(ctx.params.id, ctx.state.user.id), ctx.state.user.id);
    ctx.status = outcome.status === 'cancelled' ? 200 : 202;
    ctx.body = outcome;
  });

  router.get('/:id/events', async (ctx) => {
    const completion = await ownCompletion(ctx.params.id, ctx.state.user.id);
    const afterSeq = parseInput(
      lastEventIdSchema,
      ctx.get('last-event-id') || ctx.query.lastEventId || undefined,
      'Last-Event-ID',
    );
    await streamCompletion(ctx, completion, afterSeq, clientVersionOf(ctx, deps.defaultClientVersion), 'completion');
  });

  return router;
}

/** REST for completions: start one (202 + stream URLs), read status/usage/timing, and its SSE event log. */
import { Router } from '@koa/router';
import type { AppDeps } from '../app-deps.js';
import { clientVersionOf } from '../client-version.js';
import { createCompletionStream } from '../completion-stream.js';
import { readJsonBody } from '../middleware/json-body.js';
import { holdStreamSlot } from '../middleware/stream-slot.js';
import { parseInput } from '../parse-input.js';
import { activeQuerySchema, idSchema, lastEventIdSchema, messageSchemas } from '../schemas.js';
import { toCompletionView } from '../views.js';

export function completionRoutes(deps: AppDeps): Router {
  const router = new Router({ prefix: '/v1/completions' });
  const { completions } = deps;
  const { streamCompletion } = createCompletionStream(deps);
  const { createCompletionSchema } = messageSchemas(deps.maxMessageChars);
  const ownCompletion = (id: unknown, userId: string) =>
    completions.getOwn(parseInput(idSchema, id, 'completionId'), userId);

  router.post('/', async (ctx) => {
    const body = parseInput(createCompletionSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    const prepared = await deps.starter.prepare(
      completions.toStartRequest(ctx.state.user.id, {
        ...(body.threadId ? { threadId: body.threadId } : {}),
        message: body.message,
        choices: {
          ...(body.agent ? { agent: body.agent } : {}),
          ...(body.model ? { model: body.model } : {}),
          ...(body.tools ? { tools: body.tools } : {}),
        },
      }),
    );
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
    ctx.body = { completions: await completions.listActive(ctx.state.user.id, query.status) };
  });

  router.get('/:id', async (ctx) => {
    const completion = await ownCompletion(ctx.params.id, ctx.state.user.id);
    ctx.body = toCompletionView(completion, completion.clientThreadId);
  });

  router.post('/:id/cancel', async (ctx) => {
    const outcome = await deps.canceller.cancel(
      await ownCompletion(ctx.params.id, ctx.state.user.id),
      ctx.state.user.id,
    );
    ctx.status = outcome.status === 'cancelled' ? 200 : 202;
    ctx.body = outcome;
  });

  router.get('/:id/events', holdStreamSlot(deps.limits.streams), async (ctx) => {
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

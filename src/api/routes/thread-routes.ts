/** REST for threads: create, list, get (with completions), delete, and the transcript as UI messages. */
import { Router } from '@koa/router';
import type { AppDeps } from '../app-deps.js';
import { clientVersionOf } from '../client-version.js';
import { readJsonBody } from '../middleware/json-body.js';
import { parseInput } from '../parse-input.js';
import { createThreadSchema, idSchema, listQuerySchema, updateThreadSchema } from '../schemas.js';
import { toCompletionView, toThreadView } from '../views.js';

export function threadRoutes(deps: AppDeps): Router {
  const router = new Router({ prefix: '/v1/threads' });
  const { threads } = deps;
  const ownThread = (id: unknown, userId: string) => threads.getOwn(parseInput(idSchema, id, 'threadId'), userId);

  router.post('/', async (ctx) => {
    const body = parseInput(createThreadSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    ctx.body = toThreadView(await threads.create(ctx.state.user.id, body));
    ctx.status = 201;
  });

  router.get('/', async (ctx) => {
    const query = parseInput(listQuerySchema, ctx.query, 'query');
    ctx.body = { threads: (await threads.list(ctx.state.user.id, query.limit, query.before)).map(toThreadView) };
  });

  router.get('/:id', async (ctx) => {
    const thread = await ownThread(ctx.params.id, ctx.state.user.id);
    const rows = await threads.completions(thread);
    ctx.body = { ...toThreadView(thread), completions: rows.map((row) => toCompletionView(row, thread.clientId)) };
  });

  router.patch('/:id', async (ctx) => {
    const thread = await ownThread(ctx.params.id, ctx.state.user.id);
    const body = parseInput(updateThreadSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    const updated = await threads.update(thread, body);
    ctx.body = updated && toThreadView(updated);
  });

  router.delete('/:id', async (ctx) => {
    const thread = await ownThread(ctx.params.id, ctx.state.user.id);
    // Its schedules go first: a Schedule left in Temporal would fire for a thread that is gone.
    await deps.schedules.deleteForThread(thread.id, ctx.state.user.id);
    await threads.delete(thread);
    ctx.status = 204;
  });

  /** The thread's audit ledger, kept after a delete: JSON, or NDJSON (one event a line) for `Accept: application/x-ndjson`. */
  router.get('/:id/audit', async (ctx) => {
    const threadId = parseInput(idSchema, ctx.params.id, 'threadId');
    const namespace = encodeURIComponent(deps.temporalNamespace);
    const events = (await threads.auditLedger(threadId, ctx.state.user.id)).map((event) => ({
      ...event,
      temporalUiUrl:
        event.workflowId && event.runId
          ? `${deps.temporalUiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(event.workflowId)}/${event.runId}/history`
          : null,
    }));
    if (ctx.accepts('application/json', 'application/x-ndjson') === 'application/x-ndjson') {
      ctx.type = 'application/x-ndjson';
      ctx.body = events.map((event) => `${JSON.stringify(event)}\n`).join('');
      return;
    }
    ctx.body = { threadId, events };
  });

  /** In the form the client's `ai` version reads its stream in (see client-version.ts), so the two agree. */
  router.get('/:id/messages', async (ctx) => {
    const version = clientVersionOf(ctx, deps.defaultClientVersion);
    const thread = await ownThread(ctx.params.id, ctx.state.user.id);
    ctx.body = { messages: await threads.uiMessages(thread, version) };
  });

  return router;
}

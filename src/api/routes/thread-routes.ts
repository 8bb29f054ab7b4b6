/** REST for threads: create, list, get (with completions), delete, and the transcript as UI messages. */
import { Router } from '@koa/router';
import { ACTIVE_STATUSES, createCompletionsRepo } from '../../db/completions-repo.js';
import { newId } from '../../db/ids.js';
import { createAuditRepo } from '../../db/audit-repo.js';
import { createMessagesRepo, toUIMessages } from '../../db/messages-repo.js';
import { createThreadsRepo } from '../../db/threads-repo.js';
import type { AppDeps } from '../app-deps.js';
import { conflict, notFound } from '../app-error.js';
import { readJsonBody } from '../middleware/json-body.js';
import { parseInput } from '../parse-input.js';
import { createThreadSchema, idSchema, listQuerySchema, updateThreadSchema } from '../schemas.js';
import { toCompletionView } from '../views.js';

export function threadRoutes(deps: AppDeps): Router {
  const router = new Router({ prefix: '/v1/threads' });
  const threads = createThreadsRepo(deps.pool);
  const completions = createCompletionsRepo(deps.pool);
  const messages = createMessagesRepo(deps.pool);
  const audit = createAuditRepo(deps.pool);

  async function ownThread(id: unknown, userId: string) {
    const thread = await threads.get(parseInput(idSchema, id, 'threadId'), userId);
    if (!thread) throw notFound('thread');
    return thread;
  }

  router.post('/', async (ctx) => {
    const body = parseInput(createThreadSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    try {
      ctx.body = await threads.create(
        body.id ?? newId('thr'),
        ctx.state.user.id,
        body.title ?? null,
        body.doubleTextPolicy ?? deps.defaultDoubleTextPolicy,
        body.agent ? deps.policy.agentName(body.agent) : null,
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw conflict('a thread with this id already exists');
      throw error;
    }
    ctx.status = 201;
  });

  router.get('/', async (ctx) => {
    const query = parseInput(listQuerySchema, ctx.query, 'query');
    ctx.body = { threads: await threads.list(ctx.state.user.id, query.limit, query.before) };
  });

  router.get('/:id', async (ctx) => {
    const thread = await ownThread(ctx.params.id, ctx.state.user.id);
    const rows = await completions.listByThread(thread.id);
    ctx.body = { ...thread, completions: rows.map(toCompletionView) };
  });

  router.patch('/:id', async (ctx) => {
    const thread = await ownThread(ctx.params.id, ctx.state.user.id);
    const body = parseInput(updateThreadSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    if (body.agent) deps.policy.agentName(body.agent);
    ctx.body = await threads.update(thread.id, ctx.state.user.id, body);
  });

  router.delete('/:id', async (ctx) => {
    const thread = await ownThread(ctx.params.id, ctx.state.user.id);
    const active = thread.activeCompletionId ? await completions.get(thread.activeCompletionId) : undefined;
    if (active && ACTIVE_STATUSES.includes(active.status) && !(await deps.reconciler.settleIfEnded(active))) {
      throw conflict('the thread has a running completion; cancel it first', 'completion_running');
    }
    await threads.delete(thread.id, ctx.state.user.id);
    ctx.status = 204;
  });

  /** The thread's audit ledger: JSON, or NDJSON (one event a line) for `Accept: application/x-ndjson`. */
  router.get('/:id/audit', async (ctx) => {
    const thread = await ownThread(ctx.params.id, ctx.state.user.id);
    const namespace = encodeURIComponent(deps.temporalNamespace);
    const events = (await audit.listByThread(thread.id)).map((event) => ({
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
    ctx.body = { threadId: thread.id, events };
  });

  router.get('/:id/messages', async (ctx) => {
    const thread = await ownThread(ctx.params.id, ctx.state.user.id);
    ctx.body = { messages: toUIMessages(await messages.listForThread(thread.id)) };
  });

  return router;
}

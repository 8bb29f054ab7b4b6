/** useChat's endpoints: POST /api/chat starts a turn and streams it; GET …/stream resumes the running one. */
import { Router } from '@koa/router';
import { ACTIVE_STATUSES, createCompletionsRepo } from '../../db/completions-repo.js';
import { createThreadsRepo } from '../../db/threads-repo.js';
import type { AppDeps } from '../app-deps.js';
import { badRequest, notFound } from '../app-error.js';
import { createCompletionStream } from '../completion-stream.js';
import { readJsonBody } from '../middleware/json-body.js';
import { parseInput } from '../parse-input.js';
import { chatRequestSchema, idSchema, newUserMessageSchema } from '../schemas.js';

export function chatRoutes(deps: AppDeps): Router {
  const router = new Router();
  const threads = createThreadsRepo(deps.pool);
  const completions = createCompletionsRepo(deps.pool);
  const { streamCompletion, pipeLive } = createCompletionStream(deps);

  router.post('/api/chat', async (ctx) => {
    const body = parseInput(chatRequestSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    if (body.trigger === 'regenerate-message') {
      throw badRequest('regenerate-message is not supported yet; send a new message instead', 'unsupported_trigger');
    }
    const message = parseInput(newUserMessageSchema, body.messages.at(-1), 'last message');
    const model = deps.models.resolve(body.model);
    const prepared = await deps.starter.prepare({
      userId: ctx.state.user.id,
      threadId: body.id,
      createThread: true,
      userMessage: { uiMessageId: message.id, parts: message.parts.map(({ type, text }) => ({ type, text })) },
      model,
    });
    // Subscribe before the workflow starts: its first chunk cannot be published before we listen.
    const follower = await deps.hub.follow(prepared.turn.completionId);
    try {
      await prepared.launch();
    } catch (error) {
      await follower.close();
      throw error;
    }
    ctx.set('x-longhaul-thread-id', prepared.turn.threadId);
    ctx.set('x-longhaul-completion-id', prepared.turn.completionId);
    await pipeLive(ctx, prepared.turn.completionId, follower, 0);
  });

  router.get('/api/chat/:threadId/stream', async (ctx) => {
    const threadId = parseInput(idSchema, ctx.params.threadId, 'threadId');
    const thread = await threads.get(threadId, ctx.state.user.id);
    if (!thread) throw notFound('thread');
    const completion = thread.activeCompletionId ? await completions.get(thread.activeCompletionId) : undefined;
    if (!completion || !ACTIVE_STATUSES.includes(completion.status)) {
      ctx.status = 204;
      return;
    }
    ctx.set('x-longhaul-completion-id', completion.id);
    // useChat rebuilds the message from the first chunk on resume, so replay from the start.
    await streamCompletion(ctx, completion, 0);
  });

  return router;
}

/**
 * AG-UI 1.0 (CopilotKit's protocol) over the same turns and threads as useChat's endpoints. POST /ag-ui takes a
 * `RunAgentInput`: a new user message starts a turn, `resume` entries decide the pending approvals and continue
 * the turn; either way the completion streams back as AG-UI events (src/ag-ui). GET /ag-ui/:threadId/stream
 * replays the running completion from the start of its current segment, for a client reconnecting mid-run
 * (@ag-ui/client's `connectAgent`, whose `connect` HttpAgent leaves to the application).
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { parseRunInput, type AgUiRunRequest } from '../../ag-ui/run-input.js';
import { createAgUiRunStream } from '../../ag-ui/run-stream.js';
import type { AppDeps } from '../app-deps.js';
import { AppError, conflict } from '../app-error.js';
import { readJsonBody } from '../middleware/json-body.js';
import type { SeenThread } from '../completion-starter.js';
import { createSteeringService } from '../steering-service.js';
import { holdStreamSlot } from '../middleware/stream-slot.js';
import { parseInput } from '../parse-input.js';
import { idSchema } from '../schemas.js';
import { tagRequest } from '../tag-request.js';

type Run<K extends AgUiRunRequest['kind']> = Extract<AgUiRunRequest, { kind: K }>;

export function agUiRoutes(deps: AppDeps): Router {
  const router = new Router();
  const { threads } = deps;
  const streamSlot = holdStreamSlot(deps.limits.streams);
  const streamRun = createAgUiRunStream(deps);
  const steering = createSteeringService(deps);

  /**
   * As for /api/chat: on a `steer` thread whose answer runs, the new message steers that answer, and this run is the
   * answer's stream from the start of its current segment, the steering message included.
   */
  async function steerRunning(
    ctx: Context,
    run: Run<'turn'>,
    thread: NonNullable<SeenThread['thread']>,
  ): Promise<boolean> {
    const steered = await steering.steerFromChat(
      {
        userId: ctx.state.user.id,
        clientThreadId: run.threadId,
        messageId: run.userMessage.uiMessageId,
        parts: run.userMessage.parts,
        mode: 'next-step',
      },
      thread,
    );
    if (!steered) return false;
    tagRequest(ctx, { threadId: run.threadId, completionId: steered.completion.id });
    const segmentStart = (await deps.hub.segmentStart(steered.completion.id)) ?? 1;
    await streamRun(ctx, steered.completion.id, await deps.hub.follow(steered.completion.id), segmentStart - 1, run);
    return true;
  }

  async function startTurn(ctx: Context, run: Run<'turn'>, seen?: SeenThread) {
    const prepared = await deps.starter.prepare(
      {
        userId: ctx.state.user.id,
        clientThreadId: run.threadId,
        createThread: true,
        userMessage: run.userMessage,
        choices: run.choices,
      },
      seen,
    );
    // As for /api/chat: the follower reads the Redis log before the live feed, so subscribing while the workflow
    // starts loses nothing published before the subscription is active.
    const [subscribed, launched] = await Promise.allSettled([
      deps.hub.follow(prepared.turn.completionId),
      prepared.launch(),
    ]);
    if (launched.status === 'rejected') {
      if (subscribed.status === 'fulfilled') await subscribed.value.close();
      throw launched.reason;
    }
    if (subscribed.status === 'rejected') throw subscribed.reason;
    tagRequest(ctx, prepared.turn);
    await streamRun(ctx, prepared.turn.completionId, subscribed.value, 0, run);
  }

  /**
   * Delivers the decisions. A resend of one that landed (a retried request) is no error, nor is cancelling an
   * approval that lapsed meanwhile.
   */
  async function decide(userId: string, run: Run<'resume'>) {
    for (const decision of run.decisions) {
      await deps.approvals.decide({ ...decision, userId }).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'already_decided') return;
        if (error instanceof AppError && error.code === 'approval_expired' && !decision.approved) return;
        throw error;
      });
    }
  }

  /**
   * Delivers the decisions, then streams the continuation (or, decided elsewhere first, replays it from its start).
   * A turn that went on without this client (its approval expired, or was decided in the inbox) and has ended since
   * is replayed from where it went on, so the client still sees how its interrupted run ended.
   */
  async function resume(ctx: Context, run: Run<'resume'>) {
    const userId: string = ctx.state.user.id;
    const thread = await threads.getOwn(run.threadId, userId);
    const active = await threads.activeCompletion(thread);
    if (!active) {
      await decide(userId, run);
      const latest = (await threads.completions(thread)).at(-1);
      const continuedAt = latest && (await deps.hub.hasLog(latest.id)) ? await deps.hub.segmentStart(latest.id) : 0;
      if (!latest || !continuedAt || continuedAt <= 1) {
        throw conflict('nothing in this thread is awaiting approval', 'not_awaiting_approval');
      }
      tagRequest(ctx, { threadId: thread.clientId, completionId: latest.id });
      await streamRun(ctx, latest.id, await deps.hub.follow(latest.id), continuedAt - 1, run);
      return;
    }
    const follower = await deps.hub.follow(active.id);
    try {
      const afterSeq =
        active.status === 'running'
          ? ((await deps.hub.segmentStart(active.id)) ?? 1) - 1
          : await deps.hub.currentSeq(active.id);
      await decide(userId, run);
      tagRequest(ctx, { threadId: thread.clientId, completionId: active.id });
      await streamRun(ctx, active.id, follower, afterSeq, run);
    } catch (error) {
      await follower.close();
      throw error;
    }
  }

  router.post('/ag-ui', streamSlot, async (ctx) => {
    const run = parseRunInput(await readJsonBody(ctx, deps.maxBodyBytes), deps.maxMessageChars);
    if (run.kind === 'resume') return resume(ctx, run);
    // As for /api/chat: the thread is read once for steering and the opening, unless a steering attempt fell through.
    const thread = await threads.findOwn(run.threadId, ctx.state.user.id);
    if (thread?.doubleTextPolicy !== 'steer') return startTurn(ctx, run, { thread });
    if (!(await steerRunning(ctx, run, thread))) await startTurn(ctx, run);
  });

  router.get('/ag-ui/:threadId/stream', streamSlot, async (ctx) => {
    const thread = await threads.getOwn(parseInput(idSchema, ctx.params.threadId, 'threadId'), ctx.state.user.id);
    const completion = await threads.activeCompletion(thread);
    if (!completion) {
      ctx.status = 204;
      return;
    }
    tagRequest(ctx, { threadId: thread.clientId, completionId: completion.id });
    // A reconnecting client rebuilds the run from its first event, so replay from the current segment's start.
    const segmentStart = (await deps.hub.segmentStart(completion.id)) ?? 1;
    const follower = await deps.hub.follow(completion.id);
    await streamRun(ctx, completion.id, follower, segmentStart - 1, {
      threadId: thread.clientId,
      runId: completion.id,
    });
  });

  return router;
}

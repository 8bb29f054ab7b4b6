/**
 * useChat's endpoints: POST /api/chat starts a turn and streams it, or — when the last message carries approval
 * responses — delivers the decisions and streams the continuation of the same assistant message; GET …/stream
 * resumes the running one, replaying the whole assistant message (all its segments) for a client that rebuilds it.
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { digestFromApprovalId } from '../../tools/args-digest.js';
import type { AppDeps } from '../app-deps.js';
import { AppError, badRequest, conflict } from '../app-error.js';
import { clientVersionOf } from '../client-version.js';
import type { ClientVersion } from '../../stream/client-version.js';
import { tagRequest } from '../tag-request.js';
import { createSteeringService, unlandableError } from '../steering-service.js';
import { createCompletionStream } from '../completion-stream.js';
import type { SeenThread, StartTurnRequest } from '../completion-starter.js';
import { readJsonBody } from '../middleware/json-body.js';
import { holdStreamSlot } from '../middleware/stream-slot.js';
import { parseInput } from '../parse-input.js';
import {
  approvalResponsePartSchema,
  chatRequestSchema,
  idSchema,
  messageSchemas,
  regeneratedMessageSchema,
  type ChatRequest,
} from '../schemas.js';

export function chatRoutes(deps: AppDeps): Router {
  const router = new Router();
  const { threads } = deps;
  const { streamMessage, pipeLive } = createCompletionStream(deps);
  const { newUserMessageSchema, steerRequestSchema } = messageSchemas(deps.maxMessageChars);
  const steering = createSteeringService(deps);
  const streamSlot = holdStreamSlot(deps.limits.streams);

  /** The caller's thread named in the path (404 when not theirs) and its running completion, if any. */
  async function runningCompletionOf(ctx: Context) {
    const thread = await threads.getOwn(parseInput(idSchema, ctx.params.threadId, 'threadId'), ctx.state.user.id);
    return { thread, completion: await threads.activeCompletion(thread) };
  }

  async function startTurn(ctx: Context, body: ChatRequest, version: ClientVersion, seen?: SeenThread) {
    const userMessage: StartTurnRequest['userMessage'] =
      body.trigger === 'regenerate-message'
        ? {
            regenerate: true,
            uiMessageId: parseInput(
              regeneratedMessageSchema,
              body.messages.at(-1),
              `messages[${body.messages.length - 1}]`,
            ).id,
          }
        : (({ id, parts }) => ({ uiMessageId: id, parts: parts.map(({ type, text }) => ({ type, text })) }))(
            parseInput(newUserMessageSchema, body.messages.at(-1), `messages[${body.messages.length - 1}]`),
          );
    const prepared = await deps.starter.prepare(
      {
        userId: ctx.state.user.id,
        clientThreadId: body.id,
        createThread: body.trigger !== 'regenerate-message',
        userMessage,
        choices: {
          ...(body.agent ? { agent: body.agent } : {}),
          ...(body.model ? { model: body.model } : {}),
          ...(body.tools ? { tools: body.tools } : {}),
        },
      },
      seen,
    );
    // Subscribing and starting overlap: the follower reads the Redis log before the live feed, so chunks
    // published before the subscription is active are replayed from the log, not lost.
    const following = deps.hub.follow(prepared.turn.completionId);
    const [subscribed, launched] = await Promise.allSettled([following, prepared.launch()]);
    if (launched.status === 'rejected') {
      if (subscribed.status === 'fulfilled') await subscribed.value.close();
      throw launched.reason;
    }
    if (subscribed.status === 'rejected') throw subscribed.reason;
    const follower = subscribed.value;
    tagRequest(ctx, prepared.turn);
    await pipeLive(ctx, prepared.turn.completionId, follower, 0, version);
  }

  async function continueAfterApprovals(ctx: Context, body: ChatRequest, version: ClientVersion) {
    const last = body.messages.at(-1)!;
    const responses = last.parts.flatMap((part) => {
      const parsed = approvalResponsePartSchema.safeParse(part);
      return parsed.success ? [parsed.data] : [];
    });
    if (responses.length === 0) {
      throw badRequest(
        'the last message must be the new user message, or an assistant message with approval responses',
      );
    }
    const thread = await threads.getOwn(body.id, ctx.state.user.id);
    const completion = await threads.activeCompletion(thread);
    if (!completion) {
      throw conflict('nothing in this thread is awaiting approval', 'not_awaiting_approval');
    }
    const follower = await deps.hub.follow(completion.id);
    try {
      // Already resumed (decided elsewhere first): replay the continuation segment from its start.
      const afterSeq =
        completion.status === 'running'
          ? ((await deps.hub.segmentStart(completion.id)) ?? 1) - 1
          : await deps.hub.currentSeq(completion.id);
      for (const response of responses) {
        const argsDigest = digestFromApprovalId(response.approval.id);
        if (!argsDigest) throw badRequest(`approval id ${response.approval.id} was not issued by this server`);
        await deps.approvals
          .decide({
            toolCallId: response.toolCallId,
            userId: ctx.state.user.id,
            approved: response.approval.approved,
            argsDigest,
            ...(response.approval.reason ? { reason: response.approval.reason } : {}),
          })
          .catch((error: unknown) => {
            // A resend of a decision that already landed (e.g. a retried request) is not an error.
            if (error instanceof AppError && error.code === 'already_decided') return;
            throw error;
          });
      }
      tagRequest(ctx, { threadId: thread.clientId, completionId: completion.id });
      await pipeLive(ctx, completion.id, follower, afterSeq, version);
    } catch (error) {
      await follower.close();
      throw error;
    }
  }

  /**
   * A `steer` thread's new message while its answer runs: delivered into that answer, whose stream (the whole
   * assistant message, as a resume reads it) is the response, so useChat reads the answer it joined.
   */
  async function steerFromChat(
    ctx: Context,
    body: ChatRequest,
    version: ClientVersion,
    thread: NonNullable<SeenThread['thread']>,
  ): Promise<boolean> {
    const { id, parts } = parseInput(
      newUserMessageSchema,
      body.messages.at(-1),
      `messages[${body.messages.length - 1}]`,
    );
    const steered = await steering.steerFromChat(
      {
        userId: ctx.state.user.id,
        clientThreadId: body.id,
        messageId: id,
        parts: parts.map(({ text }) => ({ type: 'text' as const, text })),
        mode: 'next-step',
      },
      thread,
    );
    if (!steered) return false;
    tagRequest(ctx, { threadId: body.id, completionId: steered.completion.id });
    await streamMessage(ctx, steered.completion, version);
    return true;
  }

  /**
   * A new message: it steers the running answer of a `steer` thread, or else opens a turn. The thread is read
   * once for both; a steering attempt that falls through may have changed it, so the opening reads it again then.
   */
  async function sendMessage(ctx: Context, body: ChatRequest, version: ClientVersion) {
    const thread = await threads.findOwn(body.id, ctx.state.user.id);
    if (thread?.doubleTextPolicy !== 'steer') return startTurn(ctx, body, version, { thread });
    if (!(await steerFromChat(ctx, body, version, thread))) await startTurn(ctx, body, version);
  }

  router.post('/api/chat', streamSlot, async (ctx) => {
    // Read first: a version the server does not speak is refused before anything is written or started.
    const version = clientVersionOf(ctx, deps.defaultClientVersion);
    const body = parseInput(chatRequestSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    if (body.trigger === 'submit-message' && body.messages.at(-1)?.role === 'assistant')
      await continueAfterApprovals(ctx, body, version);
    else if (body.trigger === 'regenerate-message') await startTurn(ctx, body, version);
    else await sendMessage(ctx, body, version);
  });

  /** Adds a message to the thread's running answer, delivered at its next model step (see steering-service.ts). */
  router.post('/api/chat/:threadId/steer', async (ctx) => {
    const threadId = parseInput(idSchema, ctx.params.threadId, 'threadId');
    const body = parseInput(steerRequestSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    const result = await steering.steer({
      userId: ctx.state.user.id,
      clientThreadId: threadId,
      messageId: body.id,
      parts: body.parts,
      mode: body.mode,
    });
    if (result.kind === 'unlandable') throw unlandableError(result.reason);
    tagRequest(ctx, { threadId, completionId: result.outcome.completionId });
    ctx.status = result.outcome.status === 'pending' || result.outcome.status === 'enqueued' ? 202 : 200;
    ctx.body = result.outcome;
  });

  router.get('/api/chat/:threadId/steer/:messageId', async (ctx) => {
    const threadId = parseInput(idSchema, ctx.params.threadId, 'threadId');
    const messageId = parseInput(idSchema, ctx.params.messageId, 'messageId');
    ctx.body = await steering.get(ctx.state.user.id, threadId, messageId);
  });

  /** What a useChat app calls when the user presses Stop (useChat's stop() only closes its own connection). */
  router.post('/api/chat/:threadId/stop', async (ctx) => {
    const { completion } = await runningCompletionOf(ctx);
    if (!completion) {
      ctx.body = { completionId: null, status: 'idle' };
      return;
    }
    ctx.status = 202;
    ctx.body = await deps.canceller.cancel(completion, ctx.state.user.id);
  });

  router.get('/api/chat/:threadId/stream', streamSlot, async (ctx) => {
    const version = clientVersionOf(ctx, deps.defaultClientVersion);
    const { thread, completion } = await runningCompletionOf(ctx);
    if (!completion) {
      ctx.status = 204;
      return;
    }
    tagRequest(ctx, { threadId: thread.clientId, completionId: completion.id });
    // useChat rebuilds the message from the first chunk it gets: every segment of it, not just the current one.
    await streamMessage(ctx, completion, version);
  });

  return router;
}

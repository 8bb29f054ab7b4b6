/** The caller's approval inbox and decisions on it (v5 clients, other apps, operators with an API key). */
import { Router } from '@koa/router';
import type { AppDeps } from '../app-deps.js';
import { readJsonBody } from '../middleware/json-body.js';
import { parseInput } from '../parse-input.js';
import { approvalDecisionSchema, approvalListQuerySchema, idSchema } from '../schemas.js';

export function approvalRoutes(deps: AppDeps): Router {
  const router = new Router({ prefix: '/v1/approvals' });

  router.get('/', async (ctx) => {
    parseInput(approvalListQuerySchema, ctx.query, 'query');
    ctx.body = { approvals: await deps.approvalInbox.pending(ctx.state.user.id) };
  });

  router.post('/:toolCallId', async (ctx) => {
    const toolCallId = parseInput(idSchema, ctx.params.toolCallId, 'toolCallId');
    const body = parseInput(approvalDecisionSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    ctx.body = await deps.approvals.decide({
      toolCallId,
      userId: ctx.state.user.id,
      approved: body.decision === 'approve',
      argsDigest: body.argsDigest,
      ...(body.reason ? { reason: body.reason } : {}),
    });
  });

  return router;
}

/** The caller's approval inbox and decisions on it (v5 clients, other apps, operators with an API key). */
import { Router } from '@koa/router';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { readJsonBody } from '../middleware/json-body.js';
import { parseInput } from '../parse-input.js';
import { idSchema } from '../schemas.js';

const listQuerySchema = z.object({ status: z.literal('pending').default('pending') });
const decisionSchema = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  reason: z.string().trim().max(1_000).optional(),
  argsDigest: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64-hex argsDigest from the inbox'),
});

export function approvalRoutes(deps: AppDeps): Router {
  const router = new Router({ prefix: '/v1/approvals' });

  router.get('/', async (ctx) => {
    parseInput(listQuerySchema, ctx.query, 'query');
    ctx.body = { approvals: await deps.approvalInbox.pending(ctx.state.user.id) };
  });

  router.post('/:toolCallId', async (ctx) => {
    const toolCallId = parseInput(idSchema, ctx.params.toolCallId, 'toolCallId');
    const body = parseInput(decisionSchema, await readJsonBody(ctx, deps.maxBodyBytes));
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

import { Router } from '@koa/router';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';

/** GET /v1/agents: the agents this deployment offers, with their tools, models and limits. */
export function agentRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/v1/agents', (ctx) => {
    ctx.body = {
      agents: deps.agents.list().map((agent) => ({
        name: agent.name,
        version: agent.version,
        description: agent.description,
        model: agent.model ?? null,
        tools: agent.tools,
        limits: agent.limits ?? {},
        outputSchema: agent.output ? z.toJSONSchema(agent.output, { io: 'output' }) : null,
      })),
    };
  });
  return router;
}

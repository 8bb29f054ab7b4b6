import { Router } from '@koa/router';
import type { AppDeps } from '../app-deps.js';

/** Liveness of every dependency, unauthenticated, for load balancers and `npm start`'s readiness wait. */
export function healthRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const check = async (probe: () => Promise<unknown>) => {
      try {
        await probe();
        return 'ok';
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    };
    const checks = {
      postgres: await check(() => deps.pool.query('SELECT 1')),
      redis: await check(() => deps.redis.ping()),
      temporal: await check(() => deps.temporal.workflowService.getSystemInfo({})),
    };
    const ok = Object.values(checks).every((value) => value === 'ok');
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? 'ok' : 'degraded', checks };
  });
  return router;
}

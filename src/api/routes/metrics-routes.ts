import { Router } from '@koa/router';
import { registerDatabaseGauge, registry } from '../../metrics.js';
import type { AppDeps } from '../app-deps.js';

/** GET /metrics in Prometheus text format; unauthenticated like /healthz, for scrapers on the private network. */
export function metricsRoutes(deps: AppDeps): Router {
  registerDatabaseGauge('longhaul_pending_approvals', 'Tool calls awaiting a decision, across all users.', async () => {
    const { rows } = await deps.pool.query<{ count: string }>(
      `SELECT count(*) AS count FROM tool_executions WHERE status = 'awaiting_approval'`,
    );
    return Number(rows[0]?.count ?? 0);
  });
  registerDatabaseGauge('longhaul_active_completions', 'Completions queued, running or awaiting approval.', async () => {
    const { rows } = await deps.pool.query<{ count: string }>(
      `SELECT count(*) AS count FROM completions WHERE status IN ('queued', 'running', 'awaiting_approval')`,
    );
    return Number(rows[0]?.count ?? 0);
  });
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}

import { Router } from '@koa/router';
import { registerDatabaseGauge, registry } from '../../metrics.js';
import type { AppDeps } from '../app-deps.js';

/** GET /metrics in Prometheus text format; unauthenticated like /healthz, for scrapers on the private network. */
export function metricsRoutes(deps: AppDeps): Router {
  registerDatabaseGauge(
    'longhaul_pending_approvals',
    'Tool calls awaiting a decision, across all users.',
    deps.approvalInbox.countPending,
  );
  registerDatabaseGauge(
    'longhaul_active_completions',
    'Completions queued, running or awaiting approval.',
    deps.completions.countActive,
  );
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}

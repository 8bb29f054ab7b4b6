import { Router } from '@koa/router';
import { allowsMetricsScrape } from '../../auth/metrics-token.js';
import { registerDatabaseGauge, registry } from '../../metrics.js';
import { AppError } from '../app-error.js';
import type { AppDeps } from '../app-deps.js';

/**
 * GET /metrics in Prometheus text format, outside user auth: open for scrapers on a private network, or behind
 * LONGHAUL_METRICS_TOKEN (a bearer token of its own, not a user's credential) when the API faces the internet.
 */
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
    if (!allowsMetricsScrape(ctx.get('authorization'), deps.metricsToken)) {
      throw new AppError(401, 'unauthorized', 'metrics require Authorization: Bearer <LONGHAUL_METRICS_TOKEN>');
    }
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}

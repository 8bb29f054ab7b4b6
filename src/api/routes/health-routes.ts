import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AppDeps } from '../app-deps.js';

type Check = 'ok' | 'error';

/**
 * Liveness of every dependency, unauthenticated, for load balancers and `npm start`'s readiness wait, and the state
 * of each project MCP server as this process last listed it. Why a check failed or a server is down goes only to
 * authenticated callers (API key or token): dependency errors name hosts, ports and database roles.
 */
export function healthRoutes(deps: AppDeps, requireCaller: Middleware): Router {
  const router = new Router();
  /** The same check as every other route; with Postgres down nobody is, and nothing is thrown. */
  const isAuthenticated = (ctx: Context) =>
    requireCaller(ctx, async () => {}).then(
      () => true,
      () => false,
    );
  router.get('/healthz', async (ctx) => {
    const errors: Record<string, string> = {};
    const check = async (name: string, probe: () => Promise<unknown>): Promise<Check> => {
      try {
        await probe();
        return 'ok';
      } catch (error) {
        errors[name] = (error as Error).message;
        return 'error';
      }
    };
    const checks = {
      postgres: await check('postgres', () => deps.pool.query('SELECT 1')),
      redis: await check('redis', () => deps.redis.ping()),
      temporal: await check('temporal', () => deps.temporal.workflowService.getSystemInfo({})),
    };
    const ok = Object.values(checks).every((value) => value === 'ok');
    // A server that is down is reported without failing the check: every replica sees the same server, so taking
    // them out of rotation would turn a missing tool into an outage, and turns run without its tools meanwhile.
    const servers = Object.entries(deps.mcpStatus?.() ?? {});
    const mcpServers = Object.fromEntries(servers.map(([name, status]) => [name, status.state]));
    for (const [name, status] of servers) if (status.state === 'down') errors[`mcpServers.${name}`] = status.error;
    ctx.status = ok ? 200 : 503;
    ctx.body = {
      status: ok ? 'ok' : 'degraded',
      checks,
      ...(servers.length ? { mcpServers } : {}),
      ...(Object.keys(errors).length && (await isAuthenticated(ctx)) ? { errors } : {}),
    };
  });
  return router;
}

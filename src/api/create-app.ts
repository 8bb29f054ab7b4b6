import Koa from 'koa';
import type { AppDeps } from './app-deps.js';
import { authenticate } from './middleware/authenticate.js';
import { corsAllowlist } from './middleware/cors-allowlist.js';
import { errorHandler } from './middleware/error-handler.js';
import { plainUrl } from './middleware/plain-url.js';
import { limitAuthFailures, limitRequestsPerUser } from './middleware/rate-limit.js';
import { requestLog } from './middleware/request-log.js';
import { chatRoutes } from './routes/chat-routes.js';
import { completionRoutes } from './routes/completion-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { threadRoutes } from './routes/thread-routes.js';
import { approvalRoutes } from './routes/approval-routes.js';
import { userEventRoutes } from './routes/user-event-routes.js';
import { agentRoutes } from './routes/agent-routes.js';
import { agUiRoutes } from './routes/ag-ui-routes.js';
import { scheduleRoutes } from './routes/schedule-routes.js';
import { createUsersRepo } from '../db/users-repo.js';
import { serveWebApp } from './static-app.js';

/** The HTTP API. Stateless: every replica can serve every request. */
export function createApp(deps: AppDeps): Koa {
  // X-Forwarded-* are the client's own words unless a proxy of ours wrote them, so they count only when proxies
  // are configured, and of X-Forwarded-For only the entries those proxies appended (ctx.ip is the first of them).
  const app = new Koa({ proxy: deps.trustedProxies > 0, maxIpsCount: deps.trustedProxies });
  app.use(requestLog(deps.log));
  // Outside the error handler, so refusals (a 401) reach the page too; before auth, as preflights carry no key.
  if (deps.corsOrigins.length > 0) app.use(corsAllowlist(deps.corsOrigins));
  app.use(errorHandler(deps.log));
  app.use(plainUrl());
  const requireCaller = limitAuthFailures(
    authenticate(createUsersRepo(deps.pool), { tokens: deps.tokens, log: deps.log }),
    deps.redis,
    deps.limits.authFailuresPerMinute,
    deps.log,
  );
  for (const open of [healthRoutes(deps, requireCaller), metricsRoutes(deps)]) app.use(open.routes());
  app.use(serveWebApp());
  app.use(requireCaller);
  const limitRequests = limitRequestsPerUser(deps.redis, deps.limits.requestsPerMinute, deps.log);
  if (limitRequests) app.use(limitRequests);
  for (const router of [
    chatRoutes(deps),
    threadRoutes(deps),
    completionRoutes(deps),
    approvalRoutes(deps),
    userEventRoutes(deps),
    agentRoutes(deps),
    agUiRoutes(deps),
    scheduleRoutes(deps),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: false }));
  }
  return app;
}

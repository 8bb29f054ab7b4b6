/** The app's routes as its routers list them, so tests cover a new route without anyone remembering to. */
import type Koa from 'koa';
import type { Router } from '@koa/router';
import { createLogger } from '../../src/log.js';
import { createApi } from '../../src/runtime/create-api.js';
import { createRedis } from '../../src/runtime/connections.js';
import { agentsFromConfig } from '../../src/runtime/agents-from-config.js';
import { toolsFromConfig } from '../../src/runtime/tools-from-config.js';
import type { ToolDefinition } from '../../src/tools/tool-definition.js';
import type { Harness } from './harness.js';

export interface Route {
  /** `USE` for a router.use() layer, which answers every method. */
  method: string;
  /** As registered, with `:param` placeholders. */
  path: string;
  params: string[];
  /** A RegExp path: its parameters cannot be filled in by name. */
  regexp: boolean;
  /** Mounted before the authentication middleware. */
  open: boolean;
}

/** Each method of each layer of every router mounted on `app`, in mounting order (HEAD is GET's, not a route). */
export function routeTable(app: Koa): Route[] {
  const authIndex = app.middleware.findIndex((middleware) => middleware.name === 'authenticateCaller');
  if (authIndex < 0) throw new Error('no middleware named authenticateCaller in the app: which routes are open?');
  const seen = new Set<Router>();
  return app.middleware.flatMap((middleware, index) => {
    const router = (middleware as { router?: Router }).router;
    if (!router || seen.has(router)) return [];
    seen.add(router);
    return router.stack.flatMap((layer) => {
      const methods = layer.methods.filter((method) => method !== 'HEAD');
      return (methods.length > 0 ? methods : ['USE']).map((method) => ({
        method,
        path: String(layer.path),
        params: layer.paramNames.map((key) => String(key.name)),
        regexp: typeof layer.path !== 'string',
        open: index < authIndex,
      }));
    });
  });
}

/** The route table of an app built like the harness's (its own Redis subscriber, closed at once: nothing listens). */
export function harnessRoutes(h: Harness, tools: ToolDefinition[] = []): Route[] {
  const subscriber = createRedis(h.config.REDIS_URL, 'longhaul-test-route-table');
  const { app } = createApi({
    config: h.config,
    pool: h.pool,
    redis: h.redis,
    subscriber,
    temporal: h.temporal,
    tools: toolsFromConfig(h.config, tools),
    agents: agentsFromConfig(),
    log: createLogger('api', 'warn'),
  });
  void subscriber.quit();
  return routeTable(app);
}

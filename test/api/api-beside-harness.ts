import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Middleware } from 'koa';
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { agentsFromConfig } from '../../src/runtime/agents-from-config.js';
import { createApi } from '../../src/runtime/create-api.js';
import { createRedis } from '../../src/runtime/connections.js';
import { toolsFromConfig } from '../../src/runtime/tools-from-config.js';
import type { Harness } from '../support/harness.js';

/**
 * A second API process on the harness's services and users, built the way `createApi` builds every API, with
 * settings of its own, optionally a Redis of its own (one that is down, say) and a middleware after the app's
 * (to observe what the app decided about a request).
 */
export async function startApiBeside(
  h: Harness,
  options: { config?: Partial<Config>; redis?: Redis; after?: Middleware } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const config = { ...h.config, ...options.config };
  const subscriber = createRedis(config.REDIS_URL, 'longhaul-test-beside-sub');
  const { app, drain } = createApi({
    config,
    pool: h.pool,
    redis: options.redis ?? h.redis,
    subscriber,
    temporal: h.temporal,
    // Turns it starts run on the harness's worker.
    taskQueue: h.taskQueue,
    tools: toolsFromConfig(config),
    agents: agentsFromConfig(),
    log: createLogger('api', 'warn'),
  });
  if (options.after) app.use(options.after);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await drain();
      await subscriber.quit();
    },
  };
}

/** Entry point of a worker replica: runs completion workflows and their activities. */
import { Runtime } from '@temporalio/worker';
import { loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './log.js';
import { createPool, createRedis } from './runtime/connections.js';
import { createWorker } from './runtime/create-worker.js';
import { providersFromConfig } from './runtime/providers-from-config.js';
import { onShutdown } from './runtime/shutdown.js';
import { toolsFromConfig } from './runtime/tools-from-config.js';

const config = loadConfig();
const log = createLogger('worker', config.LOG_LEVEL);
Runtime.install({ shutdownSignals: [] });
const pool = createPool(config.DATABASE_URL);
await migrate(pool, (line) => log.info(line));
const redis = createRedis(config.REDIS_URL, 'longhaul-worker');
const worker = await createWorker({
  config,
  pool,
  redis,
  providers: providersFromConfig(config),
  tools: toolsFromConfig(config),
});
onShutdown(log, [async () => worker.shutdown()]);
log.info(`polling task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}`);
await worker.run();
await redis.quit();
await pool.end();

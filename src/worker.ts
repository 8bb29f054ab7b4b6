/** Entry point of a worker replica: runs completion workflows and their activities. */
import { loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './log.js';
import { createPool, createRedis } from './runtime/connections.js';
import { createWorker } from './runtime/create-worker.js';
import { providersFromConfig } from './runtime/providers-from-config.js';
import { onShutdown } from './runtime/shutdown.js';
import { registriesFromConfig } from './runtime/registries-from-config.js';
import { installTemporalRuntime } from './runtime/install-temporal-runtime.js';
import { serveMetrics } from './runtime/serve-metrics.js';

const config = loadConfig();
const log = createLogger('worker', config.LOG_LEVEL);
// Before any connection: a bad project config stops the worker before it takes a task.
const { tools, agents, mcp, file } = await registriesFromConfig(config, (message) => log.warn(message));
if (file) log.info(`project config ${file}`);
installTemporalRuntime(config, log);
const pool = createPool(config.DATABASE_URL);
await migrate(pool, (line) => log.info(line));
const redis = createRedis(config.REDIS_URL, 'longhaul-worker');
const subscriber = createRedis(config.REDIS_URL, 'longhaul-worker-sub');
const worker = await createWorker({
  config,
  log,
  pool,
  redis,
  subscriber,
  providers: providersFromConfig(config),
  tools,
  agents,
});
const metricsServer =
  config.LONGHAUL_WORKER_METRICS_PORT === undefined
    ? undefined
    : serveMetrics(config.HOST, config.LONGHAUL_WORKER_METRICS_PORT, config.LONGHAUL_METRICS_TOKEN);
onShutdown(log, [async () => worker.shutdown(), async () => metricsServer?.close(), () => mcp.close()]);
log.info(`polling task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}`);
await worker.run();
await Promise.all([redis.quit(), subscriber.quit()]);
await pool.end();

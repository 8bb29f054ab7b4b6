/** Entry point of an API replica. */
import { loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './log.js';
import { createApi } from './runtime/create-api.js';
import { connectTemporal, createPool, createRedis } from './runtime/connections.js';
import { closeHttpServer, onShutdown } from './runtime/shutdown.js';
import { registriesFromConfig } from './runtime/registries-from-config.js';

const config = loadConfig();
const log = createLogger('api', config.LOG_LEVEL);
// Before any connection: a bad project config stops the API before it accepts a request.
const { tools, agents, mcp, file } = await registriesFromConfig(config, (message) => log.warn(message));
if (file) log.info(`project config ${file}`);
const pool = createPool(config.DATABASE_URL);
await migrate(pool, (line) => log.info(line));
const redis = createRedis(config.REDIS_URL, 'longhaul-api');
const subscriber = createRedis(config.REDIS_URL, 'longhaul-api-sub');
const temporal = await connectTemporal(config);
const { app, drain } = createApi({
  config,
  pool,
  redis,
  subscriber,
  temporal,
  tools,
  agents,
  mcp,
  log,
});
const server = app.listen(config.PORT, config.HOST, () =>
  log.info(`listening on http://${config.HOST}:${config.PORT}`),
);
onShutdown(log, [
  () => closeHttpServer(server),
  drain,
  () => temporal.connection.close(),
  () => mcp.close(),
  () => redis.quit(),
  () => subscriber.quit(),
  () => pool.end(),
]);

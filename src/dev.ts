/**
 * The whole system in one process for `npm start`: migrations, a demo user and key, the worker, the API and —
 * when no vendor key is configured — the scripted model server as the default model. Temporal, Postgres and
 * Redis are provisioned before this runs (scripts/run.mjs).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { createUsersRepo } from './db/users-repo.js';
import { createLogger } from './log.js';
import { demoScript } from './llm/scripted/demo-script.js';
import { createScriptedModelServer } from './llm/scripted/scripted-model-server.js';
import { createApi } from './runtime/create-api.js';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createPool, createRedis } from './runtime/connections.js';
import { createWorker } from './runtime/create-worker.js';
import { providersFromConfig } from './runtime/providers-from-config.js';
import { closeHttpServer, onShutdown } from './runtime/shutdown.js';
import { registriesFromConfig } from './runtime/registries-from-config.js';
import { installTemporalRuntime } from './runtime/install-temporal-runtime.js';

const log = createLogger('dev');
const envConfig = loadConfig();
// Before anything starts: a bad project config stops `npm start` with the file and the entry named.
const {
  tools,
  agents,
  mcp,
  file: projectConfigFile,
} = await registriesFromConfig(envConfig, (message) => log.warn(message));
if (projectConfigFile) log.info(`project config ${projectConfigFile}`);
const dataDir = envConfig.LONGHAUL_DATA_DIR;
mkdirSync(dataDir, { recursive: true });

const scripted =
  envConfig.OPENAI_API_KEY || envConfig.ANTHROPIC_API_KEY
    ? undefined
    : await startScriptedModel(envConfig.SCRIPTED_MODEL_PORT);
// The scripted server answers any model name, so the configured default model works unchanged against it.
const config: Config = scripted
  ? {
      ...envConfig,
      OPENAI_API_KEY: 'scripted-demo',
      OPENAI_BASE_URL: scripted.openaiBaseURL,
      ANTHROPIC_API_KEY: 'scripted-demo',
      ANTHROPIC_BASE_URL: scripted.anthropicBaseURL,
    }
  : envConfig;
installTemporalRuntime(config, createLogger('temporal', config.LOG_LEVEL));

const pool = createPool(config.DATABASE_URL);
await migrate(pool, (line) => log.info(line));
const demoKey = await ensureDemoKey();

const redis = createRedis(config.REDIS_URL, 'longhaul-dev');
const subscriber = createRedis(config.REDIS_URL, 'longhaul-dev-sub');
const workerSubscriber = createRedis(config.REDIS_URL, 'longhaul-dev-worker-sub');
// One connection for the API's client and the worker: Temporal then hands a new completion's first workflow
// task straight back to this process in the start response (eager workflow start).
const temporalConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const temporal = new Client({ connection: temporalConnection, namespace: config.TEMPORAL_NAMESPACE });
const worker = await createWorker({
  config,
  log: createLogger('worker', config.LOG_LEVEL),
  pool,
  redis,
  subscriber: workerSubscriber,
  providers: providersFromConfig(config),
  tools,
  agents,
  connection: temporalConnection,
});
const workerRun = worker.run();
const { app, drain } = createApi({
  config,
  pool,
  redis,
  subscriber,
  temporal,
  eagerStart: true,
  tools,
  agents,
  mcp,
  log: createLogger('api', config.LOG_LEVEL),
});
const server = app.listen(config.PORT, config.HOST);
await new Promise((resolve) => server.once('listening', resolve));

const apiUrl = `http://${config.HOST}:${config.PORT}`;
console.log(`
  Longhaul is running.
    Web app       ${apiUrl}/#key=${demoKey}
    API           ${apiUrl}
    Temporal UI   http://127.0.0.1:8233
    Model         ${config.LONGHAUL_DEFAULT_MODEL}${scripted ? '  (scripted demo model)' : ''}
    Demo API key  ${demoKey}

  Try it:
    curl -N ${apiUrl}/api/chat -H 'authorization: Bearer ${demoKey}' -H 'content-type: application/json' \\
      -d '{"id":"demo-thread","trigger":"submit-message","messages":[{"id":"m1","role":"user","parts":[{"type":"text","text":"Hello!"}]}]}'

  Ctrl-C stops everything.
`);

onShutdown(log, [
  () => closeHttpServer(server),
  drain,
  async () => {
    worker.shutdown();
    await workerRun;
  },
  () => temporalConnection.close(),
  () => mcp.close(),
  () => redis.quit(),
  () => subscriber.quit(),
  () => workerSubscriber.quit(),
  () => pool.end(),
  async () => scripted?.close(),
]);

async function startScriptedModel(port: number) {
  const server = await createScriptedModelServer({ port, defaultScript: demoScript });
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n  NO OPENAI_API_KEY OR ANTHROPIC_API_KEY IS SET: answers come from the SCRIPTED DEMO MODEL
  at ${server.url} (it speaks the OpenAI and Anthropic protocols; it is not an AI).
  Set OPENAI_API_KEY or ANTHROPIC_API_KEY and restart for real answers.\n${bar}\n`);
  return server;
}

/** The demo key lives in the data dir so it survives restarts; only its hash is in Postgres. */
async function ensureDemoKey(): Promise<string> {
  const file = join(dataDir, 'demo-api-key');
  const users = createUsersRepo(pool);
  const user = await users.ensureUser('demo');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    await users.registerApiKey(user.id, key, 'demo');
    return key;
  }
  const key = await users.createApiKey(user.id, 'demo');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

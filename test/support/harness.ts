/**
 * A whole Longhaul per test file on the real services: the API on a random port, a worker on its own task
 * queue, and a scripted model server standing in for both vendors. Ids are random, so files run in parallel
 * against one database and one Temporal namespace without seeing each other.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { parseConfig, projectEnv, type Config } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { createUsersRepo } from '../../src/db/users-repo.js';
import { createLogger } from '../../src/log.js';
import { createScriptedModelServer, type ScriptedModelServer } from '../../src/llm/scripted/scripted-model-server.js';
import { createApi } from '../../src/runtime/create-api.js';
import { createRedis } from '../../src/runtime/connections.js';
import { createWorker } from '../../src/runtime/create-worker.js';
import { providersFromConfig } from '../../src/runtime/providers-from-config.js';
import { toolsFromConfig } from '../../src/runtime/tools-from-config.js';
import type { ToolDefinition } from '../../src/tools/tool-definition.js';
import { defineAgent, type AgentDefinition } from '../../src/agents/agent-definition.js';
import { agentsFromConfig } from '../../src/runtime/agents-from-config.js';
import { BUILTIN_AGENTS } from '../../src/agents/builtin-agents.js';
import { loadProjectConfig } from '../../src/extend/load-project-config.js';
import type { McpServerConfig } from '../../src/mcp/mcp-server-config.js';
import { createMcpToolSource, type McpToolSource } from '../../src/mcp/mcp-tool-source.js';
import type { Redis } from 'ioredis';

let runtimeInstalled = false;

export interface Harness {
  config: Config;
  taskQueue: string;
  apiUrl: string;
  apiKey: string;
  userId: string;
  model: ScriptedModelServer;
  /** The MCP servers' tools as API and worker see them (refresh to skip waiting for the list TTL). */
  mcp: McpToolSource;
  pool: ReturnType<typeof createPool>;
  temporal: Client;
  /** The harness's own Redis connection (e.g. to publish a stop hint by hand). */
  redis: Redis;
  /** A second user with their own key, for isolation tests. */
  createUser(name?: string): Promise<{ userId: string; apiKey: string }>;
  /**
   * Drops every open connection and starts a fresh API process on the same port; `whileDown` runs in between
   * (e.g. to watch a page notice that the server is gone).
   */
  restartApi(whileDown?: () => Promise<void>): Promise<void>;
  /** Stops the worker as a deploy or crash would; in-flight activities are cancelled and retried later. */
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  /** fetch against the API with this harness's key (override with `key`). */
  api(path: string, init?: RequestInit & { key?: string }): Promise<Response>;
  close(): Promise<void>;
}

export async function startHarness(
  overrides: Record<string, string> = {},
  options: {
    tools?: ToolDefinition[];
    agents?: AgentDefinition[];
    /** A project configuration module (as LONGHAUL_CONFIG names one): its tools and agents join the test ones. */
    projectConfig?: string;
    /** MCP servers whose tools join the registry, as a project's `mcpServers` (whose own join them too). */
    mcpServers?: McpServerConfig[];
    /** Wire API and worker like `npm start`: one Temporal connection, starts requested eagerly. */
    eagerStart?: boolean;
    /** Interceptors on the API's Temporal client (e.g. to hold a workflow start at a chosen moment). */
    clientInterceptors?: WorkflowClientInterceptor[];
  } = {},
): Promise<Harness> {
  if (!runtimeInstalled) {
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const model = await createScriptedModelServer();
  const config = parseConfig({
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    OPENAI_API_KEY: 'test-openai-key',
    OPENAI_BASE_URL: model.openaiBaseURL,
    ANTHROPIC_API_KEY: 'test-anthropic-key',
    ANTHROPIC_BASE_URL: model.anthropicBaseURL,
    LONGHAUL_DEFAULT_MODEL: 'openai:gpt-test',
    LONGHAUL_SSE_KEEPALIVE_MS: '1000',
    LONGHAUL_DEFAULT_AGENT: 'tester',
    LOG_LEVEL: 'warn',
    // Tests drive many requests and streams as one user; a test that is about a limit sets it.
    LONGHAUL_RATE_LIMIT_PER_MINUTE: '0',
    LONGHAUL_AUTH_FAILURES_PER_MINUTE: '0',
    LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: '0',
    LONGHAUL_MAX_STREAMS_PER_USER: '0',
    ...overrides,
  });
  const taskQueue = `test-${randomUUID()}`;
  const pool = createPool(config.DATABASE_URL, 5);
  const redis = createRedis(config.REDIS_URL, 'longhaul-test');
  // With eagerStart the client shares the worker's connection, which then outlives worker restarts.
  const connection = options.eagerStart
    ? await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS })
    : await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const sharedConnection = connection instanceof NativeConnection ? connection : undefined;
  const temporal = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    interceptors: { workflow: options.clientInterceptors ?? [] },
  });
  const project = options.projectConfig
    ? await loadProjectConfig({
        path: options.projectConfig,
        builtinTools: toolsFromConfig(config, options.tools).names(),
        builtinAgents: ['tester', ...BUILTIN_AGENTS, ...(options.agents ?? [])].map((agent) =>
          typeof agent === 'string' ? agent : agent.name,
        ),
        env: projectEnv(),
      })
    : { tools: [], agents: [], mcpServers: [] };
  const mcp = await createMcpToolSource([...(options.mcpServers ?? []), ...project.mcpServers]);
  const tools = toolsFromConfig(config, [...(options.tools ?? []), ...project.tools], mcp);
  // The default agent of tests may use every tool the harness registers, test tools included.
  const agents = agentsFromConfig([
    defineAgent({
      name: 'tester',
      version: '1',
      description: 'Test agent with every registered tool.',
      tools: tools.names(),
      systemPrompt: () => 'You are the Longhaul test agent.',
    }),
    ...(options.agents ?? []),
    ...project.agents,
  ]);
  async function launchWorker() {
    const nativeConnection = sharedConnection ?? (await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }));
    const subscriber = createRedis(config.REDIS_URL, 'longhaul-test-worker-sub');
    const worker: Worker = await createWorker({
      config,
      log: createLogger('worker', 'warn'),
      pool,
      redis,
      subscriber,
      providers: providersFromConfig(config),
      tools,
      agents,
      connection: nativeConnection,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
    });
    const run = worker.run();
    return {
      async stop() {
        worker.shutdown();
        await run;
        await Promise.all([
          nativeConnection === sharedConnection ? undefined : nativeConnection.close(),
          subscriber.quit(),
        ]);
      },
    };
  }
  let worker: { stop(): Promise<void> } | undefined = await launchWorker();
  /** An API process: its own Redis subscriber and stream hub, as a fresh replica would have. */
  async function launchApi(port: number) {
    const subscriber = createRedis(config.REDIS_URL, 'longhaul-test-sub');
    const { app, drain } = createApi({
      config,
      pool,
      redis,
      subscriber,
      temporal,
      taskQueue,
      eagerStart: options.eagerStart ?? false,
      tools,
      agents,
      mcp,
      log: createLogger('api', 'warn'),
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
    return {
      port: (server.address() as AddressInfo).port,
      async stop() {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await drain();
        // Viewers cut by closeAllConnections may still be unsubscribing; a QUIT racing them can find the socket gone.
        await subscriber.quit().catch(() => subscriber.disconnect());
      },
    };
  }
  let api = await launchApi(0);
  const apiUrl = `http://127.0.0.1:${api.port}`;
  const users = createUsersRepo(pool);

  async function createUser(name = `user-${randomUUID()}`) {
    const user = await users.ensureUser(name);
    return { userId: user.id, apiKey: await users.createApiKey(user.id) };
  }
  const main = await createUser();

  return {
    config,
    taskQueue,
    apiUrl,
    apiKey: main.apiKey,
    userId: main.userId,
    model,
    mcp,
    pool,
    temporal,
    redis,
    createUser,
    async restartApi(whileDown) {
      await api.stop();
      await whileDown?.();
      api = await launchApi(api.port);
    },
    async stopWorker() {
      await worker?.stop();
      worker = undefined;
    },
    async startWorker() {
      worker ??= await launchWorker();
    },
    api(path, init = {}) {
      const { key = main.apiKey, headers, ...rest } = init;
      return fetch(`${apiUrl}${path}`, {
        ...rest,
        headers: { authorization: `Bearer ${key}`, ...(headers as Record<string, string> | undefined) },
      });
    },
    async close() {
      await api.stop();
      await worker?.stop();
      await mcp.close();
      await connection.close();
      await redis.quit();
      await pool.end();
      await model.close();
    },
  };
}

/**
 * The entry of a system's child process (system-child.ts starts it): the baseline route, or a whole Longhaul as
 * `npm start` runs it, alone in its own Node process so the load generator and the model server do not share its
 * event loop. It announces itself with a `ready` message, then answers the bench process's calls over IPC:
 * settled memory, event loop delay, hop tracing and CPU profiles are all taken here, where the system runs.
 */
import { startBaselineServer } from './baseline-server.js';
import { startCpuProfile, type RunningProfile } from './cpu-profile.js';
import { createHopTracer, type HopTracer } from './hop-tracer.js';
import { startLoopDelay, type LoopDelay } from './loop-delay.js';
import { startLonghaul } from './longhaul-system.js';
import { settledMemory } from './settled-memory.js';
import {
  SYSTEM_CONFIG_ENV,
  type CallReply,
  type CallRequest,
  type CallType,
  type ReadyMessage,
  type SystemCalls,
  type SystemConfig,
} from './system-protocol.js';

interface RunningSystem {
  ready: Omit<ReadyMessage, 'type' | 'pid'>;
  /** Longhaul only: the hop tracer needs the worker's and the API's Redis connections. */
  tracer?: HopTracer;
  /** Longhaul only: workflows in its worker's cache. */
  cachedWorkflows?: () => number;
  close(): Promise<void>;
}

type Handlers = { [K in CallType]: (args: SystemCalls[K]['args']) => Promise<SystemCalls[K]['value']> };

async function startSystem(config: SystemConfig): Promise<RunningSystem> {
  if (config.kind === 'baseline') {
    const server = await startBaselineServer(config.modelBaseURL);
    return { ready: { target: { name: 'baseline', url: server.url, headers: {} } }, close: () => server.close() };
  }
  const system = await startLonghaul({
    env: config.env,
    databaseUrl: config.databaseUrl,
    modelBaseURL: config.modelBaseURL,
    workflowBundle: { codePath: config.workflowBundlePath },
  });
  const tracer = await createHopTracer({
    redisUrl: config.env.REDIS_URL,
    workerRedis: system.workerRedis,
    apiSubscriber: system.apiSubscriber,
  });
  return {
    ready: {
      target: { name: 'longhaul', url: system.url, headers: system.headers },
      userId: system.userId,
      taskQueue: system.taskQueue,
      replayWindowSeconds: system.replayWindowSeconds,
    },
    tracer,
    cachedWorkflows: system.cachedWorkflows,
    async close() {
      await tracer.close();
      await system.close();
    },
  };
}

function handlersFor(system: RunningSystem): Handlers {
  let stopLoopDelay: (() => LoopDelay) | undefined;
  let profile: RunningProfile | undefined;
  const tracer = () => {
    if (!system.tracer) throw new Error(`no hop tracer in the ${system.ready.target.name} process`);
    return system.tracer;
  };
  return {
    memory: () => settledMemory(),
    'memory-usage': async () => ({
      usage: process.memoryUsage(),
      cachedWorkflows: system.cachedWorkflows?.() ?? null,
    }),
    'trace-start': async () => {
      await tracer().start();
      return null;
    },
    'trace-stop': () => tracer().stop(),
    'profile-start': async ({ dir, name }) => {
      if (profile) throw new Error('a CPU profile is already running');
      profile = await startCpuProfile(dir, name);
      return null;
    },
    'profile-stop': async () => {
      if (!profile) throw new Error('no CPU profile is running');
      const running = profile;
      profile = undefined;
      return running.stop();
    },
    'loop-start': async () => {
      stopLoopDelay = startLoopDelay();
      return null;
    },
    'loop-stop': async () => {
      if (!stopLoopDelay) throw new Error('event loop delay was not started');
      const stop = stopLoopDelay;
      stopLoopDelay = undefined;
      return stop();
    },
    close: async () => {
      await system.close();
      return null;
    },
  };
}

function reply(message: CallReply | ReadyMessage, then?: () => void): void {
  process.send!(message, undefined, undefined, () => then?.());
}

async function answer(handlers: Handlers, request: CallRequest): Promise<void> {
  const handler = handlers[request.type] as (args: CallRequest) => Promise<unknown>;
  let message: CallReply;
  try {
    message = { id: request.id, ok: true, value: await handler(request) };
  } catch (error) {
    message = { id: request.id, ok: false, error: (error as Error).stack ?? String(error) };
  }
  // After `close` nothing is left to serve; the exit code tells the bench whether closing went cleanly.
  reply(message, request.type === 'close' ? () => process.exit(message.ok ? 0 : 1) : undefined);
}

// A terminal Ctrl-C reaches the whole process group: the bench process decides when this one closes.
process.on('SIGINT', () => {});
// The bench process is gone (crashed, killed): nobody is left to ask for a clean close.
process.on('disconnect', () => process.exit(1));

const raw = process.env[SYSTEM_CONFIG_ENV];
if (!raw || !process.send) {
  console.error(
    `system-process.ts is started by the bench (system-child.ts), with ${SYSTEM_CONFIG_ENV} and an IPC channel`,
  );
  process.exit(1);
}
const config = JSON.parse(raw) as SystemConfig;
try {
  const system = await startSystem(config);
  const handlers = handlersFor(system);
  process.on('message', (request: CallRequest) => void answer(handlers, request));
  reply({ type: 'ready', pid: process.pid, ...system.ready });
} catch (error) {
  console.error(`[${config.kind} process] failed to start: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}

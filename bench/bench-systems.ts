/**
 * Everything a run needs, brought up the way `npm test` does it: services via ensureStack (started only when
 * missing), a fresh `longhaul_bench` database, the workflow bundle built once, the bench model server in this
 * process, and each system under test in a child process of its own (system-process.ts) — the baseline route,
 * a whole Longhaul (API + worker, as `npm start` runs them), and Longhaul's production topology (`src/server.ts`
 * and `src/worker.ts` in two processes, production-system.ts). close() tears down what was started here and
 * leaves Postgres and Redis running; Temporal is stopped only if ensureStack started it.
 */
import type { RelayConnections } from './floor/relay.js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStack } from '../scripts/stack.mjs';
import { createCpuMeter, type CpuMeter } from './cpu-meter.js';
import { BENCH_DATABASE, dropBenchDatabase, recreateBenchDatabase } from './bench-database.js';
import { connectLonghaul, type LonghaulRemote } from './longhaul-remote.js';
import { createStampedModelServer, type StampedModelServer } from './stamped-model-server.js';
import { spawnSystem, type SystemChild } from './system-child.js';
import { baselineTarget, longhaulTarget } from './system-targets.js';
import type { Target } from './target.js';
import { bundleWorkflows } from './workflow-bundle.js';
import { startProduction, type ProductionSystem } from './production-system.js';

/** A system as the bench process sees it: where to send load, and its process to ask for what is measured inside. */
export interface SystemUnderTest {
  target: Target;
  child: SystemChild;
}

export interface BenchSystems {
  model: StampedModelServer;
  baseline: SystemUnderTest;
  longhaul: SystemUnderTest & LonghaulRemote;
  /** The production topology; its `child` answers only the phase meter's calls. */
  production: { target: Target; child: ProductionSystem['child']; pids: ProductionSystem['pids'] };
  cpu: CpuMeter;
  /** LONGHAUL_DATA_DIR (default .longhaul): where raw CPU profiles go. */
  dataDir: string;
  /** Where the services are (experiments point TEMPORAL_ADDRESS at a differently configured server). */
  services: { temporal: string; redis: string; database: string };
  /** The same Redis and bench database, credentials included: the Temporal floor's relay uses them. */
  relay: RelayConnections;
  close(): Promise<void>;
}

export async function startBenchSystems(log: (line: string) => void): Promise<BenchSystems> {
  const dataDir = process.env.LONGHAUL_DATA_DIR ?? join(process.cwd(), '.longhaul');
  mkdirSync(dataDir, { recursive: true });
  const stack = await ensureStack({ dataDir, log });
  const closers: (() => Promise<unknown>)[] = [() => stack.stop()];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch (error) {
        log(`teardown step failed: ${(error as Error).message}`);
      }
    }
  };
  try {
    const databaseUrl = await recreateBenchDatabase(stack.env.DATABASE_URL);
    // Runs after every system closed its connections (closers run in reverse).
    closers.push(() => dropBenchDatabase(stack.env.DATABASE_URL));
    const bundleStart = Date.now();
    const { code } = await bundleWorkflows();
    // Written once and read by path in Longhaul's process: the code itself is too large to pass along.
    const workflowBundlePath = join(dataDir, `bench-workflow-bundle-${process.pid}.js`);
    writeFileSync(workflowBundlePath, code);
    closers.push(async () => rmSync(workflowBundlePath, { force: true }));
    log(`workflow bundle built in ${((Date.now() - bundleStart) / 1000).toFixed(1)} s`);
    const model = await createStampedModelServer();
    closers.push(() => model.close());

    const childConfig = { modelBaseURL: model.baseURL, env: stack.env, databaseUrl, workflowBundlePath };
    const baselineChild = await spawnSystem('baseline', childConfig);
    closers.push(() => baselineChild.close());
    const longhaulChild = await spawnSystem('longhaul', childConfig);
    closers.push(() => longhaulChild.close());
    const longhaul = await connectLonghaul(longhaulChild.ready, {
      temporalAddress: stack.env.TEMPORAL_ADDRESS,
      databaseUrl,
    });
    closers.push(() => longhaul.close());
    closers.push(async () => {
      const terminated = await longhaul.terminateRunning();
      if (terminated > 0) log(`terminated ${terminated} workflow(s) still running`);
    });

    const productionStart = Date.now();
    const production = await startProduction({ env: stack.env, databaseUrl, modelBaseURL: model.baseURL });
    closers.push(() => production.close());
    closers.push(async () => {
      const terminated = await longhaul.terminateRunning(production.taskQueue);
      if (terminated > 0) log(`terminated ${terminated} production workflow(s) still running`);
    });
    log(`production API and worker processes ready in ${((Date.now() - productionStart) / 1000).toFixed(1)} s`);

    const baseline = { target: baselineTarget(baselineChild.ready.target), child: baselineChild };
    log(
      `baseline ${baseline.target.url} (pid ${baselineChild.pid}), Longhaul API ${longhaul.target.url} (pid ${longhaulChild.pid}), production API ${production.target.url} (pids ${production.pids.api} API, ${production.pids.worker} worker), model ${model.baseURL}`,
    );
    const cpu = createCpuMeter(
      stack.env.TEMPORAL_ADDRESS.split(':').at(-1) ?? '7233',
      {
        'baseline process': baselineChild.pid,
        'longhaul process': longhaulChild.pid,
        'production API': production.pids.api,
        'production worker': production.pids.worker,
      },
      BENCH_DATABASE,
    );
    const services = {
      temporal: stack.env.TEMPORAL_ADDRESS,
      redis: stack.env.REDIS_URL,
      database: databaseUrl.replace(/\/\/[^@]*@/, '//'),
    };
    return {
      model,
      baseline,
      longhaul: { ...longhaul, child: longhaulChild },
      production: {
        target: longhaulTarget(production.target, longhaul.temporal),
        child: production.child,
        pids: production.pids,
      },
      cpu,
      dataDir,
      services,
      relay: { redisUrl: stack.env.REDIS_URL, databaseUrl },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

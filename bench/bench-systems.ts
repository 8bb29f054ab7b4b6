/**
 * Everything a run needs, brought up the way `npm test` does it: services via ensureStack (started only when
 * missing), a fresh `longhaul_bench` database, the workflow bundle built once, then in this process the bench
 * model server, the baseline route and a whole Longhaul. close() tears down what was started here and leaves
 * Postgres and Redis running; Temporal is stopped only if ensureStack started it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStack } from '../scripts/stack.mjs';
import { startBaselineServer, type BaselineServer } from './baseline-server.js';
import { createCpuMeter, type CpuMeter } from './cpu-meter.js';
import { recreateBenchDatabase } from './bench-database.js';
import { createHopTracer, type HopTracer } from './hop-tracer.js';
import { startLonghaul, type LonghaulSystem } from './longhaul-system.js';
import { createStampedModelServer, type StampedModelServer } from './stamped-model-server.js';
import { bundleWorkflows } from './workflow-bundle.js';

export interface BenchSystems {
  model: StampedModelServer;
  baseline: BaselineServer;
  longhaul: LonghaulSystem;
  tracer: HopTracer;
  cpu: CpuMeter;
  /** LONGHAUL_DATA_DIR (default .longhaul): where raw CPU profiles go. */
  dataDir: string;
  /** Where the services are (experiments point TEMPORAL_ADDRESS at a differently configured server). */
  services: { temporal: string; redis: string; database: string };
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
    const bundleStart = Date.now();
    const { code } = await bundleWorkflows();
    log(`workflow bundle built in ${((Date.now() - bundleStart) / 1000).toFixed(1)} s`);
    const model = await createStampedModelServer();
    closers.push(() => model.close());
    const baseline = await startBaselineServer(model.baseURL);
    closers.push(() => baseline.close());
    const longhaul = await startLonghaul({ env: stack.env, databaseUrl, modelBaseURL: model.baseURL, workflowCode: code });
    closers.push(() => longhaul.close());
    closers.push(async () => {
      const terminated = await longhaul.terminateRunning();
      if (terminated > 0) log(`terminated ${terminated} workflow(s) still running`);
    });
    const tracer = await createHopTracer({ redisUrl: stack.env.REDIS_URL, workerRedis: longhaul.workerRedis, apiSubscriber: longhaul.apiSubscriber });
    closers.push(() => tracer.close());
    log(`baseline ${baseline.target.url}, Longhaul API ${longhaul.target.url}, model ${model.baseURL}`);
    const cpu = createCpuMeter(stack.env.TEMPORAL_ADDRESS.split(':').at(-1) ?? '7233');
    const services = { temporal: stack.env.TEMPORAL_ADDRESS, redis: stack.env.REDIS_URL, database: databaseUrl.replace(/\/\/[^@]*@/, '//') };
    return { model, baseline, longhaul, tracer, cpu, dataDir, services, close };
  } catch (error) {
    await close();
    throw error;
  }
}

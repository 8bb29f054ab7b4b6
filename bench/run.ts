/**
 * `npm run bench [-- --quick]`: measures what durability costs — Longhaul against a direct SDK → SSE route on
 * the same machine, in the same run — and writes bench/results/latest.{json,md}. This process generates the load
 * and plays the model; each system runs in a child process of its own (bench-systems.ts). Phases run baseline
 * first, then Longhaul, at each concurrency, so slow drift on the machine affects both alike. The Temporal floor
 * (a bare one-activity workflow, phases/floor.ts) is measured in the same run, in a child process of its own, at
 * the shapes of the phases issue 17 sets goals on. A phase that throws is recorded in the notes and the run goes
 * on, so one broken route does not cost the other figures.
 */
import { join } from 'node:path';
import { now } from './clock.js';
import type { ProfileSummary } from './cpu-profile.js';
import { startBenchSystems, type BenchSystems, type SystemUnderTest } from './bench-systems.js';
import { evaluateGoals } from './goals.js';
import { evaluateCpuGoals } from './goals-cpu.js';
import type { HopSummary } from './hop-tracer.js';
import { runFixed } from './load.js';
import { loadAverage, machineFacts } from './machine.js';
import { measureCancel } from './phases/cancel.js';
import { measureFloor } from './phases/floor.js';
import { measureHistory, type HistoryPhase } from './phases/history.js';
import { measureLatency } from './phases/latency.js';
import { measureMemory } from './phases/memory.js';
import { measureSoak, type SoakFigures } from './phases/soak.js';
import { rampThroughput } from './phases/throughput.js';
import { planFor } from './plan.js';
import type { CpuShares } from './cpu-meter.js';
import type { PhaseMeter } from './phase-load.js';
import { renderMarkdown } from './report-markdown.js';
import type { BenchResults, FloorPhases, SystemFigures } from './results.js';
import type { StreamResult } from './sse-client.js';
import { aroundCalls } from './system-child.js';
import { completionTimeline, type TimelineRow } from './timeline.js';
import { summarize } from './stats.js';
import { readHistory } from './workflow-history.js';
import { writeResults } from './write-results.js';

const log = (line: string) => console.log(`[bench] ${line}`);
const plan = planFor(process.argv.slice(2));
const startedAt = new Date();
const t0 = now();
const machine = machineFacts();
const notes: string[] = [];

async function attempt<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  const start = now();
  log(`▶ ${name}`);
  try {
    return await run();
  } catch (error) {
    const message = `${name} failed: ${(error as Error).stack ?? String(error)}`;
    notes.push(message.split('\n').slice(0, 3).join(' '));
    log(message);
    return undefined;
  } finally {
    log(`  ${name}: ${((now() - start) / 1000).toFixed(1)} s`);
  }
}

const emptyFigures = (): SystemFigures => ({ latency: [], throughput: null, cancel: [], memory: [] });

/** Above this, something outside the bench competed for the cores during a phase. */
const OTHER_CPU_LIMIT = 15;

/** The phase's name when something outside the bench competed for the cores while it ran. */
const busyDuring = (phase: string, cpu: CpuShares | undefined): string[] =>
  (cpu?.groups.other ?? 0) > OTHER_CPU_LIMIT ? [phase] : [];

function busyElsewhere(figures: SystemFigures, name: string): string[] {
  const phases = [
    ...figures.latency.map((l) => [`latency c=${l.concurrency}`, l.load] as const),
    ...(figures.throughput?.steps ?? []).map((s) => [`ramp c=${s.concurrency}`, s.load] as const),
    ...(figures.longAnswer
      ? [[`long answers c=${figures.longAnswer.concurrency}`, figures.longAnswer.load] as const]
      : []),
  ];
  return phases.flatMap(([phase, load]) => busyDuring(`${name} ${phase}`, load?.cpu));
}

async function measure(systems: BenchSystems) {
  const floor = () => attempt('Temporal floor', () => measureFloor(plan, systems.services.temporal, systems.relay));
  const baselineFigures = emptyFigures();
  const longhaulFigures = emptyFigures();
  const both: [SystemUnderTest, SystemFigures][] = [
    [systems.baseline, baselineFigures],
    [systems.longhaul, longhaulFigures],
  ];
  const productionFigures = emptyFigures();
  const meter = (system: Pick<SystemUnderTest, 'child'> | BenchSystems['production']): PhaseMeter => ({
    cpu: systems.cpu,
    system: system.child,
  });
  const hops: Record<string, HopSummary> = {};
  const profiles: Record<string, ProfileSummary> = {};
  const profileDir = join(systems.dataDir, 'bench-profiles', startedAt.toISOString().replace(/[:.]/g, '-'));
  const maybeProfile = async <T>(name: string, wanted: boolean, run: () => Promise<T>): Promise<T> => {
    if (!plan.profile || !wanted) return run();
    const { value, stopped } = await aroundCalls(
      systems.longhaul.child,
      ['profile-start', { dir: profileDir, name }],
      'profile-stop',
      run,
    );
    profiles[name] = stopped;
    return value;
  };
  const longhaulResults: Record<number, StreamResult[]> = {};
  let history: HistoryPhase | null = null;
  const timelines: Record<string, TimelineRow[]> = {};

  if (plan.floorOnly) {
    return { ...emptyPhases(emptyFigures(), emptyFigures(), emptyFigures()), floor: await floor(), soak: null };
  }

  await attempt('warm-up', async () => {
    for (const { target } of [...both.map(([system]) => system), systems.production]) {
      await runFixed(target, { concurrency: 1, total: 3, shape: plan.shape });
      await runFixed(target, { concurrency: 10, total: plan.warmupCompletions, shape: plan.shape });
    }
  });

  // Early, while the heap is small: later phases grow it and make RSS deltas noisier.
  for (const openStreams of plan.longOnly ? [] : plan.memoryOpenStreams) {
    for (const [{ target, child }, figures] of both) {
      await attempt(`memory ${target.name} with ${openStreams} open streams`, async () => {
        figures.memory.push(await measureMemory(target, child, { openStreams, shape: plan.memoryShape }));
      });
    }
  }

  if (plan.soakOnly)
    return { ...emptyPhases(baselineFigures, longhaulFigures, productionFigures), soak: await soak(systems) };

  for (const concurrency of plan.longOnly ? [] : plan.concurrencies) {
    const options = { concurrency, total: plan.latencyCompletions[concurrency] ?? concurrency, shape: plan.shape };
    await attempt(`latency baseline c=${concurrency}`, async () => {
      baselineFigures.latency.push(
        (await measureLatency(systems.baseline.target, { ...options, meter: meter(systems.baseline) })).figures,
      );
    });
    await attempt(`latency longhaul c=${concurrency}`, async () => {
      const value = await maybeProfile(`longhaul-latency-c${concurrency}`, concurrency > 1, () =>
        measureLatency(systems.longhaul.target, { ...options, meter: meter(systems.longhaul) }),
      );
      longhaulFigures.latency.push(value.figures);
      longhaulResults[concurrency] = value.results;
      // Hops are traced in a short run of their own: the tracer's Redis subscriber and its stamps would count in
      // the CPU per completion above, and the production topology is measured without one.
      const total = Math.min(options.total, Math.max(concurrency, 10));
      const { value: tracedStreams, stopped: traced } = await aroundCalls(
        systems.longhaul.child,
        ['trace-start', {}],
        'trace-stop',
        () => runFixed(systems.longhaul.target, { ...options, total }),
      );
      // The client's figure from the same streams as the hops, so the columns can be read left to right.
      hops[String(concurrency)] = { ...traced, client: summarize(tracedStreams.flatMap((s) => s.latencies)) };
    });
    await attempt(`latency production c=${concurrency}`, async () => {
      const { target } = systems.production;
      productionFigures.latency.push(
        (await measureLatency(target, { ...options, meter: meter(systems.production) })).figures,
      );
    });
  }

  const long = plan.longAnswer;
  for (const [system, figures] of [...both, [systems.production, productionFigures] as const]) {
    await attempt(`long answers ${system.target.name} c=${long.concurrency}`, async () => {
      const options = {
        concurrency: long.concurrency,
        total: long.completions,
        shape: long.shape,
        meter: meter(system),
      };
      const measure = () => measureLatency(system.target, options);
      figures.longAnswer = (
        await maybeProfile(`longhaul-long-answer-c${long.concurrency}`, system === systems.longhaul, measure)
      ).figures;
    });
  }

  if (plan.longOnly)
    return { ...emptyPhases(baselineFigures, longhaulFigures, productionFigures), profiles, soak: null };

  // After every system's latency and long-answer phases, so its workflows cost their figures nothing, and before
  // the rest, so it runs as close in time as it can to the baseline phases its figures are compared with.
  const floorPhases = await floor();

  await attempt('history', async () => {
    const completed = (c: number) => (longhaulResults[c] ?? []).filter((r) => r.ok && r.completionId);
    const measured = await measureHistory(systems.longhaul, {
      oneTurnCompletions: completed(1)
        .slice(0, plan.oneTurnHistories)
        .map((r) => r.completionId!),
      longThreads: plan.longThreads,
      priorTurns: plan.priorTurns,
      shape: plan.shape,
    });
    history = measured.phase;
    for (const c of plan.concurrencies) {
      // Spread the sample over the phase: the first completions of a phase see an idle system.
      const all = completed(c);
      const step = Math.max(1, Math.floor(all.length / plan.timelineSamples));
      const sample = all.filter((_, i) => i % step === 0).slice(0, plan.timelineSamples);
      const histories = new Map(measured.oneTurnHistories);
      for (const r of sample)
        if (!histories.has(r.completionId!))
          histories.set(r.completionId!, await readHistory(systems.longhaul.temporal, r.completionId!));
      timelines[String(c)] = completionTimeline(sample, histories);
    }
  });

  for (const concurrency of plan.concurrencies) {
    for (const [{ target }, figures] of both) {
      await attempt(`cancel ${target.name} c=${concurrency}`, async () => {
        if (figures.cancel.some((c) => !c.available)) return;
        figures.cancel.push(
          await measureCancel(target, {
            concurrency,
            rounds: plan.cancelRounds[concurrency] ?? 1,
            shape: plan.cancelShape,
          }),
        );
      });
    }
  }

  for (const [system, figures] of both) {
    await attempt(`throughput ramp ${system.target.name}`, async () => {
      figures.throughput = await rampThroughput(system.target, {
        levels: plan.rampLevels,
        stepMs: plan.rampStepMs,
        warmupMs: plan.rampWarmupMs,
        graceMs: plan.rampGraceMs,
        meter: meter(system),
        limitMs: plan.chunkLatencyLimitMs,
        shape: plan.shape,
        log,
      });
    });
  }

  return {
    baselineFigures,
    longhaulFigures,
    productionFigures,
    hops,
    profiles,
    floor: floorPhases,
    history: history as HistoryPhase | null,
    timelines,
    soak: await soak(systems),
  };
}

/** What a `--soak-only`, `--floor-only` or `--long-only` run leaves unmeasured. */
function emptyPhases(baselineFigures: SystemFigures, longhaulFigures: SystemFigures, productionFigures: SystemFigures) {
  return {
    baselineFigures,
    longhaulFigures,
    productionFigures,
    hops: {},
    profiles: {},
    floor: undefined as FloorPhases | undefined,
    history: null,
    timelines: {},
  };
}

/** Last: its steady load would leave the other phases a bigger heap and a fuller Redis. */
async function soak(systems: BenchSystems): Promise<SoakFigures | null> {
  if (plan.soakMs <= 0) return null;
  const longhaul = systems.longhaul;
  const figures = await attempt(`soak longhaul ${Math.round(plan.soakMs / 1000)} s`, () =>
    measureSoak(longhaul.target, longhaul.child, {
      redisUrl: systems.services.redis,
      durationMs: plan.soakMs,
      sampleMs: plan.soakSampleMs,
      concurrency: plan.soakConcurrency,
      shape: plan.soakShape,
      replayWindowSeconds: longhaul.child.ready.replayWindowSeconds ?? 300,
      log,
    }),
  );
  return figures ?? null;
}

log(
  `${plan.mode} run on ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, load average ${machine.loadAverageStart}`,
);
const systems = await startBenchSystems(log);
let teardown: Promise<void> | undefined;
const shutdown = () => (teardown ??= systems.close());
process.once('SIGINT', () => {
  log('SIGINT: tearing down');
  void shutdown().finally(() => process.exit(130));
});

let modelServer: BenchResults['diagnosis']['modelServer'] = { requests: 0, chunksSent: 0, disconnects: 0 };
let measured: Awaited<ReturnType<typeof measure>>;
try {
  measured = await measure(systems);
} finally {
  const { requests, chunksSent, disconnects } = systems.model;
  modelServer = { requests, chunksSent, disconnects };
  log('tearing down');
  await shutdown();
}

machine.loadAverageEnd = loadAverage();
const partial = {
  plan,
  baseline: measured.baselineFigures,
  longhaul: measured.longhaulFigures,
  production: measured.productionFigures,
  ...(measured.floor ? { floor: measured.floor } : {}),
  history: measured.history,
  soak: measured.soak,
};
const busyPhases = busyElsewhere(measured.baselineFigures, 'baseline').concat(
  busyElsewhere(measured.longhaulFigures, 'Longhaul'),
  busyElsewhere(measured.productionFigures, 'production'),
  [...(measured.floor?.latency ?? []), ...(measured.floor?.longAnswer ? [measured.floor.longAnswer] : [])].flatMap(
    (f) => busyDuring(`Temporal floor c=${f.concurrency} (${f.answerMs} ms answers)`, f.cpu),
  ),
);
if (busyPhases.length > 0) {
  notes.push(
    `Other processes used more than ${OTHER_CPU_LIMIT}% of the machine during ${busyPhases.join(', ')} (see "other %" in the CPU table): those figures are pessimistic and not comparable with the rest.`,
  );
}
const cancelMissing = measured.longhaulFigures.cancel.find((c) => !c.available);
if (cancelMissing) {
  notes.push(
    `POST /v1/completions/:id/cancel answered HTTP ${cancelMissing.refusedStatus} on Longhaul: cancel → abort is not available yet; the bench terminated those workflows instead.`,
  );
}
const results: BenchResults = {
  startedAt: startedAt.toISOString(),
  durationSeconds: Math.round((now() - t0) / 1000),
  machine,
  services: systems.services,
  ...partial,
  diagnosis: { timelines: measured.timelines, hops: measured.hops, modelServer, profiles: measured.profiles },
  goals: [...evaluateGoals(partial), ...evaluateCpuGoals(partial)],
  notes,
};
const markdown = renderMarkdown(results);
const files = writeResults(results, markdown);
console.log(`\n${markdown}`);
log(`wrote ${files.join(', ')}`);
process.exit(0);

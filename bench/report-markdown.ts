/** The markdown view of one run's results: what bench/results/latest.md holds and what the bench prints. */
import type { LoopDelay } from './loop-delay.js';
import type { PhaseLoad } from './phase-load.js';
import type { Distribution } from './stats.js';
import { round } from './stats.js';
import type { BenchResults, SystemFigures } from './results.js';
import type { SystemName } from './target.js';
import type { TimelineRow } from './timeline.js';
import { cpuSection } from './report-cpu.js';

const SYSTEMS = ['baseline', 'longhaul'] as const;
const SYSTEM_LABELS: Record<SystemName, string> = {
  baseline: 'baseline',
  longhaul: 'Longhaul',
  production: 'Longhaul (server.ts + worker.ts)',
};

const fmt = (value: number | undefined, digits = 1) =>
  value === undefined || !Number.isFinite(value) ? '–' : round(value, digits).toLocaleString('en-US');
const dist = (d: Distribution | null | undefined) =>
  d && d.count > 0 ? `${fmt(d.p50)} / ${fmt(d.p95)} / ${fmt(d.p99)}` : '–';
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0
    ? '–'
    : `${round(a / b, 2)}×`;
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );

function latencyTable(results: BenchResults): string {
  const rows: string[][] = [];
  const figures = [
    [
      'time to first token − model delay',
      (s: SystemFigures, c: number) => s.latency.find((l) => l.concurrency === c)?.ttftOverhead,
    ],
    [
      'chunk latency (emit → client)',
      (s: SystemFigures, c: number) => s.latency.find((l) => l.concurrency === c)?.chunkLatency,
    ],
  ] as const;
  for (const [name, pick] of figures) {
    for (const c of results.plan.concurrencies) {
      const b = pick(results.baseline, c);
      const l = pick(results.longhaul, c);
      rows.push([name, String(c), dist(b), dist(l), ratio(l?.p50, b?.p50), ratio(l?.p99, b?.p99)]);
    }
  }
  const counts = results.plan.concurrencies.map((c) => {
    const l = results.longhaul.latency.find((x) => x.concurrency === c);
    const b = results.baseline.latency.find((x) => x.concurrency === c);
    return `c=${c}: ${b?.completions ?? 0}/${l?.completions ?? 0} completions (failed ${b?.failed ?? 0}/${l?.failed ?? 0}, lost ${b?.lost ?? 0}/${l?.lost ?? 0})`;
  });
  return `${table(['figure (ms)', 'c', 'baseline p50 / p95 / p99', 'Longhaul p50 / p95 / p99', 'ratio p50', 'ratio p99'], rows)}\n\nBaseline/Longhaul: ${counts.join('; ')}.`;
}

function throughputTable(results: BenchResults): string {
  const b = results.baseline.throughput;
  const l = results.longhaul.throughput;
  const levels = [...new Set([...(b?.steps ?? []), ...(l?.steps ?? [])].map((s) => s.concurrency))].sort(
    (x, y) => x - y,
  );
  const rows = levels.map((c) => {
    const bs = b?.steps.find((s) => s.concurrency === c);
    const ls = l?.steps.find((s) => s.concurrency === c);
    return [
      String(c),
      fmt(bs?.chunksPerSecond, 0),
      dist(bs?.chunkLatency),
      bs ? `${bs.lost} / ${bs.failed}` : '–',
      fmt(ls?.chunksPerSecond, 0),
      dist(ls?.chunkLatency),
      ls ? `${ls.lost} / ${ls.failed}` : '–',
      `${fmt(bs?.completionsPerSecond)} / ${fmt(ls?.completionsPerSecond)}`,
      fmt(ls?.ttftRaw.p50, 0),
    ];
  });
  const sustained = (t: typeof b) =>
    t?.sustained
      ? `${fmt(t.sustained.chunksPerSecond, 0)} chunks/s at c=${t.sustained.concurrency}`
      : 'none within the limit';
  return [
    table(
      [
        'c',
        'baseline chunks/s',
        'baseline latency p50/p95/p99',
        'baseline lost / failed',
        'Longhaul chunks/s',
        'Longhaul latency p50/p95/p99',
        'Longhaul lost / failed',
        'completions/s (b / L)',
        'Longhaul raw TTFT p50',
      ],
      rows,
    ),
    '',
    `Sustained (p99 ≤ ${results.plan.chunkLatencyLimitMs} ms): baseline ${sustained(b)}; Longhaul ${sustained(l)}; ratio ${ratio(l?.sustained?.chunksPerSecond, b?.sustained?.chunksPerSecond)}. Stopped: baseline — ${b?.stopReason ?? '–'}; Longhaul — ${l?.stopReason ?? '–'}. Each level runs ${results.plan.rampStepMs / 1000} s (first ${results.plan.rampWarmupMs / 1000} s not counted; streams still running ${results.plan.rampGraceMs / 1000} s after the end are hung up on).`,
  ].join('\n');
}

function historyTable(results: BenchResults): string {
  const h = results.history;
  if (!h) return 'Not measured.';
  const rows = [
    ['1-turn', String(h.oneTurn.length), String(h.worst.oneTurn.events), fmt(h.worst.oneTurn.bytes / 1024, 1)],
    [
      `${h.priorTurns + 1}-turn`,
      String(h.longThread.length),
      String(h.worst.longThread.events),
      fmt(h.worst.longThread.bytes / 1024, 1),
    ],
  ];
  return `${table(['thread', 'samples', 'events (worst)', 'KB (worst, server-counted)'], rows)}\n\n${h.priorTurns + 1}-turn thread raw time to first token p50: ${fmt(h.longThreadTtftRaw.p50)} ms. Events of a plain completion: ${h.eventNames.join(' → ')}.`;
}

function cancelTable(results: BenchResults): string {
  const rows = results.plan.concurrencies.map((c) => {
    const b = results.baseline.cancel.find((x) => x.concurrency === c);
    const l = results.longhaul.cancel.find((x) => x.concurrency === c);
    const cell = (x: typeof b) => {
      if (!x) return '–';
      if (!x.available) return `not available yet (HTTP ${x.refusedStatus})`;
      return `${dist(x.latency)}${x.failures.length ? ` (failures: ${x.failures.join('; ')})` : ''}`;
    };
    return [String(c), cell(b), cell(l), ratio(l?.latency?.p99, b?.latency?.p99)];
  });
  return table(['c', 'baseline p50 / p95 / p99 (ms)', 'Longhaul p50 / p95 / p99 (ms)', 'ratio p99'], rows);
}

function memoryTable(results: BenchResults): string {
  const rows = results.plan.memoryOpenStreams.map((n) => {
    const b = results.baseline.memory.find((x) => x.openStreams === n);
    const l = results.longhaul.memory.find((x) => x.openStreams === n);
    return [
      String(n),
      fmt(b?.rssPerStreamKb),
      fmt(l?.rssPerStreamKb),
      fmt(b?.heapPerStreamKb),
      fmt(l?.heapPerStreamKb),
      `${b?.opened ?? 0} / ${l?.opened ?? 0}`,
    ];
  });
  return `${table(['open streams', 'baseline RSS KB/stream', 'Longhaul RSS KB/stream', 'baseline heap KB/stream', 'Longhaul heap KB/stream', 'opened (b / L)'], rows)}\n\nEach figure is the system's own process (the load generator and the model server run elsewhere): the baseline route alone, or Longhaul's API and worker together, so Longhaul − baseline is what durability adds per stream on the server. Both are measured after a full GC against the mean of before-open and after-close; RSS also moves with the allocator returning pages (it can even come out negative), the V8 heap figure is the steadier one.`;
}

function soakSection(results: BenchResults): string {
  const soak = results.soak;
  if (!soak) return 'Not run (`--soak-minutes=0`, or it failed: see Notes).';
  const rows = soak.samples.map((s) => [
    `${fmt(s.atSeconds, 0)}${s.loaded ? '' : ' (idle)'}`,
    String(s.completionsFinished),
    fmt(s.rssMb),
    `${fmt(s.heapUsedMb)} / ${fmt(s.heapTotalMb)}`,
    fmt(s.externalMb),
    String(s.cachedWorkflows ?? '–'),
    fmt(s.redisUsedMemoryMb),
    fmt(s.redisHeldForFinishedKb, 0),
    String(s.finishedWithKeys),
  ]);
  const shape = soak.shape;
  return [
    `${soak.concurrency} concurrent answers of ${shape.chunks} chunks (${shape.delayMs} ms apart) against Longhaul for ${soak.durationSeconds} s, back to back: ${soak.completions} completions, ${soak.failures} failed, ${soak.chunksLost} chunks lost. Then no load until the replay window (${soak.replayWindowSeconds} s) of the last ones has passed.`,
    '',
    `RSS of Longhaul's process (API + worker): ${fmt(soak.rssStartMb)} MB at the start, ${fmt(soak.rssMaxMb)} MB at most, ${fmt(soak.rssEndMb)} MB at the end; ${soak.rssFlat ? 'flat' : 'NOT flat'} under load (last third of the samples against the middle third). Redis held per finished completion: ${fmt(soak.redisBytesPerFinishedUnderLoad, 0)} bytes at the end of the load (the latest ones inside their replay window), ${fmt(soak.redisBytesPerFinishedAfterWindow, 0)} bytes once the window had passed.`,
    '',
    table(
      [
        's',
        'finished',
        'RSS MB',
        'V8 heap used / total MB',
        'external MB',
        'cached workflows',
        'Redis used_memory MB',
        'Redis KB held for finished',
        'finished with keys',
      ],
      rows,
    ),
    '',
    "RSS, heap and external are the process's own `process.memoryUsage()`, sampled without forcing a GC; cached workflows are its worker's. \"Held for finished\" adds Redis's MEMORY USAGE of every key Redis still serves of the completions finished so far (one whose TTL ran out is reclaimed by the lookup), so other tenants of the same Redis do not count; `used_memory` is all of Redis.",
  ].join('\n');
}

/** CPU time a share of the machine over a phase amounts to, per completion of that phase. */
function cpuMsPerCompletion(load: PhaseLoad, share: number | undefined, completions: number, cores: number): string {
  if (share === undefined || completions === 0) return '–';
  return fmt(((share / 100) * cores * load.durationMs) / completions, 0);
}

function loadTable(results: BenchResults): string {
  const rows: string[][] = [];
  const cores = results.machine.cores;
  const delay = (d: LoopDelay) => `${fmt(d.p50)} / ${fmt(d.p99)} / ${fmt(d.max)}`;
  const add = (phase: string, system: SystemName, load: PhaseLoad | undefined, completions: number) => {
    if (!load) return;
    const g = load.cpu?.groups;
    const own = !g
      ? undefined
      : system === 'production'
        ? g['production API'] + g['production worker']
        : g[`${system} process`];
    const services = g ? g.temporal + g.postgres + g.redis : undefined;
    rows.push([
      phase,
      SYSTEM_LABELS[system],
      fmt(load.cpu?.machine, 0),
      fmt(g?.['load process'], 0),
      fmt(own, 0),
      fmt(g?.temporal, 0),
      fmt(g?.postgres, 0),
      fmt(g?.redis, 0),
      fmt(g?.other, 0),
      `${cpuMsPerCompletion(load, own, completions, cores)} / ${cpuMsPerCompletion(load, services, completions, cores)}`,
      delay(load.eventLoopDelayMs),
      delay(load.loadEventLoopDelayMs),
    ]);
  };
  for (const c of results.plan.concurrencies) {
    for (const system of [...SYSTEMS, 'production'] as const) {
      const latency = results[system]?.latency.find((l) => l.concurrency === c);
      add(`latency c=${c}`, system, latency?.load, latency?.completions ?? 0);
    }
  }
  for (const system of [...SYSTEMS, 'production'] as const) {
    const long = results[system]?.longAnswer;
    add(`long answers c=${results.plan.longAnswer.concurrency}`, system, long?.load, long?.completions ?? 0);
  }
  for (const system of SYSTEMS) {
    for (const step of results[system].throughput?.steps ?? [])
      add(`ramp c=${step.concurrency}`, system, step.load, step.completions);
  }
  return table(
    [
      'phase',
      'system',
      'machine CPU %',
      'load process %',
      'system process %',
      'Temporal %',
      'Postgres %',
      'Redis %',
      'other %',
      'CPU ms per completion: system process / Temporal+PG+Redis',
      'system process event loop delay p50 / p99 / max (ms)',
      'load process event loop delay p50 / p99 / max (ms)',
    ],
    rows,
  );
}

function diagnosis(results: BenchResults): string {
  const levels = Object.keys(results.diagnosis.timelines);
  const reference = results.diagnosis.timelines[levels[0] ?? ''] ?? [];
  const p50At = (c: string, row: TimelineRow | undefined) =>
    row && results.diagnosis.timelines[c]?.find((r) => r.source === row.source && r.name === row.name)?.p50;
  const timeline = reference.map((row, i) => [
    `${row.source}: ${row.name}`,
    ...levels.flatMap((c) => {
      const at = p50At(c, row);
      const before = i > 0 ? p50At(c, reference[i - 1]) : 0;
      return [
        fmt(at),
        at === undefined || before === undefined ? '–' : `${at - before >= 0 ? '+' : ''}${fmt(at - before)}`,
      ];
    }),
  ]);
  const hops = Object.entries(results.diagnosis.hops).map(([c, h]) => {
    const client = h.client;
    const cell = (d: Distribution) => (d.count > 0 ? `${fmt(d.p50, 2)} / ${fmt(d.p99, 2)}` : 'n/a');
    return [
      c,
      cell(h.workerPublishCall),
      cell(h.workerPublishReply),
      cell(h.publishRoundTrip),
      cell(h.redisDelivery),
      cell(h.apiReceive),
      client ? cell(client) : '–',
    ];
  });
  return [
    '### One Longhaul completion, request to finish (median ms since the request was sent; step = since the previous row)',
    '',
    "Client and model marks are the bench's; the rest are the workflow's history events (same machine clock). Rows follow the first column's order; at higher concurrency a row may come earlier, so its step can be negative.",
    '',
    table(['event', ...levels.flatMap((c) => [`c=${c} ms`, 'step'])], timeline),
    '',
    '### Where a chunk spends its time (ms after the model emitted it, p50 / p99)',
    '',
    table(
      [
        'c',
        'worker calls publish',
        'publish replied',
        'publish round trip',
        'Redis delivers (bench subscriber)',
        'API subscriber gets it',
        'client gets it',
      ],
      hops,
    ),
    '',
    ...Object.entries(results.diagnosis.profiles).flatMap(([name, profile]) => [
      `### Longhaul process main thread during ${name} (CPU profile, ${fmt(profile.busyMs, 0)} ms busy; ${profile.file})`,
      '',
      table(
        ['owner', '% of busy'],
        profile.byOwner.map((o) => [o.owner, fmt(o.percent)]),
      ),
      '',
      table(
        ['function', 'owner', '% of busy'],
        profile.topFunctions.map((f) => [`\`${f.fn}\``, f.owner, fmt(f.percent)]),
      ),
      '',
    ]),
    '### CPU and event loop during each phase',
    '',
    'CPU as a share of the whole machine (100% = all cores busy). "Load process" is the bench process: load generator and model server. "System process" is the child process of the system the phase measured: the baseline route, or Longhaul\'s API and worker; the other system\'s process idles meanwhile and counts in machine CPU only. A long delay in the load process\'s event loop means the client read chunks late, which inflates both systems\' latency figures.',
    '',
    loadTable(results),
  ].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const goals = results.goals.map((g) => [
    g.goal,
    g.target,
    g.measured,
    g.pass === null ? 'n/a' : g.pass ? 'PASS' : 'FAIL',
    g.floor ?? '',
  ]);
  const passed = results.goals.filter((g) => g.pass === true).length;
  const shape = results.plan.shape;
  return [
    `# Longhaul benchmark — ${results.plan.mode} run${results.plan.label ? ` "${results.plan.label}"` : ''}, ${results.startedAt}`,
    '',
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.totalMemoryGb} GB, Node ${m.node}, ${m.platform}; 1-min load average ${m.loadAverageStart} at start, ${m.loadAverageEnd ?? '–'} at end. Run took ${Math.round(results.durationSeconds)} s. Temporal at ${results.services.temporal}. Code: ${m.git ? `${m.git.commit}${m.git.srcDirty ? ' with uncommitted changes in src/' : ''}` : 'unknown'}.`,
    '',
    'The load generator and the bench model server run in the bench process; the baseline route and Longhaul (API and worker in one process, as `npm start` runs them) each run in a child process of their own; Temporal, Postgres and Redis are separate processes. All share these cores, so compare figures only within one run.',
    `Each completion streams ${shape.chunks} text chunks ${shape.delayMs} ms apart, the first ${shape.firstDelayMs} ms after the model received the request; time to first token has the model's own first-token delay (measured per request) subtracted. "c" is the number of concurrent streaming completions (closed loop).`,
    '',
    `## Goals (${passed} of ${results.goals.length} pass)`,
    '',
    table(['goal', 'target', 'measured (Longhaul vs baseline)', 'result', 'floor (vs baseline)'], goals),
    '',
    ...(results.goals.some((g) => g.floor)
      ? [
          "The floor is what no turn run as a Temporal workflow can go below, against the same baseline: for CPU, the baseline's own all-process CPU (the relay any design does) plus a bare one-activity workflow's at the same shape and concurrency (its client + worker process and the Temporal server); for first token, the baseline's plus the bare workflow's start() → activity running p50 (see \"Temporal floor\" under CPU per completion).",
          '',
        ]
      : []),
    '## Latency',
    '',
    latencyTable(results),
    '',
    '## Throughput',
    '',
    throughputTable(results),
    '',
    cpuSection(results),
    '',
    '## Temporal history per completion (Longhaul only)',
    '',
    historyTable(results),
    '',
    '## Cancel request → `abort` at the client',
    '',
    cancelTable(results),
    '',
    '## Resident memory per open stream',
    '',
    memoryTable(results),
    '',
    '## Memory over a soak (Longhaul only)',
    '',
    soakSection(results),
    '',
    '## Diagnosis',
    '',
    diagnosis(results),
    ...(results.notes.length ? ['', '## Notes', '', ...results.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

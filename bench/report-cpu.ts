/**
 * Issue 17's part of the Markdown report: CPU per completion by process group in each system, and the summary
 * table README's Performance section quotes (same rows as the issue's), ready to paste.
 */
import {
  cpuPerCompletion,
  cpuPhases,
  floorCpuPerCompletion,
  RELAYED_FLOORS,
  type CpuPerCompletion,
} from './cpu-per-completion.js';
import type { LatencyFigures } from './phases/latency.js';
import type { Distribution } from './stats.js';
import { round } from './stats.js';
import type { BenchResults, SystemFigures } from './results.js';
import type { SystemName } from './target.js';

const SYSTEMS = [
  ['baseline', 'baseline'],
  ['longhaul', 'Longhaul, `npm start`'],
  ['production', 'Longhaul, `server.ts` + `worker.ts`'],
] as const satisfies readonly (readonly [SystemName, string])[];

const FLOOR_LABEL = 'Temporal floor (bare workflow)';

const fmt = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? '–' : round(value, digits).toLocaleString('en-US');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
const figuresOf = (results: BenchResults, system: SystemName): SystemFigures | undefined => results[system];

function breakdownTable(results: BenchResults): string {
  const rows: string[][] = [];
  for (const { label, pick, pickFloor, relayedFloors = [] } of cpuPhases(results)) {
    const base = cpuPerCompletion('baseline', pick(results.baseline));
    for (const [system, name] of SYSTEMS) {
      const figures = figuresOf(results, system);
      const cpu: CpuPerCompletion | undefined = figures ? cpuPerCompletion(system, pick(figures)) : undefined;
      const own = system === 'production' ? `${fmt(cpu?.api)} + ${fmt(cpu?.worker)}` : fmt(cpu?.system);
      rows.push([
        label,
        name,
        String(cpu?.completions ?? 0),
        own,
        fmt(cpu?.temporal),
        fmt(cpu?.postgres),
        fmt(cpu?.redis),
        fmt(cpu?.all),
        cpu && base ? `${round(cpu.all / base.all, 2)}×` : '–',
      ]);
    }
    const floors = [
      [FLOOR_LABEL, floorCpuPerCompletion(pickFloor(results.floor)), false],
      ...relayedFloors.map(
        (relayed) => [relayed.label, floorCpuPerCompletion(relayed.pick(results.floor)), true] as const,
      ),
    ] as const;
    for (const [name, floor, relays] of floors) {
      if (!floor) continue;
      rows.push([
        label,
        name,
        String(floor.completions),
        fmt(floor.own),
        fmt(floor.temporal),
        relays ? fmt(floor.postgres) : '–',
        relays ? fmt(floor.redis) : '–',
        fmt(floor.all),
        base ? `${round(floor.all / base.all, 2)}×` : '–',
      ]);
    }
  }
  return table(
    [
      'phase',
      'system',
      'completions',
      'own process(es) ms (production: API + worker)',
      'Temporal ms',
      'Postgres ms',
      'Redis ms',
      'all ms',
      'all ÷ baseline',
    ],
    rows,
  );
}

/** Beside the systems' first-token figures: how long a bare workflow's activity waits to start. */
function floorLatencyTable(results: BenchResults): string {
  const ttft = (figures: LatencyFigures | undefined) => {
    const d = figures?.ttftRaw;
    return d && d.count > 0 ? fmt(d.p50, 1) : '–';
  };
  const rows = cpuPhases(results).flatMap(({ label, pick, pickFloor }) => {
    const floor = pickFloor(results.floor);
    if (!floor) return [];
    const wait = floor.startToActivity;
    const base = pick(results.baseline)?.ttftRaw;
    return [
      [
        label,
        String(wait.count),
        `${fmt(wait.p50, 1)} / ${fmt(wait.p99, 1)}`,
        ...SYSTEMS.map(([system]) => {
          const figures = figuresOf(results, system);
          return ttft(figures ? pick(figures) : undefined);
        }),
        base && base.count > 0 ? fmt(base.p50 + wait.p50, 1) : '–',
      ],
    ];
  });
  if (rows.length === 0) return 'Not measured (see Notes).';
  return table(
    [
      'phase',
      'completions',
      'start() → activity running p50 / p99 (ms)',
      ...SYSTEMS.map(([, name]) => `${name} time to first token p50 (ms)`),
      'floor: baseline + start() → activity p50 (ms)',
    ],
    rows,
  );
}

function readmeTable(results: BenchResults): string {
  const cell = (system: SystemName, value: (f: SystemFigures) => number | undefined, digits = 0) => {
    const figures = figuresOf(results, system);
    return fmt(figures ? value(figures) : undefined, digits);
  };
  const rows: string[][] = [];
  for (const { label, pick } of cpuPhases(results)) {
    rows.push([
      `CPU per completion, ${label} (ms, all processes; Temporal in brackets)`,
      ...SYSTEMS.map(([system]) => {
        const figures = figuresOf(results, system);
        const cpu = figures ? cpuPerCompletion(system, pick(figures)) : undefined;
        return cpu ? `${fmt(cpu.all)} (${fmt(cpu.temporal)})` : '–';
      }),
    ]);
  }
  const at =
    (c: number, pick: (l: NonNullable<SystemFigures['latency'][number]>) => Distribution) => (f: SystemFigures) => {
      const phase = f.latency.find((l) => l.concurrency === c);
      return phase ? pick(phase).p50 : undefined;
    };
  const { shape, longAnswer } = results.plan;
  rows.push(
    [
      `time to first token p50, c=1 (ms, incl. ${shape.firstDelayMs} ms model delay)`,
      ...SYSTEMS.map(([s]) =>
        cell(
          s,
          at(1, (l) => l.ttftRaw),
          1,
        ),
      ),
    ],
    [
      'time to first token p50, c=10 (ms)',
      ...SYSTEMS.map(([s]) =>
        cell(
          s,
          at(10, (l) => l.ttftRaw),
          1,
        ),
      ),
    ],
    [
      `time to first token p50, c=${longAnswer.concurrency}, ${longAnswer.shape.chunks} chunks (ms)`,
      ...SYSTEMS.map(([s]) => cell(s, (f) => f.longAnswer?.ttftRaw.p50, 1)),
    ],
    [
      `chunk latency p50, c=50, ${shape.chunks} chunks (ms)`,
      ...SYSTEMS.map(([s]) =>
        cell(
          s,
          at(50, (l) => l.chunkLatency),
          1,
        ),
      ),
    ],
  );
  return table(['figure', ...SYSTEMS.map(([, name]) => name)], rows);
}

export function cpuSection(results: BenchResults): string {
  return [
    '## CPU per completion by process group (issue 17)',
    '',
    'CPU time read from /proc around each phase, divided by the completions of the phase: the system\'s own processes, then Temporal (the dev server), Postgres (postmaster, background processes and the bench database\'s backends) and Redis. "All" is their sum; the bench process (load generator and model server) is left out for every system. Temporal, Postgres and Redis also idle between requests, which counts against every system alike (the baseline uses none of them).',
    '',
    ...(results.plan.profile
      ? [
          "**This run had `--profile`: the profiler's sampling counts in the `npm start` process's figures (not in the production topology's). Quote CPU figures from a run without it.**",
          '',
        ]
      : []),
    breakdownTable(results),
    '',
    `"${FLOOR_LABEL}" is a workflow that runs one activity as long as the phase's answer streams (eager start and eager activity, client and worker in one process of its own, no Postgres or Redis), at the phase's concurrency and count (\`bench/temporal-floor.ts\`): its own process and the Temporal server are what any turn run as a Temporal workflow costs before it does anything of its own. A Longhaul-shaped turn's floor is the baseline's row plus this one (the goals table gives that sum).`,
    ...RELAYED_FLOORS.map((floor) => `"${floor.label}" ${floor.explains}`),
    '',
    '### Temporal floor: start() → activity running',
    '',
    "How long a bare workflow's activity (the model call) waits after `start()`: the least Temporal adds to a first token. Time to first token is raw (request sent → first text chunk, the model's own delay included).",
    '',
    floorLatencyTable(results),
    '',
    '### For README (Performance)',
    '',
    readmeTable(results),
  ].join('\n');
}

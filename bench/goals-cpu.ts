/**
 * The goals of issue 17, as ratios to the baseline measured in the same run: CPU per completion over every
 * process involved, first-token time and chunk latency in both Longhaul topologies, and the production topology
 * against `npm start`. CPU and first-token goals also give the floor's figure against the same baseline: the
 * baseline plus a bare one-activity Temporal workflow at the same shape (phases/floor.ts), what no turn that is a
 * Temporal workflow can go below; for the long answers also with the relay the brief's shape requires, and with
 * what a resumable turn that survives a worker's death adds to it.
 */
import { cpuPerCompletion, floorCpuPerCompletion, RELAYED_FLOORS, type RelayedFloor } from './cpu-per-completion.js';
import type { FloorFigures } from './floor/measure.js';
import type { LatencyFigures } from './phases/latency.js';
import type { BenchResults, FloorPhases, GoalResult, SystemFigures } from './results.js';
import { round } from './stats.js';
import type { SystemName } from './target.js';

const TOPOLOGIES = [
  ['longhaul', '`npm start`'],
  ['production', 'server.ts + worker.ts'],
] as const satisfies readonly (readonly [SystemName, string])[];

const ms = (value: number) => `${round(value, 1)} ms`;
const latencyAt = (figures: SystemFigures | undefined, c: number) => figures?.latency.find((l) => l.concurrency === c);
const noSamples = (goal: string, target: string): GoalResult => ({ goal, target, measured: 'no samples', pass: false });

type Results = Pick<BenchResults, 'baseline' | 'longhaul' | 'production' | 'plan' | 'floor'>;
type PickFloor = (floor: FloorPhases) => FloorFigures | undefined;

/** `value` as the goal shows it, and whether the floor itself already misses the target. */
const floorNote = (value: string, meets: boolean) => `floor: ${value}${meets ? '' : ', over the target'}`;

function cpuGoal(
  results: Results,
  label: string,
  pick: (f: SystemFigures) => LatencyFigures | undefined,
  pickFloor: PickFloor,
  max: number,
  relayedFloors: readonly RelayedFloor[] = [],
): GoalResult[] {
  const base = cpuPerCompletion('baseline', pick(results.baseline));
  // The relay any design does (the baseline's own processes and services) plus a bare workflow's client, worker
  // and Temporal server; with the relay, plus what the brief's shape adds to that: each chunk through Redis
  // pub/sub and the turn stored in Postgres (and, resumable, what resuming and liveness add).
  const floorOf = (pickOne: PickFloor) => {
    const bare = results.floor ? floorCpuPerCompletion(pickOne(results.floor)) : undefined;
    return base && bare ? base.all + bare.all : undefined;
  };
  const floor = floorOf(pickFloor);
  const relayed = relayedFloors.flatMap((relayedFloor) => {
    const value = floorOf(relayedFloor.pick);
    return value === undefined ? [] : [{ note: relayedFloor.note, value }];
  });
  const versus = (value: number) => `${ms(value)} (${round(value / base!.all, 2)}×)`;
  const fullest = relayed.at(-1)?.value ?? floor;
  const note =
    base && floor !== undefined && fullest !== undefined
      ? {
          floor: floorNote(
            [versus(floor), ...relayed.map((r) => `${r.note} ${versus(r.value)}`)].join('; '),
            fullest <= max * base.all,
          ),
        }
      : {};
  return TOPOLOGIES.map(([system, name]) => {
    const goal = `CPU per completion (all processes), ${label}, ${name}`;
    const target = `≤ ${max}× baseline`;
    const figures = results[system];
    const lh = figures ? cpuPerCompletion(system, pick(figures)) : undefined;
    if (!base || !lh) return { ...noSamples(goal, target), ...note };
    return {
      goal,
      target,
      measured: `${ms(lh.all)} vs ${ms(base.all)} (${round(lh.all / base.all, 2)}×)`,
      pass: lh.all <= max * base.all,
      ...note,
    };
  });
}

/** A first-token goal: its ceiling given the baseline's p50, and how a p50 compares with the baseline's. */
interface TtftLimit {
  max: (base: number) => number;
  versus: (base: number, value: number) => string;
}

/** Time to first token's floor: the baseline's plus a bare workflow's start() → activity running, p50. */
function ttftFloor(
  results: Results,
  pick: (f: SystemFigures) => LatencyFigures | undefined,
  pickFloor: PickFloor,
  limit: TtftLimit,
): string | undefined {
  const base = pick(results.baseline)?.ttftRaw;
  const bare = results.floor ? pickFloor(results.floor)?.startToActivity : undefined;
  if (!base || !bare || base.count === 0 || bare.count === 0) return undefined;
  const floor = base.p50 + bare.p50;
  return floorNote(`${ms(floor)} (${limit.versus(base.p50, floor)})`, floor <= limit.max(base.p50));
}

function ttftGoal(
  results: Results,
  goal: string,
  target: string,
  pick: (f: SystemFigures) => LatencyFigures | undefined,
  pickFloor: PickFloor,
  limit: TtftLimit,
): GoalResult[] {
  return latencyGoal(
    results,
    goal,
    target,
    (f) => pick(f)?.ttftRaw,
    (b, l) => [l <= limit.max(b), `${ms(l)} vs ${ms(b)} (${limit.versus(b, l)})`],
    ttftFloor(results, pick, pickFloor, limit),
  );
}

function latencyGoal(
  results: Results,
  goal: string,
  target: string,
  pick: (f: SystemFigures) => { p50: number; count: number } | undefined,
  test: (base: number, lh: number) => [boolean, string],
  floor?: string,
): GoalResult[] {
  const note = floor ? { floor } : {};
  return TOPOLOGIES.map(([system, name]) => {
    const base = pick(results.baseline);
    const figures = results[system];
    const lh = figures ? pick(figures) : undefined;
    if (!base || !lh || base.count === 0 || lh.count === 0)
      return { ...noSamples(`${goal}, ${name}`, target), ...note };
    const [pass, measured] = test(base.p50, lh.p50);
    return { goal: `${goal}, ${name}`, target, measured, pass, ...note };
  });
}

export function evaluateCpuGoals(results: Results): GoalResult[] {
  const { plan } = results;
  const long = plan.longAnswer;
  const chunks = plan.shape.chunks;
  const floorAt = (c: number) => (floor: FloorPhases) => floor.latency.find((l) => l.concurrency === c);
  const longFloor = (floor: FloorPhases) => floor.longAnswer;
  const goals: GoalResult[] = [
    ...cpuGoal(results, `${chunks} chunks, c=50`, (f) => latencyAt(f, 50), floorAt(50), 4),
    ...cpuGoal(
      results,
      `${long.shape.chunks} chunks, c=${long.concurrency}`,
      (f) => f.longAnswer,
      longFloor,
      2.5,
      RELAYED_FLOORS,
    ),
    ...cpuGoal(results, `${chunks} chunks, c=1`, (f) => latencyAt(f, 1), floorAt(1), 3),
    ...ttftGoal(
      results,
      'time to first token p50 (raw), c=1',
      '≤ baseline + 25 ms',
      (f) => latencyAt(f, 1),
      floorAt(1),
      {
        max: (b) => b + 25,
        versus: (b, v) => `+${ms(v - b)}`,
      },
    ),
    ...ttftGoal(
      results,
      `time to first token p50 (raw), ${long.shape.chunks} chunks, c=${long.concurrency}`,
      '≤ 3× baseline',
      (f) => f.longAnswer,
      longFloor,
      { max: (b) => 3 * b, versus: (b, v) => `${round(v / b, 2)}×` },
    ),
    ...latencyGoal(
      results,
      `chunk latency p50, ${chunks} chunks, c=50`,
      '≤ baseline + 5 ms',
      (f) => latencyAt(f, 50)?.chunkLatency,
      (b, l) => [l <= b + 5, `${ms(l)} vs ${ms(b)} (+${ms(l - b)})`],
    ),
  ];

  const npmStart = cpuPerCompletion('longhaul', latencyAt(results.longhaul, 10));
  const production = results.production ? cpuPerCompletion('production', latencyAt(results.production, 10)) : undefined;
  goals.push(
    npmStart && production
      ? {
          goal: 'production topology vs `npm start`: CPU per completion, c=10',
          target: '≤ 1.1× `npm start`',
          measured: `${ms(production.all)} vs ${ms(npmStart.all)} (${round(production.all / npmStart.all, 2)}×)`,
          pass: production.all <= 1.1 * npmStart.all,
        }
      : noSamples('production topology vs `npm start`: CPU per completion, c=10', '≤ 1.1× `npm start`'),
  );
  const ttft = (f: SystemFigures | undefined) => latencyAt(f, 10)?.ttftRaw;
  const a = ttft(results.longhaul);
  const b = ttft(results.production);
  goals.push(
    a && b && a.count > 0 && b.count > 0
      ? {
          goal: 'production topology vs `npm start`: time to first token p50, c=10',
          target: '≤ 1.1× `npm start`',
          measured: `${ms(b.p50)} vs ${ms(a.p50)} (${round(b.p50 / a.p50, 2)}×)`,
          pass: b.p50 <= 1.1 * a.p50,
        }
      : noSamples('production topology vs `npm start`: time to first token p50, c=10', '≤ 1.1× `npm start`'),
  );

  const lost = [results.longhaul, results.production].reduce(
    (sum, f) => sum + (f?.latency.reduce((s, l) => s + l.lost, 0) ?? 0) + (f?.longAnswer?.lost ?? 0),
    0,
  );
  goals.push({
    goal: 'chunks lost, both topologies (latency and long-answer phases)',
    target: '0',
    measured: String(lost),
    pass: lost === 0,
  });
  return goals;
}

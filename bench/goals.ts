/**
 * The goals of issue 6, as ratios to the baseline measured in the same run (the load generator shares the
 * cores, so absolute figures are not comparable across runs).
 */
import type { Distribution } from './stats.js';
import { round } from './stats.js';
import type { BenchResults, GoalResult, SystemFigures } from './results.js';

const HISTORY_MAX_EVENTS = 30;
const HISTORY_MAX_BYTES = 20 * 1024;
const CANCEL_P99_MS = 300;
/** "Flat" allows ids of different lengths, not growth: same event count, bytes within 10%. */
const FLAT_BYTES_TOLERANCE = 0.1;

const latencyAt = (system: SystemFigures, concurrency: number) =>
  system.latency.find((l) => l.concurrency === concurrency);
const ms = (value: number) => `${round(value, 1)} ms`;

function within(
  goal: string,
  target: string,
  base: Distribution | undefined,
  lh: Distribution | undefined,
  test: (b: Distribution, l: Distribution) => [boolean, string],
): GoalResult {
  if (!base || !lh || base.count === 0 || lh.count === 0) return { goal, target, measured: 'no samples', pass: false };
  const [pass, measured] = test(base, lh);
  return { goal, target, measured, pass };
}

export function evaluateGoals(results: Pick<BenchResults, 'baseline' | 'longhaul' | 'history' | 'plan'>): GoalResult[] {
  const { baseline, longhaul } = results;
  const goals: GoalResult[] = [];
  const ttft = (c: number) => [latencyAt(baseline, c)?.ttftOverhead, latencyAt(longhaul, c)?.ttftOverhead] as const;
  for (const [c, extra] of [
    [1, 15],
    [10, 25],
  ] as const) {
    goals.push(
      within(`time to first token p50, c=${c}`, `≤ baseline + ${extra} ms`, ...ttft(c), (b, l) => [
        l.p50 <= b.p50 + extra,
        `${ms(l.p50)} vs ${ms(b.p50)} (+${ms(l.p50 - b.p50)})`,
      ]),
    );
  }
  for (const p of ['p50', 'p99'] as const) {
    goals.push(
      within(`time to first token ${p}, c=50`, '≤ 1.5× baseline', ...ttft(50), (b, l) => [
        l[p] <= 1.5 * b[p],
        `${ms(l[p])} vs ${ms(b[p])} (${round(l[p] / b[p], 2)}×)`,
      ]),
    );
  }
  for (const c of results.plan.concurrencies) {
    const pair = [latencyAt(baseline, c)?.chunkLatency, latencyAt(longhaul, c)?.chunkLatency] as const;
    goals.push(
      within(`chunk latency p50, c=${c}`, '≤ baseline + 1 ms', ...pair, (b, l) => [
        l.p50 <= b.p50 + 1,
        `${ms(l.p50)} vs ${ms(b.p50)} (+${ms(l.p50 - b.p50)})`,
      ]),
      within(`chunk latency p99, c=${c}`, '≤ 1.5× baseline', ...pair, (b, l) => [
        l.p99 <= 1.5 * b.p99,
        `${ms(l.p99)} vs ${ms(b.p99)} (${round(l.p99 / b.p99, 2)}×)`,
      ]),
    );
  }

  const base = baseline.throughput?.sustained?.chunksPerSecond;
  const lh = longhaul.throughput?.sustained?.chunksPerSecond ?? 0;
  goals.push({
    goal: 'sustained throughput (p99 chunk latency ≤ 50 ms)',
    target: '≥ 0.6× baseline chunks/s',
    measured: base ? `${lh} vs ${base} chunks/s (${round(lh / base, 2)}×)` : 'baseline never stayed within the limit',
    pass: base ? lh >= 0.6 * base : null,
  });
  const lost = (longhaul.throughput?.lost ?? 0) + longhaul.latency.reduce((sum, l) => sum + l.lost, 0);
  goals.push({
    goal: 'chunks lost (latency + throughput phases)',
    target: '0',
    measured: String(lost),
    pass: lost === 0,
  });

  const history = results.history;
  if (history) {
    const { oneTurn, longThread } = history.worst;
    for (const [label, figures] of [
      ['1-turn', oneTurn],
      [`${history.priorTurns + 1}-turn`, longThread],
    ] as const) {
      goals.push({
        goal: `history per completion, ${label} thread`,
        target: `≤ ${HISTORY_MAX_EVENTS} events, ≤ 20 KB`,
        measured: `${figures.events} events, ${round(figures.bytes / 1024, 1)} KB`,
        pass: figures.events <= HISTORY_MAX_EVENTS && figures.bytes <= HISTORY_MAX_BYTES,
      });
    }
    const flat =
      longThread.events === oneTurn.events &&
      Math.abs(longThread.bytes - oneTurn.bytes) <= FLAT_BYTES_TOLERANCE * oneTurn.bytes;
    goals.push({
      goal: 'history flat from 1 to 200 turns',
      target: 'same events, bytes ±10%',
      measured: `${oneTurn.events} → ${longThread.events} events, ${oneTurn.bytes} → ${longThread.bytes} B`,
      pass: flat,
    });
  } else {
    goals.push({
      goal: 'history per completion',
      target: `≤ ${HISTORY_MAX_EVENTS} events, ≤ 20 KB, flat`,
      measured: 'not measured',
      pass: false,
    });
  }

  for (const figures of longhaul.cancel) {
    const goal = `cancel → abort p99, c=${figures.concurrency}`;
    const target = `≤ ${CANCEL_P99_MS} ms`;
    if (!figures.available)
      goals.push({ goal, target, measured: `not available yet (HTTP ${figures.refusedStatus})`, pass: null });
    else if (!figures.latency)
      goals.push({ goal, target, measured: `no abort received (${figures.failures.join('; ')})`, pass: false });
    else
      goals.push({
        goal,
        target,
        measured: ms(figures.latency.p99),
        pass: figures.latency.p99 <= CANCEL_P99_MS && figures.failures.length === 0,
      });
  }
  return goals;
}

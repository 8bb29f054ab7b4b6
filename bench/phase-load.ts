/**
 * What the machine was doing while a phase ran: CPU by process group (cpu-meter.ts) and this process's event
 * loop delay. Everything in-process shares one event loop, so a long p99 chunk latency that matches a long
 * event-loop delay points at main-thread work, not at the network hops.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CpuMeter, CpuShares } from './cpu-meter.js';
import { round } from './stats.js';

export interface PhaseLoad {
  durationMs: number;
  cpu: CpuShares | undefined;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

/** The histogram records the timer interval itself; it is subtracted so an idle loop reads ~0. */
const RESOLUTION_MS = 2;

export async function withPhaseLoad<T>(meter: CpuMeter, run: () => Promise<T>): Promise<{ value: T; load: PhaseLoad }> {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const stopCpu = meter.start();
  const startedAt = performance.now();
  try {
    const value = await run();
    const cpu = stopCpu();
    const durationMs = round(performance.now() - startedAt, 0);
    const ms = (ns: number) => round(Math.max(0, ns / 1e6 - RESOLUTION_MS), 1);
    return { value, load: { durationMs, cpu, eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) } } };
  } finally {
    delay.disable();
  }
}

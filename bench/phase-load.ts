/**
 * What the machine was doing while a phase ran: CPU by process group (cpu-meter.ts) and event loop delay in the
 * system's own process and in the load process. A long p99 chunk latency that matches a long delay in the
 * system's process points at its main-thread work; one that matches a long delay in the load process means the
 * client read the chunk late, for either system.
 */
import type { CpuMeter, CpuShares } from './cpu-meter.js';
import { startLoopDelay, type LoopDelay } from './loop-delay.js';
import { round } from './stats.js';
import { aroundCalls, type SystemChild } from './system-child.js';

export interface PhaseLoad {
  durationMs: number;
  cpu: CpuShares | undefined;
  /** In the process of the system the phase measured. */
  eventLoopDelayMs: LoopDelay;
  /** In the load process (load generator and model server). */
  loadEventLoopDelayMs: LoopDelay;
}

export interface PhaseMeter {
  cpu: CpuMeter;
  /** The process of the system the phase measures. */
  system: Pick<SystemChild, 'call'>;
}

export async function withPhaseLoad<T>(
  meter: PhaseMeter,
  run: () => Promise<T>,
): Promise<{ value: T; load: PhaseLoad }> {
  const { value: measured, stopped: eventLoopDelayMs } = await aroundCalls(
    meter.system,
    ['loop-start', {}],
    'loop-stop',
    async () => {
      const stopLoadDelay = startLoopDelay();
      const stopCpu = meter.cpu.start();
      const startedAt = performance.now();
      try {
        const value = await run();
        const cpu = stopCpu();
        return {
          value,
          cpu,
          durationMs: round(performance.now() - startedAt, 0),
          loadEventLoopDelayMs: stopLoadDelay(),
        };
      } catch (error) {
        stopLoadDelay();
        throw error;
      }
    },
  );
  const { value, ...load } = measured;
  return { value, load: { ...load, eventLoopDelayMs } };
}

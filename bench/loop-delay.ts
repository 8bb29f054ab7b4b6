/**
 * Event loop delay of the process this runs in, between start() and the call of what it returns. A long p99
 * chunk latency that matches a long delay here points at main-thread work, not at the network hops.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { round } from './stats.js';

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** The histogram records the timer interval itself; it is subtracted so an idle loop reads ~0. */
const RESOLUTION_MS = 2;

export function startLoopDelay(): () => LoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return () => {
    histogram.disable();
    const ms = (ns: number) => round(Math.max(0, ns / 1e6 - RESOLUTION_MS), 1);
    return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
  };
}

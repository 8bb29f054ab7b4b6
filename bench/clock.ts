/**
 * One clock for every timestamp in the bench: `performance.timeOrigin + performance.now()`, sub-millisecond
 * unlike Date.now(), and comparable across processes on one machine — the hop tracer in Longhaul's child process
 * compares its receive times with the emit stamps the model server writes in the bench process.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One clock for every timestamp in the bench: the model server, the load generator and the instrumentation run
 * in the same process, so emit and receive times are directly comparable. Sub-millisecond, unlike Date.now().
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

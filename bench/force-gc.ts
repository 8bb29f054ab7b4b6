/**
 * A full garbage collection on demand, so memory deltas compare live objects rather than GC timing. Only the
 * systems' child processes measure memory, and system-child.ts starts them with --expose-gc.
 */
export function forceGc(): void {
  if (!globalThis.gc) throw new Error('forceGc needs node --expose-gc');
  globalThis.gc();
  globalThis.gc();
}

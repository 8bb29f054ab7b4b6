/**
 * An append-only list that tests can await ("until 2 requests arrived") instead of sleeping and hoping.
 * A failed wait says what did arrive, which is what a failing test needs to show.
 */

export interface WaitableList<T> {
  readonly items: T[];
  push(item: T): void;
  /** Resolves with a snapshot once there are at least `count` items; rejects after `timeoutMs` or `cancelAll`. */
  waitFor(count: number, timeoutMs: number): Promise<T[]>;
  clear(): void;
  cancelAll(reason: string): void;
}

interface Waiter {
  count: number;
  resolve(): void;
  reject(err: Error): void;
}

export function createWaitableList<T>(label: string): WaitableList<T> {
  const items: T[] = [];
  const waiters = new Set<Waiter>();

  return {
    items,
    push(item) {
      items.push(item);
      for (const waiter of waiters) if (items.length >= waiter.count) waiter.resolve();
    },
    waitFor(count, timeoutMs) {
      if (items.length >= count) return Promise.resolve([...items]);
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter: Waiter = {
          count,
          resolve: () => (done(), resolve([...items])),
          reject: (err) => (done(), reject(err)),
        };
        const timer = setTimeout(
          () =>
            waiter.reject(
              new Error(`timed out after ${timeoutMs} ms waiting for ${count} ${label}; got ${items.length}`),
            ),
          timeoutMs,
        );
        waiters.add(waiter);
      });
    },
    clear() {
      items.length = 0;
    },
    cancelAll(reason) {
      for (const waiter of waiters) waiter.reject(new Error(`stopped waiting for ${label}: ${reason}`));
    },
  };
}

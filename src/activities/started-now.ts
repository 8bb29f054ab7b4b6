/**
 * An async iterable whose first `next()` is already in flight: a provider stream starts its HTTP request now,
 * while the caller publishes the step's opening chunks, instead of when the caller gets round to reading it.
 * A failure of that first read surfaces when it is read, as it would have without this.
 */
export function startedNow<T>(iterable: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | undefined = iterator.next();
  first.catch(() => {});
  return {
    [Symbol.asyncIterator]: () => ({
      next() {
        const pending = first;
        first = undefined;
        return pending ?? iterator.next();
      },
      return(value?: unknown) {
        first = undefined;
        return iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined });
      },
    }),
  };
}

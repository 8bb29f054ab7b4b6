/** `concurrency` clients, each starting its next run as soon as its previous one ends, `total` runs in all. */
export async function closedLoop<T>(concurrency: number, total: number, run: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let started = 0;
  const client = async () => {
    while (started < total) {
      started += 1;
      results.push(await run());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return results;
}

/**
 * `npm run histories:record`: runs only the history recorder, on the same global setup as `npm test` (stack,
 * fresh database, pre-built workflow bundle), so the scenarios drive the real harness. One file, in order.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/replay/record-histories.record.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});

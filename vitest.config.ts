import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `longhaul` in examples/ (a package of its own) resolves as tsconfig.json's paths say, as it does under tsx.
  resolve: { tsconfigPaths: true },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/web/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});

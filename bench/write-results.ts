/**
 * bench/results/latest.{json,md} plus a timestamped copy of each, so earlier runs stay comparable. A labelled
 * run (an experiment) writes only its timestamped copy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from './results.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

export function writeResults(results: BenchResults, markdown: string): string[] {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const label = results.plan.label ? `-${results.plan.label}` : '';
  const stamp = `${results.startedAt.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}-${results.plan.mode}${label}`;
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const files = [
    ...(label
      ? []
      : ([
          [`${RESULTS_DIR}latest.json`, json],
          [`${RESULTS_DIR}latest.md`, markdown],
        ] as const)),
    [`${RESULTS_DIR}${stamp}.json`, json],
    [`${RESULTS_DIR}${stamp}.md`, markdown],
  ] as const;
  for (const [path, text] of files) writeFileSync(path, text);
  return files.map(([path]) => path);
}

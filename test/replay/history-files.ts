/**
 * The recorded workflow histories under test/replay/histories: one scenario per workflow shape, named
 * `<scenario>.completion.json` (the completionWorkflow run), `<scenario>.tool.json` (its toolCallWorkflow
 * child, where the scenario has one), `<scenario>.subagent.json` (a sub-agent's own completion) and
 * `<scenario>.scheduled.json` (a scheduledRunWorkflow run). The recorder writes exactly these files and the replay
 * test expects them, so a shape cannot silently drop out of the suite.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));
/**
 * Histories kept by hand from before a `patched()` change (see CONTRIBUTING.md): the recorder never writes or
 * deletes here, and the replay test replays them too, until the patch's removal makes them obsolete.
 */
export const LEGACY_SUBDIR = 'legacy';

export type HistoryKind = 'completion' | 'tool' | 'subagent' | 'scheduled';

/** Scenario name → the workflows whose histories it records. */
export const SCENARIOS = {
  'plain-completion': ['completion'],
  'inline-tools': ['completion'],
  'durable-tool': ['completion', 'tool'],
  'approval-approved': ['completion', 'tool'],
  'approval-denied': ['completion', 'tool'],
  'approval-signalled': ['completion', 'tool'],
  'approval-signal-without-digest': ['completion', 'tool'],
  'approval-expired': ['completion', 'tool'],
  'cancelled-streaming': ['completion'],
  'cancelled-awaiting-approval': ['completion', 'tool'],
  'stopped-worker-shutdown': ['completion'],
  'retried-model-call': ['completion'],
  'failed-model-call': ['completion'],
  'background-tool': ['completion', 'tool'],
  'double-text-enqueued': ['completion'],
  'structured-output-repaired': ['completion'],
  'research-subagent': ['completion', 'tool', 'subagent'],
  steered: ['completion'],
  'context-compacted': ['completion'],
  'scheduled-run': ['scheduled', 'completion'],
  'continued-as-new': ['completion'],
} as const satisfies Record<string, readonly HistoryKind[]>;

export type Scenario = keyof typeof SCENARIOS;

export function historyFileName(scenario: Scenario, kind: HistoryKind): string {
  return `${scenario}.${kind}.json`;
}

export const EXPECTED_HISTORY_FILES: string[] = Object.entries(SCENARIOS)
  .flatMap(([scenario, kinds]) => kinds.map((kind) => historyFileName(scenario as Scenario, kind)))
  .sort();

export function recordedHistoryFiles(): string[] {
  return readdirSync(HISTORIES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** Legacy histories as paths relative to HISTORIES_DIR (`legacy/<name>.json`); none is normal. */
export function legacyHistoryFiles(): string[] {
  const dir = `${HISTORIES_DIR}${LEGACY_SUBDIR}`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => `${LEGACY_SUBDIR}/${name}`);
}

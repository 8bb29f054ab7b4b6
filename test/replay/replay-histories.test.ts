/**
 * Replay safety (CONTRIBUTING.md): every recorded history in test/replay/histories must replay against the
 * current workflow bundle, the one `npm test` builds from src/workflows. A run that has waited days for an
 * approval is resumed by replaying its history through whatever workflow code is deployed then; a change that
 * alters the command sequence without `patched()` fails here, naming the history it would break.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Not re-exported from the package root; proto-utils is the SDK's documented home of the JSON converters.
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { bundleWorkflows } from '../../src/runtime/bundle-workflows.js';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { EXPECTED_HISTORY_FILES, HISTORIES_DIR, legacyHistoryFiles, recordedHistoryFiles } from './history-files.js';

const REORDERED_WORKFLOWS_PATH = fileURLToPath(new URL('./fixtures/reordered-workflows.ts', import.meta.url));
const PATCHED_WORKFLOWS_PATH = fileURLToPath(new URL('./fixtures/patched-workflows.ts', import.meta.url));

function loadHistory(file: string): History {
  return historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
}

/** Replays each file (its name doubles as the workflow id) and returns the outcome per file. */
async function replayAll(
  workflowBundle: { codePath: string } | { code: string },
  files: string[],
): Promise<Map<string, ReplayResult>> {
  const results = new Map<string, ReplayResult>();
  const histories = files.map((file) => ({ workflowId: file, history: loadHistory(file) }));
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories))
    results.set(result.workflowId, result);
  return results;
}

beforeAll(() => {
  try {
    // The negative test makes the SDK core log one "Failing workflow task" warning per history; keep it quiet.
    Runtime.install({
      shutdownSignals: [],
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  } catch {
    // already installed in this process
  }
});

describe('recorded workflow histories replay against the current workflow code', () => {
  // The recorder's files, plus any kept from before a patched() change.
  const files = [...EXPECTED_HISTORY_FILES, ...legacyHistoryFiles()];
  let results: Map<string, ReplayResult>;
  beforeAll(async () => {
    results = await replayAll({ codePath: inject('workflowBundlePath') }, [
      ...recordedHistoryFiles(),
      ...legacyHistoryFiles(),
    ]);
  });

  it('has a history for every workflow shape the recorder stages, and nothing else', () => {
    expect(recordedHistoryFiles()).toEqual(EXPECTED_HISTORY_FILES);
  });

  it.each(files)('replays %s deterministically', (file) => {
    const result = results.get(file);
    expect(result, `${file} was not replayed`).toBeDefined();
    if (result?.error) {
      throw new Error(
        `${file} does not replay against the current workflow code: ${result.error.name}: ${result.error.message}`,
        {
          cause: result.error,
        },
      );
    }
  });
});

describe('the replay suite catches an unguarded reordering', () => {
  let reordered: { code: string };
  beforeAll(async () => {
    reordered = await bundleWorkflows(REORDERED_WORKFLOWS_PATH);
  });

  it('rejects a recorded completion with a DeterminismViolationError when callModel runs before beginCompletion', async () => {
    // A history from before local bookkeeping schedules beginCompletion as an activity: the reordering shows as is.
    const file = 'legacy/plain-completion.completion.pre-local-bookkeeping.json';
    const error = await Worker.runReplayHistory({ workflowBundle: reordered }, loadHistory(file), file).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect((error as Error).message).toMatch(/nondeterminism/i);
    expect((error as Error).message).toMatch(/beginCompletion|callModel/);
  });

  it('fails every recorded completion history (sub-agents included), and still replays the unchanged tool-call and scheduled-run histories', async () => {
    const files = recordedHistoryFiles();
    const outcomes = await replayAll(reordered, files);
    const isCompletion = (file: string) => file.endsWith('.completion.json') || file.endsWith('.subagent.json');
    const failed = files.filter((file) => outcomes.get(file)?.error instanceof DeterminismViolationError);
    expect(failed).toEqual(files.filter(isCompletion));
    const otherErrors = files
      .filter((file) => !isCompletion(file))
      .flatMap((file) => (outcomes.get(file)?.error ? [`${file}: ${outcomes.get(file)!.error!.message}`] : []));
    expect(otherErrors).toEqual([]);
  });
});

describe('the same reordering guarded by patched()', () => {
  it('replays every recorded history: old runs keep the old command sequence', async () => {
    const patchedBundle = await bundleWorkflows(PATCHED_WORKFLOWS_PATH);
    const files = [...recordedHistoryFiles(), ...legacyHistoryFiles()];
    const outcomes = await replayAll(patchedBundle, files);
    const errors = files.flatMap((file) =>
      outcomes.get(file)?.error ? [`${file}: ${outcomes.get(file)!.error!.message}`] : [],
    );
    expect(errors).toEqual([]);
    expect([...outcomes.keys()].sort()).toEqual([...files].sort());
  });
});

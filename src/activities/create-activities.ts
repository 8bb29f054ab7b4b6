import { createBeginCompletion } from './begin-completion.js';
import { createCallModel } from './call-model.js';
import { createCompactContext } from './compact-context.js';
import type { ActivityDeps } from './deps.js';
import { createFinishCompletion } from './finish-completion.js';
import { createApprovalActivities } from './approval-activities.js';
import { createRecordHandOver } from './record-hand-over.js';
import { createRunTool } from './run-tool.js';
import { createWaitForTurn } from './wait-for-turn.js';
import { createSubagentActivities } from './subagent-activities.js';
import { createToolStepBookkeeping } from './tool-step-bookkeeping.js';
import { createScheduleActivities } from './schedule-activities.js';

/** The worker's activities, bound to their dependencies. The workflow proxies this type, so signatures can't drift. */
export function createActivities(deps: ActivityDeps) {
  return {
    beginCompletion: createBeginCompletion(deps),
    callModel: createCallModel(deps),
    compactContext: createCompactContext(deps),
    finishCompletion: createFinishCompletion(deps),
    runTool: createRunTool(deps),
    waitForTurn: createWaitForTurn(deps),
    recordHandOver: createRecordHandOver(deps),
    ...createToolStepBookkeeping(deps),
    ...createApprovalActivities(deps),
    ...createSubagentActivities(deps),
    ...createScheduleActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

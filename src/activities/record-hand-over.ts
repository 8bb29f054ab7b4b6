import { recordHandOver } from '../completions/hand-over.js';
import type { HandOverInput } from '../workflows/definitions.js';
import { activityOrigin } from './activity-origin.js';
import type { ActivityDeps } from './deps.js';

/** The ledger's line for a run that hands its turn over; stamped with the run that hands over. */
export function createRecordHandOver(deps: ActivityDeps) {
  return (input: HandOverInput): Promise<void> => recordHandOver(deps, activityOrigin(), input);
}

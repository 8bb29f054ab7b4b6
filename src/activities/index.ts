export { createActivities, type Activities } from './create-activities.js';
export type { ActivityDeps } from './deps.js';

export { completionWorkflow } from './completion-workflow.js';
export { toolCallWorkflow } from './tool-call-workflow.js';
export { scheduledRunWorkflow } from './scheduled-run-workflow.js';

export { completionWorkflow } from './completion-workflow.js';
export { toolCallWorkflow } from './tool-call-workflow.js';

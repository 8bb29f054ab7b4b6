export { completionWorkflow } from './completion-workflow.js';

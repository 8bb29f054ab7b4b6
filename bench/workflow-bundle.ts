/**
 * Bundles the workflow code once per run, as test/global-setup.ts does, so worker start-up is not part of any
 * figure (and a production worker that re-bundled would be measured wrongly).
 */
export { bundleWorkflows } from '../src/runtime/bundle-workflows.js';

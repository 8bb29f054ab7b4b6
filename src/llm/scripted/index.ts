/** The scripted model server's public surface, for tests, the dev stack and the demo entry point. */
export {
  createScriptedModelServer,
  type ScriptedModelServer,
  type ScriptedModelServerOptions,
} from './scripted-model-server.js';
export type { Script, ScriptFinishReason, ScriptToolCall, ScriptUsage, StreamPacing } from './script.js';
export type { RecordedDisconnect, RecordedRequest, Vendor } from './recorded-request.js';
export { demoScript, lastUserText } from './demo-script.js';

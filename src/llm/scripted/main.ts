/**
 * Runs the scripted model server on its own for the key-less demo: point OPENAI_BASE_URL (or
 * ANTHROPIC_BASE_URL) at it with any non-empty key and Longhaul runs end to end without a vendor account.
 * This entry point reads its one variable itself because it runs without the app's config.
 */
import { z } from 'zod';
import { demoScript } from './demo-script.js';
import { createScriptedModelServer } from './scripted-model-server.js';

const portSchema = z.coerce.number().int().min(0).max(65535).default(4010);

const port = portSchema.safeParse(process.env.SCRIPTED_MODEL_PORT || undefined);
if (!port.success) {
  console.error(`SCRIPTED_MODEL_PORT=${JSON.stringify(process.env.SCRIPTED_MODEL_PORT)}: must be a port number`);
  process.exit(1);
}

const server = await createScriptedModelServer({ port: port.data, defaultScript: demoScript });
console.log(`Scripted model server (Longhaul demo) listening on ${server.url}`);
console.log(`  OPENAI_BASE_URL=${server.openaiBaseURL}`);
console.log(`  ANTHROPIC_BASE_URL=${server.anthropicBaseURL}`);

const shutdown = () => {
  server.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('scripted model server did not close cleanly', err);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

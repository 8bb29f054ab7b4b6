/**
 * Replaces `${env:NAME}` in configured values (an MCP server's headers or env) with the variable's value, once at
 * start. The resolved values live only in the process: they are never logged, stored or passed to a workflow.
 */
const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function resolveEnvRefs(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv,
): { values: Record<string, string> } | { missing: string } {
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    let missing: string | undefined;
    resolved[key] = value.replace(ENV_REF, (_, name: string) => {
      const found = env[name];
      if (found === undefined) missing ??= name;
      return found ?? '';
    });
    if (missing !== undefined) return { missing: `${key} names \${env:${missing}}, which is not set` };
  }
  return { values: resolved };
}

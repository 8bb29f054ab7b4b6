import { parseModelString } from '../llm/model-string.js';
import type { ProviderName } from '../llm/types.js';
import { badRequest } from './app-error.js';

/**
 * Decides at the API, before any workflow starts, whether a model string can run: the provider must be
 * configured, and when an allowlist is set the model must be on it.
 */
export function createModelPolicy(options: {
  defaultModel: string;
  configuredProviders: readonly ProviderName[];
  allowlist: readonly string[];
  /** Tool names the workers know, and those a request gets when it names none. */
  toolNames: readonly string[];
  defaultTools: readonly string[];
}) {
  return {
    resolveTools(requested: readonly string[] | undefined): string[] {
      const tools = requested ?? options.defaultTools;
      const unknown = tools.filter((name) => !options.toolNames.includes(name));
      if (unknown.length > 0) {
        throw badRequest(
          `unknown tool(s): ${unknown.join(', ')}; available: ${options.toolNames.join(', ') || 'none'}`,
          'unknown_tool',
        );
      }
      return [...new Set(tools)];
    },

    resolve(requested: string | undefined): string {
      const model = requested ?? options.defaultModel;
      const parsed = parseModelString(model);
      if (!parsed) {
        throw badRequest(`unknown model "${model}": use openai:<model> or anthropic:<model>`, 'unknown_model');
      }
      if (!options.configuredProviders.includes(parsed.provider)) {
        throw badRequest(`provider ${parsed.provider} is not configured on this server`, 'unknown_model');
      }
      if (options.allowlist.length > 0 && !options.allowlist.includes(model)) {
        throw badRequest(`model "${model}" is not enabled; enabled: ${options.allowlist.join(', ')}`, 'unknown_model');
      }
      return model;
    },
  };
}

export type ModelPolicy = ReturnType<typeof createModelPolicy>;

import type { Config } from '../config.js';
import { createProviders } from '../llm/create-providers.js';
import type { ProviderName, Providers } from '../llm/types.js';

export function providersFromConfig(config: Config): Providers {
  return createProviders({
    ...(config.OPENAI_API_KEY
      ? {
          openai: {
            apiKey: config.OPENAI_API_KEY,
            ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
          },
        }
      : {}),
    ...(config.ANTHROPIC_API_KEY
      ? {
          anthropic: {
            apiKey: config.ANTHROPIC_API_KEY,
            ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
          },
        }
      : {}),
  });
}

export function configuredProviders(config: Config): ProviderName[] {
  const names: ProviderName[] = [];
  if (config.OPENAI_API_KEY) names.push('openai');
  if (config.ANTHROPIC_API_KEY) names.push('anthropic');
  return names;
}

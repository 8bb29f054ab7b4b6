/**
 * Builds the providers a process can use from their credentials. A provider without a key is left out
 * rather than failing later at the first call, so "is this model available?" is `providers[name] !== undefined`.
 */
import { createAnthropicProvider, type AnthropicProviderOptions } from './anthropic-provider.js';
import { createOpenAIProvider, type OpenAIProviderOptions } from './openai-provider.js';
import type { Providers } from './types.js';

export interface ProvidersOptions {
  openai?: OpenAIProviderOptions;
  anthropic?: AnthropicProviderOptions;
}

/** Only providers with a non-empty apiKey are created. */
export function createProviders(options: ProvidersOptions): Providers {
  const providers: Providers = {};
  if (options.openai?.apiKey) providers.openai = createOpenAIProvider(options.openai);
  if (options.anthropic?.apiKey) providers.anthropic = createAnthropicProvider(options.anthropic);
  return providers;
}

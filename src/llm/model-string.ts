/**
 * Model strings (`openai:gpt-4.1-mini`, `anthropic:claude-sonnet-4-5`) name a provider and a vendor model in one
 * value that fits in config, API requests and workflow input. Parsing is strict because the string reaches a
 * vendor URL and logs: a bounded, boring charset is accepted, nothing else.
 */
import type { ProviderName } from './types.js';

const MODEL_STRING = /^(openai|anthropic):([A-Za-z0-9._\-/:@]{1,120})$/;

export interface ParsedModelString {
  provider: ProviderName;
  model: string;
}

/** Splits `provider:model`, or returns null for anything that is not a well-formed model string. */
export function parseModelString(value: string): ParsedModelString | null {
  const match = MODEL_STRING.exec(value);
  if (!match) return null;
  const [, provider, model] = match;
  if ((provider !== 'openai' && provider !== 'anthropic') || model === undefined) return null;
  return { provider, model };
}

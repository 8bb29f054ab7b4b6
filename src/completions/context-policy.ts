/**
 * The context policy a model call runs under: how many tokens the model reads at most (its window) and how many of
 * them are kept free for the answer. The agent's policy over the model's known window; LONGHAUL_CONTEXT_WINDOW_TOKENS
 * over both.
 */
import type { AgentDefinition } from '../agents/agent-definition.js';
import { parseModelString } from '../llm/model-string.js';

export interface ContextPolicy {
  windowTokens: number;
  reserveTokens: number;
}

/** Published windows of model families; an unknown model (a local server's) gets a window most servers offer. */
const KNOWN_WINDOWS: [provider: string, model: RegExp, tokens: number][] = [
  ['anthropic', /^claude-/, 200_000],
  ['openai', /^gpt-4\.1/, 1_047_576],
  ['openai', /^gpt-5/, 400_000],
  ['openai', /^gpt-4o/, 128_000],
  ['openai', /^o\d/, 200_000],
];
const UNKNOWN_MODEL_WINDOW = 32_768;

export function defaultWindowTokens(modelString: string): number {
  const parsed = parseModelString(modelString);
  const known = KNOWN_WINDOWS.find(([provider, model]) => parsed?.provider === provider && model.test(parsed.model));
  return known?.[2] ?? UNKNOWN_MODEL_WINDOW;
}

export function contextPolicyFor(options: {
  agent: AgentDefinition | undefined;
  model: string;
  maxOutputTokens: number;
  windowOverride?: number;
}): ContextPolicy {
  const { agent, model, maxOutputTokens, windowOverride } = options;
  return {
    windowTokens: windowOverride ?? agent?.context?.windowTokens ?? defaultWindowTokens(model),
    // The answer may take up to maxOutputTokens, so a smaller reserve would let a full answer overflow the window.
    reserveTokens: Math.max(agent?.context?.reserveTokens ?? 0, maxOutputTokens),
  };
}

/** Tokens left for the system prompt, the tools and the transcript. */
export function inputBudget(policy: ContextPolicy): number {
  return policy.windowTokens - policy.reserveTokens;
}

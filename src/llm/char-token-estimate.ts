/**
 * A rough token count from characters: about 4 characters of the request's JSON per token. It is what the scripted
 * model server reports as usage, and what the OpenAI provider counts with until a tokenizer library is installed
 * (OpenAI has no counting endpoint). On English text it errs high, which is the safe side for a window check.
 */
export function estimateTokensByChars(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value).length / 4));
}

/**
 * A rough token count from characters: about 4 characters of the request's JSON per token. The scripted model
 * server answers Anthropic's counting endpoint and reports Anthropic usage with it (standing in for Anthropic's own
 * tokenizer), and compaction plans with it. On English text it errs high, which is the safe side for a window check.
 */
export function estimateTokensByChars(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value).length / 4));
}

/**
 * Client helper for Longhaul's retry-aware stream, for apps on `ai` 5 and 6 (ai 7 gets its own `reset-step` and
 * needs no helper). When a model call is
 * retried mid-answer, the server sends `data-step-reset` before the new attempt; stock useChat cannot remove the
 * text it already shows, so apps render `withoutSupersededParts(message)` instead of `message`: every part of the
 * superseded attempt — from that step's `step-start` up to the reset — is left out. Reloads and resumes never need
 * it: the server drops superseded chunks from its log and never persists them.
 *
 * Framework-free and dependency-free, so a browser bundle can import it as is.
 */
export interface PartLike {
  type: string;
}

export function withoutSupersededParts<M extends { parts: PartLike[] }>(message: M): M {
  if (!message.parts.some((part) => part.type === 'data-step-reset')) return message;
  const kept: M['parts'] = [];
  for (const part of message.parts) {
    if (part.type !== 'data-step-reset') {
      kept.push(part);
      continue;
    }
    let stepStart = kept.length - 1;
    while (stepStart >= 0 && kept[stepStart]!.type !== 'step-start') stepStart -= 1;
    if (stepStart >= 0) kept.splice(stepStart);
  }
  return { ...message, parts: kept };
}

import { createHash } from 'node:crypto';

/**
 * sha256 of the arguments in canonical JSON (object keys sorted), so a decision is bound to what the call
 * means, not to the whitespace the model happened to emit.
 */
export function argsDigest(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The approval id the browser echoes back: it carries the digest, so a decision is bound to these arguments. */
export function approvalIdFor(toolCallId: string, digest: string): string {
  return `${toolCallId}:${digest}`;
}

export function digestFromApprovalId(approvalId: string): string | undefined {
  const digest = approvalId.slice(approvalId.lastIndexOf(':') + 1);
  return /^[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}

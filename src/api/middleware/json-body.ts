import type { Context } from 'koa';
import { AppError, badRequest } from '../app-error.js';

/**
 * Reads a JSON body with a hard size limit: oversize bodies are refused before they are buffered whole
 * (by Content-Length when sent, else while streaming), and malformed JSON is a 400, never a crash.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  if (!ctx.is('application/json')) {
    throw new AppError(415, 'unsupported_media_type', 'request body must be application/json');
  }
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw badRequest('request body is empty', 'invalid_json');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badRequest(`malformed JSON: ${(error as Error).message}`, 'invalid_json');
  }
  if (nestedDeeperThan(body, MAX_DEPTH))
    throw badRequest(`JSON nested deeper than ${MAX_DEPTH} levels`, 'invalid_json');
  return body;
}

/**
 * Deeper than any body the API takes. Deep nesting overflows the stack of recursive readers: zod's length checks
 * still run on a value of the wrong type that has a `length`, and compare a nested array with a number.
 */
const MAX_DEPTH = 64;

/** Walks with its own stack, so a body of any depth is measured without recursion. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

function tooLarge(limitBytes: number): AppError {
  return new AppError(413, 'payload_too_large', `request body exceeds ${limitBytes} bytes`);
}

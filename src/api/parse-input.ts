import type { z } from 'zod';
import { badRequest } from './app-error.js';

/**
 * Validates input with zod and turns the first issues into one 400 whose message names each field by its place
 * in the request (`messages[2].parts[0].text: …`). `where` names the input: fields of the body go bare, others
 * under it (`query.limit`, or `messages[2]` for one message of the body parsed on its own).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues
    .slice(0, 5)
    .map((issue) => `${fieldPath(where, issue.path)}: ${issue.message}`)
    .join('; ');
  throw badRequest(detail);
}

function fieldPath(where: string, path: readonly PropertyKey[]): string {
  let name = where === 'body' && path.length > 0 ? '' : where;
  for (const key of path) {
    name += typeof key === 'number' ? `[${key}]` : name === '' ? String(key) : `.${String(key)}`;
  }
  return name;
}

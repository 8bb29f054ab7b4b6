import type { z } from 'zod';
import { badRequest } from './app-error.js';

/** Validates input with zod and turns the first issues into one readable 400 message. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : what}: ${issue.message}`)
    .join('; ');
  throw badRequest(`invalid ${what}: ${detail}`);
}

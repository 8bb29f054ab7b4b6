/**
 * Every call to the API: the bearer credential on each request, a 401 back to sign-in, refusals as ApiError, and
 * each response body checked against its schema before the page uses it.
 */
import type { z } from 'zod';
import { credential, signOut } from './auth.ts';
import { ApiError } from './api-error.ts';
import { errorBodySchema } from './schemas.ts';

/** fetch with the page's credential; non-2xx answers throw ApiError (a 401 also signs out). */
export async function authorizedFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = credential();
  if (key) headers.set('authorization', `Bearer ${key}`);
  const response = await fetch(input, { ...init, headers });
  if (response.ok) return response;
  const parsed = errorBodySchema.safeParse(await response.json().catch(() => null));
  const retryAfter = Number(response.headers.get('retry-after'));
  const error = new ApiError(
    response.status,
    parsed.success ? parsed.data.error.code : `http_${response.status}`,
    parsed.success ? parsed.data.error.message : `${response.status} ${response.statusText}`,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
  if (response.status === 401) signOut();
  throw error;
}

export async function getJson<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
  const response = await authorizedFetch(path);
  return schema.parse(await response.json());
}

export async function sendJson<S extends z.ZodType>(
  method: 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  schema: S,
): Promise<z.infer<S>> {
  const response = await authorizedFetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return schema.parse(text ? JSON.parse(text) : null);
}

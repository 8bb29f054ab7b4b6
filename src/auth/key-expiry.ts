import { z } from 'zod';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const duration = z
  .string()
  .regex(/^[1-9]\d{0,5}[mhd]$/, 'must be a whole number of minutes, hours or days, such as 90m, 12h or 30d');
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2027-01-31T00:00:00Z' });

/**
 * When a new API key expires, from `--expires-in` or `--expires-at` (at most one); undefined = never. Throws a
 * message fit for the operator on a bad value or a time not in the future.
 */
export function parseKeyExpiry(
  options: { expiresIn?: string; expiresAt?: string },
  now = new Date(),
): Date | undefined {
  if (options.expiresIn !== undefined && options.expiresAt !== undefined) {
    throw new Error('give --expires-in or --expires-at, not both');
  }
  if (options.expiresIn !== undefined) {
    const parsed = duration.safeParse(options.expiresIn);
    if (!parsed.success) throw new Error(`--expires-in ${parsed.error.issues[0]?.message}`);
    const unit = parsed.data.slice(-1) as keyof typeof UNIT_MS;
    return new Date(now.getTime() + Number(parsed.data.slice(0, -1)) * UNIT_MS[unit]);
  }
  if (options.expiresAt !== undefined) {
    const parsed = instant.safeParse(options.expiresAt);
    if (!parsed.success) throw new Error(`--expires-at ${parsed.error.issues[0]?.message}`);
    const at = new Date(parsed.data);
    if (at.getTime() <= now.getTime()) throw new Error('--expires-at must be in the future');
    return at;
  }
  return undefined;
}

import { z } from 'zod';
import { defineTool } from '../tool-definition.js';

/** Intl is the authority on which zones this runtime can format, so it decides what is valid. */
function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const currentTimeInput = z.object({
  timezone: z
    .string()
    .max(64)
    .refine(isTimeZone, { message: 'must be an IANA time zone name such as Europe/Berlin or America/New_York' })
    .optional()
    .describe('IANA time zone name, e.g. "Europe/Berlin". Defaults to UTC.'),
});

/**
 * Models do not know the date: their training has a cutoff and nothing in the prompt says "now". An invalid
 * zone fails the input schema, so the model is told what to fix instead of getting a time in the wrong zone.
 */
export const currentTimeTool = defineTool({
  name: 'current_time',
  description:
    "Returns the current date and time. Use it whenever the answer depends on today's date or the time of day " +
    '(deadlines, "how long until", scheduling), optionally in a given IANA time zone (default UTC). ' +
    'Returns { iso: UTC ISO-8601 timestamp, timezone: the zone used, local: the date and time in that zone in words }.',
  input: currentTimeInput,
  mode: 'inline',
  async execute({ timezone = 'UTC' }) {
    const now = new Date();
    const format = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, dateStyle: 'full', timeStyle: 'long' });
    return { iso: now.toISOString(), timezone: format.resolvedOptions().timeZone, local: format.format(now) };
  },
});

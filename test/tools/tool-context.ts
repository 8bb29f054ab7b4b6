import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ToolContext } from '../../src/tools/tool-definition.js';

/** A ToolContext as the tool runner builds one, with random ids unless the test names them. */
export function toolContext(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    toolCallId: `call_${randomUUID()}`,
    threadId: `thr_${randomUUID()}`,
    userId: `usr_${randomUUID()}`,
    signal: new AbortController().signal,
    heartbeat: () => {},
    // Tools that touch the database get a real pool from their test; the others must not reach for one.
    pool: undefined as unknown as pg.Pool,
    ...overrides,
  };
}

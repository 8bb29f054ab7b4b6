/**
 * Structured output: the model's answer is one JSON object. While it streams, the object is parsed leniently and
 * published as a growing `data-object` part (one id, so useChat replaces it in place); at the end it is validated
 * against the agent's schema.
 */
import { parse as parsePartialJson } from 'partial-json';
import type { z } from 'zod';
import type { UIMessageChunk } from '../stream/ui-chunks.js';

export function objectPartId(completionId: string): string {
  return `object-${completionId}`;
}

export function createObjectStream(completionId: string, publish: (chunk: UIMessageChunk) => Promise<unknown>) {
  let text = '';
  let lastSent = '';
  return {
    async append(delta: string): Promise<void> {
      text += delta;
      let partial: unknown;
      try {
        partial = parsePartialJson(stripFence(text));
      } catch {
        return;
      }
      if (partial === null || typeof partial !== 'object') return;
      const serialized = JSON.stringify(partial);
      if (serialized === lastSent) return;
      lastSent = serialized;
      await publish({ type: 'data-object', id: objectPartId(completionId), data: partial as Record<string, unknown> });
    },
    text: () => text,
  };
}

/**
 * A rejected answer has two descriptions. `problem` is the detail the repair attempt shows the model (JSON.parse's
 * message quotes the answer; a schema issue's path can be one of the model's keys, and an unrecognized key is
 * quoted): it is stored in Postgres only. `safeProblem` quotes no model text (the kind of problem and the zod
 * issue codes): it is what may enter workflow history, as the step summary and the turn's failure message.
 */
export type ValidatedObject =
  { ok: true; value: Record<string, unknown> } | { ok: false; problem: string; safeProblem: string };

/** Parses and validates the final answer; the problem text is what a repair attempt tells the model. */
export function validateObject(text: string, schema: z.ZodType): ValidatedObject {
  let raw: unknown;
  try {
    raw = JSON.parse(stripFence(text));
  } catch (error) {
    return {
      ok: false,
      problem: `the answer is not valid JSON (${(error as Error).message})`,
      safeProblem: 'the answer is not valid JSON',
    };
  }
  const result = schema.safeParse(raw);
  if (result.success && result.data !== null && typeof result.data === 'object') {
    return { ok: true, value: result.data as Record<string, unknown> };
  }
  if (result.success) {
    const problem = 'the answer does not match the schema: the answer is not a JSON object';
    return { ok: false, problem, safeProblem: problem };
  }
  const issues = result.error.issues.slice(0, 8);
  const detail = issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
  const codes = [...new Set(issues.map((issue) => issue.code))].join(', ');
  return {
    ok: false,
    problem: `the answer does not match the schema: ${detail}`,
    safeProblem: `the answer does not match the schema (${codes})`,
  };
}

/** Models sometimes wrap JSON in a Markdown fence despite being told not to. */
function stripFence(text: string): string {
  return text.replace(/^\s*```(?:json)?\s*/i, '').replace(/\s*```\s*$/, '');
}

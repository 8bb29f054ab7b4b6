import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_KEYS, SEARCH_ATTRIBUTE_NAMES } from '../../src/workflows/definitions.js';

/** `scripts/stack.mjs` runs before `npm install`, so it cannot import definitions.ts and keeps its own list. */
async function stackScriptAttributes(): Promise<string[]> {
  const script = await readFile(new URL('../../scripts/stack.mjs', import.meta.url), 'utf8');
  const list = /const SEARCH_ATTRIBUTES = \[([^\]]*)\]/.exec(script)?.[1];
  if (list === undefined) throw new Error('scripts/stack.mjs no longer declares `const SEARCH_ATTRIBUTES = [...]`');
  return [...list.matchAll(/'([^']+)'/g)].map((match) => match[1]!);
}

describe('search attributes', () => {
  it('registers in scripts/stack.mjs exactly the attributes the workflows use', async () => {
    expect(await stackScriptAttributes()).toEqual(SEARCH_ATTRIBUTE_NAMES);
  });

  it('are all Keyword, the type the stack script registers', () => {
    expect(SEARCH_ATTRIBUTE_KEYS.map((key) => key.type)).toEqual(SEARCH_ATTRIBUTE_NAMES.map(() => 'KEYWORD'));
  });
});

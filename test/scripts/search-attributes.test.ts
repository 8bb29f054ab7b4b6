import { expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../scripts/stack.mjs';
import { SEARCH_ATTRIBUTE_KEYS, SEARCH_ATTRIBUTE_NAMES } from '../../src/workflows/definitions.js';

/** `scripts/stack.mjs` runs before `npm install`, so it cannot import definitions.ts and keeps its own list. */
it('provisions exactly the search attributes the workflows define', () => {
  expect([...SEARCH_ATTRIBUTES].sort()).toEqual([...SEARCH_ATTRIBUTE_NAMES].sort());
});

it('defines them all as Keyword, the type the stack script registers', () => {
  expect(SEARCH_ATTRIBUTE_KEYS.map((key) => key.type)).toEqual(SEARCH_ATTRIBUTE_NAMES.map(() => 'KEYWORD'));
});

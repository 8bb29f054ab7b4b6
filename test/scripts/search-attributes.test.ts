import { expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../scripts/stack.mjs';
import { SEARCH_ATTRIBUTE_NAMES } from '../../src/workflows/definitions.js';

it('provisions exactly the search attributes the workflows define', () => {
  expect([...SEARCH_ATTRIBUTES].sort()).toEqual([...SEARCH_ATTRIBUTE_NAMES].sort());
});

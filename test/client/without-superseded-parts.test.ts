import { describe, expect, it } from 'vitest';
import { withoutSupersededParts } from '../../src/client/without-superseded-parts.js';

describe('withoutSupersededParts', () => {
  it('drops the failed attempt of a step and keeps earlier steps', () => {
    const message = {
      id: 'm',
      parts: [
        { type: 'step-start' },
        { type: 'text', text: 'step one' },
        { type: 'step-start' },
        { type: 'text', text: 'half an ans' },
        { type: 'data-step-reset', data: { step: 1, attempt: 2 } },
        { type: 'step-start' },
        { type: 'text', text: 'a whole answer' },
      ],
    };
    expect(withoutSupersededParts(message).parts).toEqual([
      { type: 'step-start' },
      { type: 'text', text: 'step one' },
      { type: 'step-start' },
      { type: 'text', text: 'a whole answer' },
    ]);
  });

  it('returns a message without resets unchanged', () => {
    const message = { parts: [{ type: 'step-start' }, { type: 'text', text: 'x' }] };
    expect(withoutSupersededParts(message)).toBe(message);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeLiveMessage, encodeLiveMessage } from '../../src/stream/stream-event.js';

describe('live message encoding', () => {
  it('round-trips seq, type and JSON containing spaces', () => {
    const event = { seq: 42, type: 'text-delta', json: '{"type":"text-delta","id":"t","delta":"a b 🧪"}' };
    expect(encodeLiveMessage(event)).toBe('42 text-delta {"type":"text-delta","id":"t","delta":"a b 🧪"}');
    expect(decodeLiveMessage(encodeLiveMessage(event))).toEqual(event);
  });

  it('rejects messages that are not ours', () => {
    expect(decodeLiveMessage('hello')).toBeUndefined();
    expect(decodeLiveMessage('x start {}')).toBeUndefined();
    expect(decodeLiveMessage('0 start {}')).toBeUndefined();
  });
});

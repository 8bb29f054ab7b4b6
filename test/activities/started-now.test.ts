import { describe, expect, it } from 'vitest';
import { startedNow } from '../../src/activities/started-now.js';

describe('startedNow', () => {
  it('runs the source up to its first value before anyone reads, then yields everything in order', async () => {
    const log: string[] = [];
    async function* source() {
      log.push('request sent');
      yield 1;
      log.push('second');
      yield 2;
    }
    const events = startedNow(source());
    log.push('caller works meanwhile');
    await Promise.resolve();
    expect(log).toEqual(['request sent', 'caller works meanwhile']);
    const seen: number[] = [];
    for await (const value of events) seen.push(value);
    expect(seen).toEqual([1, 2]);
    expect(log).toEqual(['request sent', 'caller works meanwhile', 'second']);
  });

  it('reports a failure of the first read when it is read, not before', async () => {
    async function* failing(): AsyncGenerator<number> {
      throw new Error('connection refused');
    }
    const events = startedNow(failing());
    // Nothing is thrown or left unhandled until the caller reads.
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(async () => {
      for await (const value of events) expect(value).toBeUndefined();
    }).rejects.toThrow('connection refused');
  });

  it('closes the source when the reader stops early', async () => {
    let closed = false;
    async function* source() {
      try {
        yield 1;
        yield 2;
      } finally {
        closed = true;
      }
    }
    for await (const value of startedNow(source())) {
      expect(value).toBe(1);
      break;
    }
    expect(closed).toBe(true);
  });
});

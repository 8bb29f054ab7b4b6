import { afterEach, expect, it, vi } from 'vitest';
import { currentTimeTool } from '../../src/tools/builtin/current-time.js';
import { toolContext } from './tool-context.js';

afterEach(() => vi.useRealTimers());

function run(input: unknown) {
  return currentTimeTool.execute(currentTimeTool.input.parse(input), toolContext());
}

it('tells the time in the requested zone', async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2025-01-15T12:30:00Z') });

  const result = await run({ timezone: 'Asia/Tokyo' });

  expect(result.iso).toBe('2025-01-15T12:30:00.000Z');
  expect(result.timezone).toBe('Asia/Tokyo');
  expect(result.local).toMatch(/^Wednesday,? 15 January 2025(,| at) 21:30:00 GMT\+9$/);
});

it('defaults to UTC', async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2025-07-01T23:05:09Z') });

  const result = await run({});

  expect(result).toMatchObject({ iso: '2025-07-01T23:05:09.000Z', timezone: 'UTC' });
  expect(result.local).toMatch(/^Tuesday,? 1 July 2025(,| at) 23:05:09 (UTC|GMT)$/);
});

it('rejects a zone that is not an IANA name in the input schema', () => {
  const parsed = currentTimeTool.input.safeParse({ timezone: 'Mars/Olympus_Mons' });

  expect(parsed.success).toBe(false);
  expect(parsed.error?.issues[0]).toMatchObject({ path: ['timezone'], message: expect.stringMatching(/IANA/) });
});

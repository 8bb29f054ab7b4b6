import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createRedis } from '../../src/runtime/connections.js';
import { createStopHints, publishStopHint } from '../../src/stream/stop-hints.js';
import { waitFor } from '../support/wait-for.js';

describe('stop hints over Redis', () => {
  const publisher = createRedis(inject('redisUrl'), 'longhaul-test-hint-pub');
  const subscriberName = `longhaul-test-hint-sub-${randomUUID()}`;
  const subscriber = createRedis(inject('redisUrl'), subscriberName);
  const hints = createStopHints(subscriber);
  afterAll(async () => {
    await Promise.all([publisher.quit(), subscriber.quit()]);
  });

  it('wakes exactly the watchers of the completion named, until they stop watching', async () => {
    const seen: string[] = [];
    const unwatchA = hints.watch('cmp_a', () => seen.push('a1'));
    hints.watch('cmp_a', () => seen.push('a2'));
    hints.watch('cmp_b', () => seen.push('b'));
    // Other test files' workers listen on the same channel: wait for this connection's own subscription.
    const subscribed = async () =>
      String(await publisher.client('LIST'))
        .split('\n')
        .some((line) => line.includes(`name=${subscriberName} `) && / sub=1 /.test(line));
    await waitFor(subscribed, 5_000, 'subscribed');

    await publishStopHint(publisher, 'cmp_a');
    await waitFor(async () => seen.length === 2, 5_000, 'hint delivered');
    expect(seen.sort()).toEqual(['a1', 'a2']);

    unwatchA();
    await publishStopHint(publisher, 'cmp_a');
    await publishStopHint(publisher, 'cmp_b');
    await waitFor(async () => seen.includes('b'), 5_000, 'second hint delivered');
    // Redis delivers in publish order: the second hint for cmp_a arrived before the one for cmp_b.
    expect(seen.filter((name) => name === 'a1')).toHaveLength(1);
    expect(seen.filter((name) => name === 'a2')).toHaveLength(2);
  });
});

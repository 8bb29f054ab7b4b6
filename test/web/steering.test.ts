import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../support/harness.js';
import { createTestTools } from '../support/test-tools.js';
import { launchBrowser, screenshot, signedInPage, threadIdOf } from './support/browser.js';

describe('the web app in a real browser: a message sent into a running answer, or queued after it', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    [h, browser] = await Promise.all([startHarness({}, { tools: createTestTools().definitions }), launchBrowser()]);
    ({ page } = await signedInPage(browser, h.apiUrl, h.apiKey));
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const assistant = () => page.getByRole('article', { name: 'Assistant' });
  const you = () => page.getByRole('article', { name: 'You' });
  const box = () => page.getByRole('textbox', { name: 'Message' });
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  const words = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i} `);

  async function newThread(): Promise<string> {
    const before = page.url();
    await page.getByRole('button', { name: 'New thread' }).click();
    await page.waitForURL((url) => url.href !== before && url.pathname.startsWith('/threads/'));
    await box().waitFor();
    return threadIdOf(page);
  }

  async function send(text: string) {
    await box().fill(text);
    await box().press('Enter');
  }

  /** The user messages each model request of this test carried, from request `from` on (OpenAI's wire form). */
  const lastUserMessageOf = (index: number) => {
    const { messages } = h.model.requests[index]!.body as { messages: { role: string; content: unknown }[] };
    return messages.filter((message) => message.role === 'user').at(-1)?.content;
  };

  it('Send into answer during a tool loop: the message shows inside the same answer, which goes on from it', async () => {
    const threadId = await newThread();
    const from = h.model.requests.length;
    h.model.enqueue(
      {
        kind: 'tool-calls',
        text: words(10, 'look'),
        calls: [{ name: 'echo', argsChunks: [JSON.stringify({ text: 'route' })] }],
        delayMs: 200,
      },
      { kind: 'text', chunks: ['Noted: ', 'kilometres ', 'it is.'] },
    );
    await send('Plan my bike trip');
    await assistant().getByText('look1', { exact: false }).waitFor();
    // While it runs the box offers both ways; Enter sends into the answer.
    await button('Queue').waitFor();
    await box().fill('Use metric units');
    await button('Send into answer').click();

    const steered = assistant().getByRole('region', { name: 'Sent into the answer' });
    await steered.getByText('Use metric units').waitFor();
    await page.getByRole('status').getByText('Sent into the answer', { exact: false }).waitFor();
    expect(await box().inputValue()).toBe('');
    await assistant().getByText('Noted: kilometres it is.').waitFor();
    await button('Send').waitFor();
    await screenshot(page, 'steered');

    expect(await assistant().count()).toBe(1);
    expect(await you().count()).toBe(1);
    // Inside the answer, after the tool call and before the text of the step that read it.
    const answer = await assistant().innerText();
    expect(answer.indexOf('look9')).toBeLessThan(answer.indexOf('Use metric units'));
    expect(answer.indexOf('Use metric units')).toBeLessThan(answer.indexOf('Noted: kilometres'));
    expect(h.model.requests.length - from).toBe(2);
    expect(lastUserMessageOf(from + 1)).toBe('Use metric units');

    // The transcript agrees: a reload shows the message at the same place.
    await page.reload();
    await steered.getByText('Use metric units').waitFor();
    expect(threadIdOf(page)).toBe(threadId);
    expect(await assistant().count()).toBe(1);
  });

  it('Queue: the message waits for the running answer to end, then runs as the next turn', async () => {
    await newThread();
    const from = h.model.requests.length;
    h.model.enqueue(
      { kind: 'text', chunks: words(40, 'first'), delayMs: 250 },
      { kind: 'text', chunks: ['Second ', 'answer.'] },
    );
    await send('Tell me a story');
    await assistant().getByText('first1', { exact: false }).waitFor();
    await page
      .getByRole('navigation', { name: 'Threads' })
      .getByRole('link', { name: /running/ })
      .waitFor();
    // A phone shows the same choices, beside nothing wider than its screen.
    const phone = await signedInPage(browser, h.apiUrl, h.apiKey, { viewport: { width: 375, height: 740 } });
    try {
      await phone.page.goto(page.url());
      await phone.page.getByRole('button', { name: 'Send into answer', exact: true }).waitFor();
      expect(await phone.page.getByRole('button', { name: 'Queue', exact: true }).isVisible()).toBe(true);
      // Stop comes once this tab has joined the answer's stream, a moment after the page knows it runs.
      await phone.page.getByRole('button', { name: 'Stop', exact: true }).waitFor();
      expect(await phone.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await screenshot(phone.page, 'phone-running');
    } finally {
      await phone.context.close();
    }

    await box().fill('And then a poem');
    await button('Queue').click();

    const queued = page.getByRole('region', { name: 'Queued' });
    await queued.getByText('And then a poem').waitFor();
    expect(await box().inputValue()).toBe('');
    await screenshot(page, 'queued');

    await assistant().nth(1).getByText('Second answer.').waitFor();
    await queued.waitFor({ state: 'detached' });
    await button('Send').waitFor();
    expect(await you().allInnerTexts()).toEqual(['Tell me a story', 'And then a poem']);
    expect((await assistant().first().innerText()).trim()).toContain('first15');
    // The story's own request never saw the poem; the next turn's did, as its new message.
    expect(h.model.requests.length - from).toBe(2);
    expect(lastUserMessageOf(from)).toBe('Tell me a story');
    expect(lastUserMessageOf(from + 1)).toBe('And then a poem');
  });

  it('a message the answer cannot take (awaiting approval) says why and stays in the box; queued, it runs after the decision', async () => {
    await newThread();
    h.model.enqueue(
      { kind: 'tool-calls', calls: [{ name: 'transfer', argsChunks: ['{"amount":', '5}'] }] },
      { kind: 'text', chunks: ['Paid ', 'five.'] },
      { kind: 'text', chunks: ['Ten ', 'next ', 'time ', 'then', '.'], delayMs: 700 },
    );
    await send('Pay Bob five');
    const card = assistant().getByRole('region', { name: 'Tool transfer' });
    await card.getByRole('button', { name: 'Approve' }).waitFor();

    // The answer waits for a decision: it is still running, so the box offers to send into it.
    await box().fill('Actually make it ten');
    await button('Send into answer').click();
    const alert = page.getByRole('alert');
    await alert.getByText('awaiting_approval', { exact: false }).waitFor();
    expect(await alert.innerText()).toMatch(/decide|approval/i);
    expect(await box().inputValue()).toBe('Actually make it ten');
    await screenshot(page, 'steer-refused-409');

    await button('Queue').click();
    await page.getByRole('region', { name: 'Queued' }).getByText('Actually make it ten').waitFor();

    // The answer's end both sends the queued message and, with the thread's news, reloads the transcript. Forced
    // here in the order that once lost the message: the reload is read on the server first, the queued message is
    // sent (the queue's own look at the thread waits for the reload to be read), and only then does the reload's
    // older transcript reach the page. The page, which shows the message and streams its answer, must keep it.
    const transcript = /\/v1\/threads\/[^/]+\/messages$/;
    const threadDetail = /\/v1\/threads\/[^/?]+$/;
    const signal = () => {
      let fire!: () => void;
      return { fired: new Promise<void>((resolve) => (fire = resolve)), fire: () => fire() };
    };
    const [reloadRead, queuedSent] = [signal(), signal()];
    const withinTenSeconds = (fired: Promise<void>) =>
      Promise.race([
        fired.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
      ]);
    let sent = false;
    page.on('request', (request) => {
      const post = request.method() === 'POST' && request.url().endsWith('/api/chat');
      if (post && (request.postData() ?? '').includes('Actually make it ten')) {
        sent = true;
        queuedSent.fire();
      }
    });
    let staleDelivered = 0;
    const reloads: Promise<unknown>[] = [];
    await page.route(threadDetail, async (route) => {
      await withinTenSeconds(reloadRead.fired);
      await route.continue();
    });
    await page.route(transcript, async (route) => {
      reloads.push(page.waitForEvent('requestfinished', (request) => request === route.request()));
      const readBeforeSend = !sent;
      const response = await route.fetch();
      reloadRead.fire();
      if ((await withinTenSeconds(queuedSent.fired)) && readBeforeSend) staleDelivered += 1;
      await route.fulfill({ response });
    });
    await card.getByRole('button', { name: 'Approve' }).click();
    await assistant().first().getByText('Paid five.').waitFor();
    await assistant().nth(1).getByText('Ten', { exact: false }).waitFor();
    // No reload is held back from here on (a later one would wait for a page that may have closed); every reload
    // asked for by then has reached the page, and the page has drawn what it did with it.
    await page.unrouteAll({ behavior: 'wait' });
    await Promise.all(reloads);
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    expect(staleDelivered, 'a transcript read before the queued send reached the page after it').toBeGreaterThan(0);
    // Checked while the second answer still streams: a later reload, once it has ended, would put the message back.
    expect(await assistant().nth(1).getByText('Ten next time then.').isVisible()).toBe(false);
    expect(await you().allInnerTexts()).toEqual(['Pay Bob five', 'Actually make it ten']);
    await assistant().nth(1).getByText('Ten next time then.').waitFor();
    expect(await you().allInnerTexts()).toEqual(['Pay Bob five', 'Actually make it ten']);
    expect(await box().inputValue()).toBe('');
  });
});

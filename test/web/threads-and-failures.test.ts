import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../support/harness.js';
import { launchBrowser, screenshot, signedInPage, threadIdOf } from './support/browser.js';

describe('the web app in a real browser: the threads sidebar, refusals and a server that goes away', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    // Two answers at a time per user, so a third is refused with a 429.
    [h, browser] = await Promise.all([
      startHarness({ LONGHAUL_MAX_ACTIVE_COMPLETIONS_PER_USER: '2' }),
      launchBrowser(),
    ]);
    ({ page } = await signedInPage(browser, h.apiUrl, h.apiKey));
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const assistant = () => page.getByRole('article', { name: 'Assistant' });
  const box = () => page.getByRole('textbox', { name: 'Message' });
  const sidebar = () => page.getByRole('navigation', { name: 'Threads' });

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

  const stopThread = (threadId: string) => h.api(`/api/chat/${threadId}/stop`, { method: 'POST' });

  it('lists a thread once its first message is sent, titled after it; renames and deletes it', async () => {
    const threadId = await newThread();
    expect(await sidebar().getByRole('link').count()).toBe(0);
    await send('Plans for the weekend');
    await assistant().getByText('Hello from the scripted model.').waitFor();
    await sidebar().getByRole('link', { name: 'Plans for the weekend' }).waitFor();

    await sidebar().getByRole('button', { name: 'Rename Plans for the weekend' }).click();
    await sidebar().getByRole('textbox', { name: 'Title' }).fill('Weekend plans');
    await sidebar().getByRole('button', { name: 'Save' }).click();
    await sidebar().getByRole('link', { name: 'Weekend plans' }).waitFor();
    const renamed = (await (await h.api(`/v1/threads/${threadId}`)).json()) as { title: string };
    expect(renamed.title).toBe('Weekend plans');

    page.once('dialog', (dialog) => void dialog.accept());
    await sidebar().getByRole('button', { name: 'Delete Weekend plans' }).click();
    await sidebar().getByRole('link', { name: 'Weekend plans' }).waitFor({ state: 'detached' });
    await page.waitForURL((url) => url.pathname === '/');
    expect((await h.api(`/v1/threads/${threadId}`)).status).toBe(404);
  });

  it('a message sent while an answer the page has not heard of runs: the 409 explains the thread’s policy and the draft stays', async () => {
    const threadId = await newThread();
    await send('First question');
    await assistant().getByText('Hello from the scripted model.').waitFor();

    // A second tab that loads the thread now and then hears nothing (its events cut off).
    const unaware = await signedInPage(browser, h.apiUrl, h.apiKey);
    try {
      await unaware.context.route('**/v1/events', (route) => route.abort());
      const other = unaware.page;
      await other.goto(`/threads/${encodeURIComponent(threadId)}`);
      const otherBox = other.getByRole('textbox', { name: 'Message' });
      await otherBox.waitFor();

      h.model.enqueue({ kind: 'hang', chunks: ['Working ', 'on it'] });
      await send('Second question');
      await assistant().last().getByText('Working on it').waitFor();
      // The sidebar's badge comes from GET /v1/events.
      await sidebar()
        .getByRole('link', { name: /running/ })
        .waitFor();

      // This tab knows the answer runs, so it offers to send into it or queue; the other one sends a plain
      // message, and the thread's policy refuses it.
      await otherBox.fill('Third question');
      await otherBox.press('Enter');
      const alert = other.getByRole('alert');
      await alert.getByText('policy (reject)', { exact: false }).waitFor();
      expect(await otherBox.inputValue()).toBe('Third question');
      expect(await other.getByRole('article', { name: 'You' }).count()).toBe(1);
      await screenshot(other, 'double-text-409');
    } finally {
      await unaware.context.close();
    }
    return threadId;
  });

  it('a 429 says when to retry, and the draft stays in the box', async () => {
    const running = (await (await h.api('/v1/completions')).json()) as { completions: { threadId: string }[] };
    expect(running.completions).toHaveLength(1);
    await newThread();
    h.model.enqueue({ kind: 'hang', chunks: ['Also ', 'busy'] });
    await send('Second thread');
    await assistant().getByText('Also busy').waitFor();

    await newThread();
    await send('Third thread');
    await page
      .getByRole('alert')
      .getByText(/Try again in \d+ s/)
      .waitFor();
    expect(await box().inputValue()).toBe('Third thread');
    expect(await page.getByRole('article', { name: 'You' }).count()).toBe(0);
    await screenshot(page, 'rate-limited-429');

    const { completions } = (await (await h.api('/v1/completions')).json()) as { completions: { threadId: string }[] };
    for (const { threadId } of completions) expect((await stopThread(threadId)).status).toBe(202);
    // Stopped answers stop counting against the cap once they are recorded as cancelled.
    await expect
      .poll(async () => ((await (await h.api('/v1/completions')).json()) as { completions: unknown[] }).completions, {
        timeout: 15_000,
      })
      .toEqual([]);
    await box().fill('');
  });

  it('server down mid-answer: the page says so, reconnects, and the answer completes once', async () => {
    await newThread();
    const chunks = Array.from({ length: 12 }, (_, i) => `r${i} `);
    h.model.enqueue({ kind: 'text', chunks, delayMs: 250 });
    await send('Keep going');
    await assistant().getByText('r1', { exact: false }).waitFor();
    await h.restartApi(async () => {
      await page.getByRole('alert').getByText('connection to the server was lost', { exact: false }).waitFor();
      await screenshot(page, 'server-down');
    });
    await page.getByRole('status').getByText('Reconnected.').waitFor();
    await assistant().getByText('r11', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    expect(await assistant().count()).toBe(1);
    expect((await assistant().locator('.markdown').innerText()).trim()).toBe(chunks.join('').trim());
  });

  it('is usable 375 px wide: the thread list folds behind a button; dark when the system is', async () => {
    const threadId = threadIdOf(page);
    const background = (on: Page) => on.evaluate('getComputedStyle(document.documentElement).backgroundColor');
    expect(await background(page)).toBe('rgb(255, 255, 255)');
    const narrow = await signedInPage(browser, h.apiUrl, h.apiKey, {
      viewport: { width: 375, height: 740 },
      colorScheme: 'dark',
    });
    try {
      const phone = narrow.page;
      await phone.goto(`/threads/${encodeURIComponent(threadId)}`);
      await phone.getByRole('textbox', { name: 'Message' }).waitFor();
      expect(await phone.getByRole('button', { name: 'New thread' }).isVisible()).toBe(false);
      expect(await phone.getByRole('button', { name: 'Send' }).isVisible()).toBe(true);
      expect(await phone.getByRole('link', { name: 'Approvals' }).isVisible()).toBe(true);
      expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      expect(await background(phone)).toBe('rgb(21, 23, 27)');
      await screenshot(phone, 'phone-dark');
      await phone.getByRole('button', { name: 'Threads' }).click();
      await phone.getByRole('button', { name: 'New thread' }).waitFor();
    } finally {
      await narrow.context.close();
    }
  });
});

/**
 * Debian's Chromium through playwright-core, one browser per test file (installed by test/web/global-setup.ts;
 * nothing downloads a browser). Screenshots of key states go to test/web/artifacts (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../../scripts/stack.mjs';

export const ARTIFACTS_DIR = join(import.meta.dirname, '..', 'artifacts');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** A fresh browser profile signed in as `key` through the `#key=` link `npm start` prints. */
export async function signedInPage(
  browser: Browser,
  apiUrl: string,
  key: string,
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: apiUrl,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  await page.goto(`/#key=${encodeURIComponent(key)}`);
  await page.getByRole('link', { name: 'Approvals' }).waitFor();
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The thread id the app shows in its address bar (`/threads/<id>`). */
export function threadIdOf(page: Page): string {
  const match = /\/threads\/([^/]+)$/.exec(new URL(page.url()).pathname);
  if (!match) throw new Error(`not on a thread page: ${page.url()}`);
  return decodeURIComponent(match[1]!);
}

/**
 * Once per test run, for the browser tests: Debian's Chromium (apt-get when absent) and a current build of the
 * web app, which the API under test serves at `/`.
 */
import { ensureChromium } from '../../scripts/stack.mjs';
import { ensureWebApp } from '../../scripts/web-app.mjs';

export default async function setup() {
  ensureWebApp();
  await ensureChromium();
}

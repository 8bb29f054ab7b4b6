/**
 * The web app (web/) for `npm start` / `npm test`: its own npm dependencies and its Vite build, each redone
 * only when stale. Node built-ins only, like stack.mjs: it runs before anything else is known to be installed.
 *
 *   dependencies  `npm install` in web/ when web/node_modules is missing or older than web/package-lock.json
 *   build         `vite build` when web/dist/index.html is missing or older than any source of the app
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_DIR = path.join(REPO, 'web');
/** Everything the build reads besides web/node_modules; the one shared file is a browser helper of src/client. */
const BUILD_INPUTS = [
  'web/src',
  'web/index.html',
  'web/public',
  'web/vite.config.ts',
  'web/tsconfig.json',
  'web/package-lock.json',
  'src/client',
];

/** @param {{ log?: (line: string) => void }} [options] */
export function ensureWebApp({ log = (line) => console.log(line) } = {}) {
  const say = (line) => log(`[web] ${line}`);
  ensureWebDependencies(say);
  const index = path.join(WEB_DIR, 'dist', 'index.html');
  const newestInput = Math.max(...BUILD_INPUTS.map((input) => newestMtime(path.join(REPO, input))));
  let reason = null;
  if (!fs.existsSync(index)) reason = 'web/dist is missing';
  else if (newestInput > fs.statSync(index).mtimeMs) reason = 'web sources are newer than web/dist';
  if (!reason) return;
  say(`${reason}: vite build`);
  const vite = path.join(WEB_DIR, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB_DIR, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`vite build failed (${result.error?.message ?? `exit ${result.status}`})`);
}

function ensureWebDependencies(say) {
  const installed = path.join(WEB_DIR, 'node_modules', '.package-lock.json');
  const lockfile = path.join(WEB_DIR, 'package-lock.json');
  let reason = null;
  if (!fs.existsSync(installed)) reason = 'web/node_modules is missing';
  else if (fs.statSync(lockfile).mtimeMs > fs.statSync(installed).mtimeMs) reason = 'web/package-lock.json is newer';
  if (!reason) return;
  say(`${reason}: npm install in web/`);
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: WEB_DIR, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`npm install in web/ failed (${result.error?.message ?? `exit ${result.status}`})`);
  // As for the root: never loop on a lockfile npm did not rewrite.
  if (fs.statSync(lockfile).mtimeMs > fs.statSync(installed).mtimeMs) {
    const now = new Date();
    fs.utimesSync(installed, now, now);
  }
}

function newestMtime(entry) {
  if (!fs.existsSync(entry)) return 0;
  const info = fs.statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/**
 * Entry point behind the npm scripts; Node built-ins only, because it runs before `npm install`.
 *
 *   node scripts/run.mjs start            (npm start)      local stack + `node --import tsx src/dev.ts`
 *   node scripts/run.mjs test [args]      (npm test)       local stack + tsc --noEmit, tsc -p web, eslint ., prettier --check ., vitest run [args]
 *   node scripts/run.mjs stack            (npm run dev:stack)  local stack only, kept up until Ctrl-C
 *
 * Every mode first installs npm dependencies when node_modules is missing or older than package-lock.json
 * (`npm install`); start and test then build the web app when it is stale (ensureWebApp() from ./web-app.mjs,
 * which also installs web/'s own dependencies); then ensureStack() from ./stack.mjs.
 * Env: LONGHAUL_DATA_DIR (default <repo>/.longhaul: Temporal's SQLite file and logs), LONGHAUL_CACHE_DIR
 * (default ~/.cache/longhaul: the built Temporal CLI), and the app's DATABASE_URL / REDIS_URL / TEMPORAL_ADDRESS.
 *
 * Children run in their own process group and get exactly one forwarded SIGINT/SIGTERM per Ctrl-C (a terminal
 * Ctrl-C under `npm` reaches this process twice: from the tty and from npm). When the app or the tests end,
 * the Temporal dev server started here is stopped too; Postgres and Redis stay up as system daemons.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureStack } from './stack.mjs';
import { ensureWebApp } from './web-app.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [mode, ...extraArgs] = process.argv.slice(2);
const log = (line) => console.log(line);
/** The one child running at a time; it gets forwarded signals. (Declared before the top-level await.) */
let current = null;

const signals = createSignalForwarder();

try {
  if (!['start', 'test', 'stack'].includes(mode)) {
    console.error('usage: node scripts/run.mjs <start|test|stack> [vitest args...]');
    process.exit(64);
  }
  ensureDependencies();
  if (mode !== 'stack') ensureWebApp({ log });
  const dataDir = path.resolve(process.env.LONGHAUL_DATA_DIR || path.join(REPO, '.longhaul'));
  const stack = await ensureStack({ dataDir, log });
  signals.provisioning = false;
  const code = await { start, test, stack: keepStack }[mode](stack, dataDir);
  process.exit(code);
} catch (error) {
  console.error(`[run] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

/** `npm start`: the whole system in one process tree; its exit code is ours. */
async function start(stack) {
  const child = runChild(process.execPath, ['--import', 'tsx', 'src/dev.ts', ...extraArgs], stack.env);
  const result = await child.exited;
  await stack.stop();
  return exitCode(result);
}

/** `npm test`: every check runs even when an earlier one fails, so one run shows all failures. */
async function test(stack, dataDir) {
  const bin = (name) => path.join(REPO, 'node_modules', '.bin', name);
  const report = path.join(dataDir, 'vitest-report.json');
  fs.rmSync(report, { force: true });
  const steps = [
    { name: 'typecheck: tsc --noEmit', cmd: bin('tsc'), args: ['--noEmit'] },
    { name: 'typecheck web: tsc -p web', cmd: bin('tsc'), args: ['-p', 'web'] },
    { name: 'lint: eslint .', cmd: bin('eslint'), args: ['.'] },
    { name: 'format: prettier --check .', cmd: bin('prettier'), args: ['--check', '--log-level', 'warn', '.'] },
    {
      name: `tests: vitest run ${extraArgs.join(' ')}`.trim(),
      cmd: bin('vitest'),
      args: ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs],
    },
  ];
  const results = [];
  for (const step of steps) {
    if (signals.received) break;
    log(`\n[run] ▶ ${step.name}`);
    const t0 = Date.now();
    const code = exitCode(await runChild(step.cmd, step.args, stack.env).exited);
    results.push({ ...step, code, ms: Date.now() - t0 });
    log(
      `[run] ${code === 0 ? '✔' : '✘'} ${step.name} (${((Date.now() - t0) / 1000).toFixed(1)}s${code ? `, exit ${code}` : ''})`,
    );
  }
  await stack.stop();
  log('\n[run] summary:');
  for (const r of results) log(`[run]   ${r.code === 0 ? 'PASS' : 'FAIL'}  ${r.name}`);
  for (const step of steps.slice(results.length)) log(`[run]   SKIP  ${step.name} (interrupted)`);
  printTestCounts(report);
  const failed = results.find((r) => r.code !== 0);
  if (failed) return failed.code;
  return signals.received ? 130 : 0;
}

/** The plain `N passed, N failed` closing line, read from vitest's JSON report. */
function printTestCounts(report) {
  if (!fs.existsSync(report)) return;
  const counts = JSON.parse(fs.readFileSync(report, 'utf8'));
  const skipped = (counts.numPendingTests ?? 0) + (counts.numTodoTests ?? 0);
  log(
    `tests: ${counts.numPassedTests} passed, ${counts.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
  );
}

/** `npm run dev:stack`: the services for running the app yourself (e.g. `npm run worker`). */
async function keepStack(stack) {
  log('\n[run] stack ready; export these to use it:');
  for (const [key, value] of Object.entries(stack.env)) log(`  export ${key}=${value}`);
  if (stack.temporalUiUrl) log(`  Temporal Web UI: ${stack.temporalUiUrl}`);
  if (!stack.started.includes('temporal')) {
    log('[run] nothing was started as a child here (Temporal was already running); exiting.');
    return 0;
  }
  log('[run] Ctrl-C stops the Temporal dev server (Postgres and Redis keep running).');
  const reason = await Promise.race([
    signals.next().then((signal) => ({ signal })),
    stack.childExited.then((exit) => ({ exit })),
  ]);
  if (reason.exit)
    log(`[run] ${reason.exit.name} exited unexpectedly (${reason.exit.signal ?? `code ${reason.exit.code}`})`);
  await stack.stop();
  return reason.exit ? 1 : 0;
}

function ensureDependencies() {
  const nodeModules = path.join(REPO, 'node_modules');
  const lockfile = path.join(REPO, 'package-lock.json');
  const installed = path.join(nodeModules, '.package-lock.json'); // npm's record of what is installed
  const mtime = (file) => fs.statSync(file).mtimeMs;
  const hasLock = fs.existsSync(lockfile);
  let reason = null;
  if (!fs.existsSync(nodeModules)) reason = 'node_modules is missing';
  else if (!fs.existsSync(installed)) reason = 'node_modules has no .package-lock.json';
  else if (hasLock && mtime(lockfile) > mtime(installed)) reason = 'package-lock.json is newer than node_modules';
  else if (!hasLock && mtime(path.join(REPO, 'package.json')) > mtime(installed)) reason = 'package.json changed';
  if (!reason) return;
  // `npm install`, not `npm ci`: it honours the lockfile all the same, and `npm ci` rejects lockfiles written
  // against registry mirrors that list fewer platform-specific optional packages (seen with @swc/core).
  log(`[run] ${reason}: npm install`);
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: REPO, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm install failed (${result.error?.message ?? `exit ${result.status}`})`);
  // Never loop on a lockfile npm did not rewrite: record this install as newer than the lockfile.
  if (hasLock && fs.existsSync(installed) && mtime(lockfile) > mtime(installed)) {
    const now = new Date();
    fs.utimesSync(installed, now, now);
  }
}

function runChild(cmd, args, env) {
  const child = spawn(cmd, args, {
    cwd: REPO,
    stdio: 'inherit',
    env: { ...process.env, ...env },
    detached: true, // own process group: signals arrive only via createSignalForwarder, once
  });
  current = child;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => {
      console.error(`[run] cannot start ${cmd}: ${error.message}`);
      resolve({ code: 127, signal: null });
    });
  }).finally(() => {
    if (current === child) current = null;
  });
  return { child, exited };
}

function exitCode({ code, signal }) {
  if (signal) return 128 + (os.constants.signals[signal] ?? 1);
  return code ?? 1;
}

/**
 * SIGINT/SIGTERM: while provisioning, exit at once (stack.mjs's exit hook SIGTERMs a Temporal it is starting).
 * Afterwards, forward to the running child, or wake keepStack; repeats within 1 s count once (tty + npm both
 * deliver a terminal Ctrl-C). A further Ctrl-C while we are already stopping exits without waiting.
 */
function createSignalForwarder() {
  const waiters = [];
  let last = 0;
  let count = 0;
  const state = {
    provisioning: true,
    received: null,
    next: () => new Promise((resolve) => waiters.push(resolve)),
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      const code = signal === 'SIGINT' ? 130 : 143;
      if (state.provisioning) process.exit(code);
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      count += 1;
      state.received ??= signal;
      if (current) {
        if (count === 1) log(`\n[run] ${signal}: stopping...`);
        try {
          process.kill(-current.pid, signal);
        } catch {
          current.kill(signal);
        }
      } else if (waiters.length > 0) {
        for (const resolve of waiters.splice(0)) resolve(signal);
      } else if (count > 1) {
        process.exit(code);
      }
    });
  }
  return state;
}

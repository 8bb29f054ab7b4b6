/**
 * Local infrastructure for `npm start` / `npm test` / `npm run dev:stack`: Postgres, Redis and a Temporal dev
 * server on this machine, provisioned only when they are missing.
 *
 * Runs before `npm install`, so it uses Node built-ins only. For each service the rule is the same:
 *   - URL/address set in the environment and pointing at another host → not ours; returned untouched.
 *   - something already answers on the local host:port → reused (Postgres: role/database still ensured;
 *     Temporal: the Longhaul search attributes still ensured when a `temporal` binary is available).
 *   - otherwise it is installed/started here:
 *       Postgres  apt-get install postgresql (if needed), pg_createcluster, pg_ctlcluster start   (daemon)
 *       Redis     apt-get install redis-server (if needed), redis-server --daemonize yes          (daemon)
 *       Temporal  `temporal server start-dev` as a CHILD process; the CLI is taken from PATH, or from
 *                 $LONGHAUL_CACHE_DIR/bin (default ~/.cache/longhaul/bin), or built there with `go install`.
 * Postgres and Redis are system daemons and are left running by stop(); only the Temporal child is stopped.
 * Logs: <dataDir>/temporal.log, <dataDir>/redis.log, $LONGHAUL_CACHE_DIR/temporal-build.log.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const DEFAULTS = {
  DATABASE_URL: 'postgres://longhaul:longhaul@127.0.0.1:5432/longhaul',
  REDIS_URL: 'redis://127.0.0.1:6379',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
};
/**
 * Custom search attributes the completion workflow upserts; all Keyword. A copy of SEARCH_ATTRIBUTE_NAMES in
 * src/workflows/definitions.ts, which this file cannot import (it runs before `npm install`); a test keeps them equal.
 */
export const SEARCH_ATTRIBUTES = [
  'LonghaulThreadId',
  'LonghaulUserId',
  'LonghaulModel',
  'LonghaulStatus',
  'LonghaulAgent',
];
/** Later tags of temporalio/cli do not build with `go install` (replace directives). */
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

/** Children started by any ensureStack call in this process; killed on exit as a last resort. */
const liveChildren = new Set();
process.on('exit', () => {
  for (const child of liveChildren) signalGroup(child, 'SIGTERM');
});

/**
 * Makes Postgres, Redis and Temporal reachable and returns the env that points at them. Idempotent: when all
 * three already answer it only checks them. stop() ends what this call started as a child (Temporal).
 *
 * @param {{ dataDir: string, log?: (line: string) => void }} options
 * @returns {Promise<{ env: { DATABASE_URL: string, REDIS_URL: string, TEMPORAL_ADDRESS: string },
 *   stop(): Promise<void>, started: string[], temporalUiUrl: string | null,
 *   childExited: Promise<{ name: string, code: number | null, signal: string | null }> }>}
 */
export async function ensureStack({ dataDir, log = (line) => console.log(line) }) {
  const say = (line) => log(`[stack] ${line}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const env = {
    DATABASE_URL: process.env.DATABASE_URL || DEFAULTS.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL || DEFAULTS.REDIS_URL,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS || DEFAULTS.TEMPORAL_ADDRESS,
  };
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const started = [];
  const children = [];

  // apt-get must not run twice at once, so Postgres then Redis; Temporal (possibly a multi-minute build)
  // proceeds alongside them.
  const results = await Promise.allSettled([
    (async () => {
      await ensurePostgres(env.DATABASE_URL, say, started);
      await ensureRedis(env.REDIS_URL, dataDir, say, started);
    })(),
    ensureTemporal(env.TEMPORAL_ADDRESS, namespace, dataDir, say, started, children),
  ]);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const { name, child } of children) await stopChild(name, child, say);
    const daemons = started.filter((name) => name !== 'temporal');
    if (daemons.length > 0) say(`left running: ${daemons.join(', ')} (system daemons, shared with other runs)`);
  };

  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }

  const temporal = children.find((c) => c.name === 'temporal');
  return {
    env,
    stop,
    started,
    temporalUiUrl: temporal?.uiUrl ?? null,
    childExited: Promise.race(children.map((c) => c.exited.then((result) => ({ name: c.name, ...result })))),
  };
}

/** Debian's Chromium, which the browser tests drive through playwright-core; nothing downloads a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Installs Debian's Chromium with apt-get when it is absent (as root, like Postgres and Redis). */
export async function ensureChromium({ log = (line) => console.log(line) } = {}) {
  if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  await aptInstall(['chromium'], (line) => log(`[stack] chromium: ${line}`));
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`chromium: apt-get finished but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}

// ---------------------------------------------------------------------------------------------- Postgres

async function ensurePostgres(databaseUrl, say, started) {
  const url = new URL(databaseUrl);
  const host = stripBrackets(url.hostname);
  const port = Number(url.port || 5432);
  const where = `${host}:${port}${url.pathname}`;
  if (!LOCAL_HOSTS.has(host)) {
    say(`postgres: ${where} is not local; not provisioning it`);
    return;
  }
  if (await canConnect(host, port)) {
    say(`postgres: reusing server on ${host}:${port}`);
  } else {
    await startLocalPostgres(port, say);
    started.push('postgres');
  }
  await ensureRoleAndDatabase(url, host, port, say);
}

async function startLocalPostgres(port, say) {
  if (!which('pg_ctlcluster') || !which('pg_lsclusters') || installedPostgresVersions().length === 0) {
    await aptInstall(['postgresql'], say);
  }
  let cluster = listClusters().find((c) => c.port === port);
  if (!cluster) {
    const version = installedPostgresVersions().at(-1);
    if (!version) throw new Error('postgres: no server binaries under /usr/lib/postgresql after installing');
    const taken = listClusters().some((c) => c.version === version && c.name === 'main');
    const name = taken ? 'longhaul' : 'main';
    say(`postgres: creating cluster ${version}/${name} on port ${port}`);
    mustRun(asRoot(['pg_createcluster', version, name, '-p', String(port)]), 'pg_createcluster');
    cluster = listClusters().find((c) => c.port === port);
    if (!cluster) throw new Error(`postgres: pg_createcluster did not produce a cluster on port ${port}`);
  }
  const id = `${cluster.version}/${cluster.name}`;
  const listenChanged = ensureListensOnLoopback(cluster, say);
  const online = cluster.status.startsWith('online');
  if (online && !listenChanged && (await canConnect('127.0.0.1', port))) return;
  const action = online ? 'restart' : 'start';
  say(`postgres: pg_ctlcluster ${cluster.version} ${cluster.name} ${action} (log: ${cluster.logFile})`);
  const result = run(asRoot(['pg_ctlcluster', cluster.version, cluster.name, action]));
  // A concurrent starter may have won the race; what matters is that the port answers afterwards.
  if (result.status !== 0 && !(await canConnect('127.0.0.1', port))) {
    throw new Error(
      `postgres: pg_ctlcluster ${action} failed:\n${result.output.trim()}\n--- ${cluster.logFile} ---\n${tail(cluster.logFile)}`,
    );
  }
  const ready = await waitFor(() => pgIsReady(port), 30_000);
  if (!ready) throw new Error(`postgres: cluster ${id} did not accept connections within 30s; see ${cluster.logFile}`);
  say(`postgres: cluster ${id} running on 127.0.0.1:${port}`);
}

/** Returns true when postgresql.conf was changed (the server then needs a restart). */
function ensureListensOnLoopback(cluster, say) {
  if (!which('pg_conftool')) return false;
  const shown = run(['pg_conftool', '-s', cluster.version, cluster.name, 'show', 'listen_addresses']);
  if (shown.status !== 0) return false; // unset: the default 'localhost' covers 127.0.0.1
  const value = shown.stdout.trim().replace(/^'|'$/g, '');
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => ['*', '0.0.0.0', 'localhost', '127.0.0.1'].includes(part))) return false;
  const next = [...parts.filter(Boolean), '127.0.0.1'].join(',');
  say(`postgres: listen_addresses '${value}' -> '${next}'`);
  mustRun(asRoot(['pg_conftool', cluster.version, cluster.name, 'set', 'listen_addresses', next]), 'pg_conftool');
  return true;
}

function pgIsReady(port) {
  if (which('pg_isready')) return run(['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(port)]).status === 0;
  return canConnect('127.0.0.1', port);
}

/**
 * Ensures the URL's role (LOGIN, PASSWORD, CREATEDB: tests create their own databases) and database exist and
 * that a password login over TCP works. Does nothing but one check when that login already works.
 */
async function ensureRoleAndDatabase(url, host, port, say) {
  const user = decodeURIComponent(url.username) || 'postgres';
  const password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  if (!which('psql')) {
    say('postgres: psql not found; cannot check the role and database (assuming they exist)');
    return;
  }
  const first = checkLogin(url);
  if (first.ok) {
    say(`postgres: role "${user}" and database "${database}" OK`);
    return;
  }
  say(`postgres: ${first.reason}; creating/updating role "${user}" and database "${database}"`);
  const sql = [
    `SELECT format('CREATE ROLE %I', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \\gexec`,
    password
      ? `SELECT format('ALTER ROLE %I WITH LOGIN CREATEDB PASSWORD %L', :'user', :'pass') \\gexec`
      : `SELECT format('ALTER ROLE %I WITH LOGIN CREATEDB', :'user') \\gexec`,
    `SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \\gexec`,
    '',
  ].join('\n');
  const psqlAsAdmin = (extra) =>
    run(asPostgres(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-p', String(port), '-d', 'postgres', ...extra]), {
      input: sql,
    });
  const admin = psqlAsAdmin(['-v', `user=${user}`, '-v', `pass=${password}`, '-v', `db=${database}`]);
  if (admin.status !== 0) {
    throw new Error(
      `postgres: could not create role/database as the postgres OS user on port ${port}:\n${admin.output.trim()}\n` +
        `Create them yourself, or point DATABASE_URL at a server where "${user}" can log in.`,
    );
  }
  let second = checkLogin(url);
  if (!second.ok && /pg_hba\.conf/.test(second.reason) && ['127.0.0.1', 'localhost'].includes(host)) {
    allowPasswordLoginFromLoopback(user, port, say);
    second = checkLogin(url);
  }
  if (!second.ok) throw new Error(`postgres: login as "${user}" still fails after provisioning: ${second.reason}`);
  say(`postgres: role "${user}" and database "${database}" ready`);
}

/** Logs in exactly as the app will (password over TCP) and checks CREATEDB. */
function checkLogin(url) {
  const result = run(
    ['psql', '-X', '-w', '-tA', url.href, '-c', 'SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user'],
    {
      env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
    },
  );
  if (result.status !== 0) return { ok: false, reason: `login failed (${firstLine(result.stderr)})` };
  if (result.stdout.trim() !== 't') return { ok: false, reason: 'role lacks CREATEDB' };
  return { ok: true };
}

function allowPasswordLoginFromLoopback(user, port, say) {
  const shown = run(asPostgres(['psql', '-X', '-tA', '-p', String(port), '-d', 'postgres', '-c', 'SHOW hba_file']));
  const hbaFile = shown.stdout.trim();
  if (shown.status !== 0 || !hbaFile) return;
  const line = `host    all    "${user}"    127.0.0.1/32    scram-sha-256    # added by longhaul scripts/stack.mjs\n`;
  say(`postgres: allowing password login for "${user}" from 127.0.0.1 in ${hbaFile}`);
  // First matching line wins, so the rule goes on top.
  fs.writeFileSync(hbaFile, line + fs.readFileSync(hbaFile, 'utf8'));
  run(asPostgres(['psql', '-X', '-tA', '-p', String(port), '-d', 'postgres', '-c', 'SELECT pg_reload_conf()']));
}

function listClusters() {
  if (!which('pg_lsclusters')) return [];
  const result = run(['pg_lsclusters', '-h']);
  return result.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 7)
    .map(([version, name, port, status, owner, dataDir, logFile]) => ({
      version,
      name,
      port: Number(port),
      status,
      owner,
      dataDir,
      logFile,
    }));
}

function installedPostgresVersions() {
  try {
    return fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/postgres`))
      .sort((a, b) => Number(a) - Number(b));
  } catch {
    return [];
  }
}

// ------------------------------------------------------------------------------------------------- Redis

async function ensureRedis(redisUrl, dataDir, say, started) {
  const url = new URL(redisUrl);
  const host = stripBrackets(url.hostname);
  const port = Number(url.port || 6379);
  const auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  if (!LOCAL_HOSTS.has(host)) {
    say(`redis: ${host}:${port} is not local; not provisioning it`);
    return;
  }
  const probe = await redisPing(host, port, auth);
  if (probe.ok) {
    say(`redis: reusing server on ${host}:${port}`);
    return;
  }
  if (probe.reply) throw new Error(`redis: ${host}:${port} answers but PING failed: ${probe.reply}`);
  if (await canConnect(host, port)) throw new Error(`redis: something on ${host}:${port} does not speak Redis`);

  if (!which('redis-server')) {
    await aptInstall(['redis-server'], say);
    // Debian's postinst may have started the packaged service on 6379.
    if ((await redisPing(host, port, auth)).ok) {
      say(`redis: the installed service answers on ${host}:${port}`);
      started.push('redis');
      return;
    }
  }
  const logFile = path.join(dataDir, 'redis.log');
  const bind = host === '::1' ? '::1' : '127.0.0.1';
  const args = ['--daemonize', 'yes', '--bind', bind, '--port', String(port), '--save', '', '--appendonly', 'no'];
  args.push('--logfile', logFile);
  if (auth.password && !auth.username) args.push('--requirepass', auth.password);
  say(`redis: starting redis-server on ${bind}:${port} (daemon; log: ${logFile})`);
  const result = run(['redis-server', ...args]);
  if (result.status !== 0) throw new Error(`redis: redis-server failed:\n${result.output.trim()}`);
  const ready = await waitFor(async () => (await redisPing(host, port, auth)).ok, 15_000);
  if (!ready) throw new Error(`redis: no PONG from ${host}:${port} within 15s; see ${logFile}\n${tail(logFile)}`);
  say(`redis: running on ${bind}:${port}`);
  started.push('redis');
}

/** PING over a raw socket in RESP (AUTH first when the URL carries a password). */
function redisPing(host, port, { username, password }) {
  const command = (...parts) =>
    `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
  const frames = [];
  if (password) frames.push(username ? command('AUTH', username, password) : command('AUTH', password));
  frames.push(command('PING'));
  return new Promise((resolve) => {
    let buffer = '';
    const socket = net.connect({ host, port });
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1500, () => done({ ok: false, reply: buffer.trim() || null }));
    socket.on('error', () => done({ ok: false, reply: null }));
    socket.on('connect', () => socket.write(frames.join('')));
    socket.on('data', (data) => {
      buffer += data.toString('utf8');
      const lines = buffer.split('\r\n').filter(Boolean);
      if (lines.length < frames.length) return;
      const last = lines[frames.length - 1];
      if (last === '+PONG') return done({ ok: true, reply: last });
      // Alive but needs credentials we were not given: the app will report it with a better message.
      if (/^-(NOAUTH|WRONGPASS)/.test(last)) return done({ ok: true, reply: last });
      done({ ok: false, reply: lines.join(' | ') });
    });
  });
}

// ---------------------------------------------------------------------------------------------- Temporal

async function ensureTemporal(address, namespace, dataDir, say, started, children) {
  const { host, port } = parseHostPort(address);
  if (!LOCAL_HOSTS.has(host)) {
    say(`temporal: ${address} is not local; not provisioning it`);
    return;
  }
  if (await canConnect(host, port)) {
    say(`temporal: reusing server on ${address}`);
    const bin = findTemporalBinary();
    if (!bin) {
      say('temporal: no temporal CLI available; cannot check the Longhaul search attributes');
      return;
    }
    if (!(await waitForFrontend(bin, address, namespace, 60_000))) {
      throw new Error(`temporal: ${address} answers TCP but namespace "${namespace}" is not reachable`);
    }
    ensureSearchAttributes(bin, address, namespace, say);
    return;
  }

  const bin = findTemporalBinary() ?? (await buildTemporal(say));
  const uiPort = port + 1000; // 8233 for the default 7233, as Temporal itself defaults
  const uiBusy = await canConnect(host, uiPort);
  const dbFile = path.join(dataDir, 'temporal.db');
  const logFile = path.join(dataDir, 'temporal.log');
  const args = ['server', 'start-dev', '--db-filename', dbFile, '--ip', host, '--port', String(port)];
  args.push(...(uiBusy ? ['--headless'] : ['--ui-port', String(uiPort)]));
  for (const ns of new Set(['default', namespace])) args.push('--namespace', ns);
  args.push('--log-level', 'warn');
  // Applied only when the SQLite file is new; ensureSearchAttributes below covers an existing one.
  for (const name of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=Keyword`);
  // The model-call activity is then handed to the worker in the same response that schedules it (measured by
  // the bench: ~8 ms → ~0 before each model call). Production clusters enable it the same way.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  // A start from the process that also runs the worker gets the first workflow task in its response.
  args.push('--dynamic-config-value', 'system.enableEagerWorkflowStart=true');
  // Write-ahead log, synced at checkpoints: every commit still survives a crash of the server process (only an
  // OS crash could lose the last ones), and a write no longer waits for an fsync (bench: the SQLite file is
  // where most of a completion's start-up time went).
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');

  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n--- ${new Date().toISOString()} ${bin} ${args.join(' ')}\n`);
  const t0 = Date.now();
  // Own process group: a terminal Ctrl-C reaches run.mjs, which stops this last (after the app's workers).
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  liveChildren.add(child);
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal });
    });
    child.on('error', (error) => {
      liveChildren.delete(child);
      resolve({ code: null, signal: null, error });
    });
  });
  const entry = { name: 'temporal', child, exited, uiUrl: uiBusy ? null : `http://${urlHost(host)}:${uiPort}` };
  children.push(entry);
  say(`temporal: starting dev server on ${address} (pid ${child.pid}; log: ${logFile})`);
  if (uiBusy) say(`temporal: port ${uiPort} is taken; starting without the Web UI`);

  let exitedEarly = null;
  exited.then((result) => (exitedEarly = result));
  const ready = await waitFor(async () => {
    if (exitedEarly) return true;
    return (await canConnect(host, port)) && namespaceReachable(bin, address, namespace);
  }, 60_000);
  if (exitedEarly) {
    children.splice(children.indexOf(entry), 1);
    // Another run may have started a server on the same port meanwhile; then reuse it.
    if (await canConnect(host, port)) {
      say(`temporal: our server exited, but another one now answers on ${address}; reusing it`);
      if (await waitForFrontend(bin, address, namespace, 60_000)) {
        ensureSearchAttributes(bin, address, namespace, say);
        return;
      }
    }
    throw new Error(`temporal: dev server exited (${describeExit(exitedEarly)}); ${logFile}:\n${tail(logFile)}`);
  }
  if (!ready) {
    throw new Error(`temporal: dev server not ready on ${address} within 60s; ${logFile}:\n${tail(logFile)}`);
  }
  say(`temporal: ready in ${seconds(Date.now() - t0)}${entry.uiUrl ? `; Web UI ${entry.uiUrl}` : ''}`);
  started.push('temporal');
  ensureSearchAttributes(bin, address, namespace, say);
}

function namespaceReachable(bin, address, namespace) {
  const args = ['operator', 'namespace', 'describe', '--namespace', namespace, '--address', address];
  return run([bin, ...args, '--command-timeout', '5s'], { env: temporalCliEnv() }).status === 0;
}

function waitForFrontend(bin, address, namespace, timeoutMs) {
  return waitFor(() => namespaceReachable(bin, address, namespace), timeoutMs);
}

/**
 * Creates the missing Longhaul search attributes, one `create` per attribute: with several --name flags and a
 * single --type, CLI v1.5.1 creates only the first. `create` of an existing attribute succeeds (no-op).
 */
function ensureSearchAttributes(bin, address, namespace, say) {
  const common = ['--address', address, '--namespace', namespace, '--command-timeout', '10s'];
  const list = () => {
    const result = run([bin, 'operator', 'search-attribute', 'list', ...common, '-o', 'json'], {
      env: temporalCliEnv(),
    });
    if (result.status !== 0) throw new Error(`temporal: search-attribute list failed:\n${result.output.trim()}`);
    return JSON.parse(result.stdout).customAttributes ?? {};
  };
  const present = list();
  const wrongType = SEARCH_ATTRIBUTES.filter((n) => present[n] && present[n] !== 'INDEXED_VALUE_TYPE_KEYWORD');
  if (wrongType.length > 0) say(`temporal: WARNING search attributes with a non-Keyword type: ${wrongType.join(', ')}`);
  const missing = SEARCH_ATTRIBUTES.filter((name) => !present[name]);
  if (missing.length === 0) {
    say(`temporal: search attributes present in "${namespace}" (${SEARCH_ATTRIBUTES.join(', ')})`);
    return;
  }
  for (const name of missing) {
    const args = ['operator', 'search-attribute', 'create', ...common, '--name', name, '--type', 'Keyword'];
    const result = run([bin, ...args], { env: temporalCliEnv() });
    if (result.status !== 0 && !/already exists/i.test(result.output)) {
      throw new Error(`temporal: could not create search attribute ${name}:\n${result.output.trim()}`);
    }
  }
  const after = list();
  const stillMissing = SEARCH_ATTRIBUTES.filter((name) => !after[name]);
  if (stillMissing.length > 0) throw new Error(`temporal: search attributes still missing: ${stillMissing.join(', ')}`);
  say(`temporal: created search attributes in "${namespace}": ${missing.join(', ')}`);
}

/** The CLI reads TEMPORAL_* from the environment too; flags win, but keep it from picking up stray config. */
function temporalCliEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_')) delete env[key];
  return env;
}

function cacheDir() {
  return process.env.LONGHAUL_CACHE_DIR || path.join(os.homedir(), '.cache', 'longhaul');
}

function findTemporalBinary() {
  const onPath = which('temporal');
  if (onPath) return onPath;
  const cached = path.join(cacheDir(), 'bin', 'temporal');
  return isExecutable(cached) ? cached : null;
}

/** Builds the Temporal CLI (dev server + Web UI inside) into the cache dir; never two builds at once. */
async function buildTemporal(say) {
  const binDir = path.join(cacheDir(), 'bin');
  const target = path.join(binDir, 'temporal');
  fs.mkdirSync(binDir, { recursive: true });
  const lockFile = path.join(cacheDir(), 'temporal-build.lock');
  for (;;) {
    await waitForOtherBuilds(lockFile, say);
    if (isExecutable(target)) return target;
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      // somebody took the lock between our check and now: wait for them
    }
  }
  try {
    const go = which('go', ['/usr/local/go/bin']);
    if (!go) {
      throw new Error(
        `temporal: no \`temporal\` on PATH nor at ${target}, and Go is not installed to build it.\n` +
          `Install Go (https://go.dev/dl/) and re-run, or run: GOBIN=${binDir} go install ${TEMPORAL_CLI_MODULE}`,
      );
    }
    const logFile = path.join(cacheDir(), 'temporal-build.log');
    say(`temporal: building the Temporal CLI: go install ${TEMPORAL_CLI_MODULE}`);
    say(`temporal: this takes several minutes the first time (log: ${logFile})`);
    const fd = fs.openSync(logFile, 'w');
    const t0 = Date.now();
    const child = spawn(go, ['install', TEMPORAL_CLI_MODULE], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, GOBIN: binDir },
    });
    fs.closeSync(fd);
    const timer = setInterval(
      () => say(`temporal: still building... ${Math.round((Date.now() - t0) / 1000)}s`),
      20_000,
    );
    const result = await new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
    }).finally(() => clearInterval(timer));
    if (result.code !== 0 || !isExecutable(target)) {
      throw new Error(`temporal: go install failed (${describeExit(result)}); ${logFile}:\n${tail(logFile)}`);
    }
    say(`temporal: built ${target} in ${seconds(Date.now() - t0)}`);
    return target;
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

/** Waits while another `go install` of the CLI runs (ours from another process, or one started by hand). */
async function waitForOtherBuilds(lockFile, say) {
  const t0 = Date.now();
  let lastNote = 0;
  for (;;) {
    const pids = otherBuildPids(lockFile);
    if (pids.length === 0) return;
    if (Date.now() - lastNote >= 20_000) {
      lastNote = Date.now();
      say(
        `temporal: waiting for a Temporal CLI build already running (pid ${pids.join(', ')}; ${seconds(Date.now() - t0)})`,
      );
    }
    await sleep(2000);
  }
}

function otherBuildPids(lockFile) {
  const pids = new Set();
  try {
    const holder = Number(fs.readFileSync(lockFile, 'utf8').trim());
    if (holder && holder !== process.pid && isAlive(holder)) pids.add(holder);
    else fs.rmSync(lockFile, { force: true }); // stale
  } catch {
    // no lock file
  }
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      let cmdline = '';
      try {
        cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      const argv = cmdline.split('\0');
      if (argv.some((a) => a.startsWith('github.com/temporalio/cli/cmd/temporal')) && argv.includes('install')) {
        pids.add(Number(entry));
      }
    }
  } catch {
    // no /proc (not Linux): rely on the lock file
  }
  return [...pids];
}

// ----------------------------------------------------------------------------------------------- helpers

async function stopChild(name, child, say) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  say(`${name}: stopping (pid ${child.pid})`);
  signalGroup(child, 'SIGTERM');
  const t0 = Date.now();
  const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
  if (timedOut) {
    say(`${name}: still running after 10s; SIGKILL`);
    signalGroup(child, 'SIGKILL');
    await exited;
  }
  say(`${name}: stopped in ${seconds(Date.now() - t0)}`);
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal); // the child leads its own process group (detached)
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** apt-get update + install, waiting for the dpkg/apt locks when another install is running. */
async function aptInstall(packages, say) {
  if (!which('apt-get'))
    throw new Error(`cannot install ${packages.join(' ')}: apt-get not found; install it yourself`);
  const opts = ['-o', 'DPkg::Lock::Timeout=600'];
  say(`installing ${packages.join(' ')} with apt-get (output follows)`);
  for (const args of [
    ['update', ...opts],
    ['install', '-y', '--no-install-recommends', ...opts, ...packages],
  ]) {
    const t0 = Date.now();
    for (;;) {
      say(`$ apt-get ${args.join(' ')}`);
      const result = await runStreaming(asRoot(['apt-get', ...args]), {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      if (result.code === 0) break;
      const locked = /Could not get lock|Unable to acquire|is another process using it/i.test(result.output);
      if (locked && Date.now() - t0 < 10 * 60_000) {
        say('apt/dpkg is locked by another process; retrying in 5s');
        await sleep(5000);
        continue;
      }
      throw new Error(`apt-get ${args[0]} failed with exit code ${result.code}`);
    }
  }
}

function runStreaming(argv, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const forward = (stream) => (chunk) => {
      output = (output + chunk.toString()).slice(-20_000);
      stream.write(chunk);
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('error', (error) => resolve({ code: null, output: String(error) }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', cwd: '/', ...options });
  const stdout = result.stdout ?? '';
  const stderr = result.stderr ?? (result.error ? String(result.error) : '');
  return { status: result.status, stdout, stderr, output: stdout + stderr };
}

function mustRun(argv, what) {
  const result = run(argv);
  if (result.status !== 0) throw new Error(`${what} failed (${argv.join(' ')}):\n${result.output.trim()}`);
  return result;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function asRoot(argv) {
  return isRoot() ? argv : ['sudo', '-n', ...argv];
}

function asPostgres(argv) {
  if (os.userInfo().username === 'postgres') return argv;
  if (isRoot() && which('runuser')) return ['runuser', '-u', 'postgres', '--', ...argv];
  return ['sudo', '-n', '-u', 'postgres', ...argv];
}

function which(command, extraDirs = []) {
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter),
    ...extraDirs,
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function canConnect(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

async function waitFor(check, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

function parseHostPort(address) {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
  if (!match) throw new Error(`TEMPORAL_ADDRESS must be host:port, got ${JSON.stringify(address)}`);
  return { host: match[1], port: Number(match[2]) };
}

function stripBrackets(host) {
  return host.replace(/^\[|\]$/g, '');
}

function urlHost(host) {
  return host.includes(':') ? `[${host}]` : host;
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(cannot read ${file}: ${error.message})`;
  }
}

function firstLine(text) {
  return (text.trim().split('\n')[0] ?? '').replace(/^psql: (error: )?/, '') || 'no output';
}

function describeExit({ code, signal, error }) {
  if (error) return error.message;
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/**
 * The image serves the web app: the Dockerfile installs web/'s dependencies and runs `vite build` before the API
 * starts, and .dockerignore sends the build what it reads but never the host's web/node_modules or web/dist.
 * (No Docker engine runs in the tests; this reads the two files as Docker does.)
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(): { keyword: string; args: string }[] {
  return read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Docker's rules: patterns in order, `!` re-includes, `*` within a segment, `**` across; a dir excludes its tree. */
function isIgnored(path: string): boolean {
  const toRegExp = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/^\/+|\/+$/g, '')
        .split('**')
        .map((piece) =>
          piece
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
        )
        .join('.*')}(/.*)?$`,
    );
  let ignored = false;
  for (const raw of read('.dockerignore').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const exception = line.startsWith('!');
    if (toRegExp(exception ? line.slice(1) : line).test(path)) ignored = !exception;
  }
  return ignored;
}

it('installs the web app’s dependencies and builds it with vite before the server starts', () => {
  const steps = instructions();
  const at = (predicate: (step: { keyword: string; args: string }) => boolean) => steps.findIndex(predicate);
  const copiesWebLock = at((s) => s.keyword === 'COPY' && /web\/package-lock\.json/.test(s.args));
  const installsWeb = at(
    (s) => s.keyword === 'RUN' && /npm (install|ci)\b.*--prefix web|cd web && npm (install|ci)/.test(s.args),
  );
  const copiesSources = at((s) => s.keyword === 'COPY' && /^\.\s+\.$/.test(s.args));
  const builds = at((s) => s.keyword === 'RUN' && /cd web && .*vite(\.js)? build/.test(s.args));
  const serves = at((s) => s.keyword === 'CMD');

  expect(copiesWebLock).toBeGreaterThanOrEqual(0);
  expect(installsWeb).toBeGreaterThan(copiesWebLock);
  expect(copiesSources).toBeGreaterThan(installsWeb);
  expect(builds).toBeGreaterThan(copiesSources);
  expect(serves).toBeGreaterThan(builds);
  expect(steps[serves]!.args).toContain('src/server.ts');
});

it('sends the build context what the web build reads, and not the host’s web/node_modules or web/dist', () => {
  // scripts/web-app.mjs's BUILD_INPUTS: what `vite build` reads besides web/node_modules.
  const needed = [
    'web/package.json',
    'web/package-lock.json',
    'web/index.html',
    'web/vite.config.ts',
    'web/tsconfig.json',
    'web/src/main.tsx',
    'src/client/without-superseded-parts.ts',
    'src/server.ts',
  ];
  expect(needed.filter(isIgnored)).toEqual([]);
  expect(
    ['web/node_modules/vite/package.json', 'web/dist/index.html', 'node_modules/ai/package.json'].map(isIgnored),
  ).toEqual([true, true, true]);
});

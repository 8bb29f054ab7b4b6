/**
 * Serves the built web app (web/dist) at `/`, before authentication: its files are public, the data it reads
 * is not (every API call carries the key the page holds). Paths the API owns are never answered here, and a
 * path without a file extension that names no file gets index.html, so the app's own routes survive a reload.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

export const WEB_APP_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const API_PREFIXES = ['/api', '/v1', '/ag-ui', '/healthz', '/metrics'];
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

function ownedByApi(path: string): boolean {
  return API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

async function fileAt(path: string): Promise<{ size: number } | null> {
  try {
    const found = await stat(path);
    return found.isFile() ? { size: found.size } : null;
  } catch {
    return null;
  }
}

export function serveWebApp(dir: string = WEB_APP_DIR): Middleware {
  const root = resolve(dir);
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ownedByApi(ctx.path)) return next();
    // plainUrl has already refused dot segments and encoded separators; this keeps the file inside root anyway.
    const requested = resolve(join(root, ctx.path));
    if (requested !== root && !requested.startsWith(root + sep)) return next();
    let file = requested === root ? null : await fileAt(requested);
    let path = requested;
    if (!file && extname(ctx.path) === '') {
      path = join(root, 'index.html');
      file = await fileAt(path);
    }
    if (!file) return next();
    const isIndex = path === join(root, 'index.html');
    // Koa sends no body for HEAD and closes the unread stream when the response ends.
    ctx.body = createReadStream(path);
    ctx.type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
    ctx.length = file.size; // after the body: a stream body clears Content-Length
    // Vite names every asset by its content hash, so assets never change; index.html names the current ones.
    ctx.set('cache-control', isIndex ? 'no-cache' : 'public, max-age=31536000, immutable');
    ctx.set('x-content-type-options', 'nosniff');
    if (isIndex) ctx.set('referrer-policy', 'no-referrer');
  };
}

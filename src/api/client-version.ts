import type { Context } from 'koa';
import { z } from 'zod';
import { CLIENT_VERSIONS, toClientVersion, type ClientVersion } from '../stream/client-version.js';
import { parseInput } from './parse-input.js';

const versionSchema = z.enum(CLIENT_VERSIONS).optional();

/**
 * The UI message stream version the client reads: header `x-longhaul-ui-version` (or `?uiVersion=` for
 * EventSource, which cannot set headers), else the server default.
 */
export function clientVersionOf(ctx: Context, fallback: ClientVersion): ClientVersion {
  const raw =
    ctx.get('x-longhaul-ui-version') || (typeof ctx.query.uiVersion === 'string' ? ctx.query.uiVersion : undefined);
  const version = parseInput(versionSchema, raw || undefined, 'x-longhaul-ui-version');
  return version ? toClientVersion(version) : fallback;
}
